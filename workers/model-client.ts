/**
 * The Anthropic client a worker uses. With ANTHROPIC_API_KEY set, the real API; otherwise the scripted model
 * server on loopback, spoken to with the same SDK and the same wire format.
 */
import Anthropic from '@anthropic-ai/sdk';

export interface ModelClientOptions {
  /** Overrides the environment: a scripted model server's URL. */
  baseURL?: string;
  apiKey?: string;
}

export interface ModelClient {
  anthropic: Anthropic;
  /** True when requests go to a scripted model server (they then carry the scenario headers). */
  scripted: boolean;
  baseURL: string;
}

export function createModelClient(opts: ModelClientOptions = {}, env: NodeJS.ProcessEnv = process.env): ModelClient {
  const apiKey = opts.apiKey ?? env.ANTHROPIC_API_KEY;
  const baseURL = opts.baseURL ?? env.DURABLE_AGENT_MODEL_URL ?? (apiKey ? env.ANTHROPIC_BASE_URL : undefined);
  const scripted = !apiKey || (opts.baseURL ?? env.DURABLE_AGENT_MODEL_URL) !== undefined;
  if (scripted && !baseURL) {
    throw new Error('no model configured: set ANTHROPIC_API_KEY, or DURABLE_AGENT_MODEL_URL to a scripted model server');
  }
  const anthropic = new Anthropic({
    apiKey: apiKey ?? 'scripted-model-needs-no-key',
    baseURL: baseURL ?? undefined,
    // Temporal owns retries; a second retry layer here would multiply attempts and hide them from history.
    maxRetries: 0,
    // Below the model activity's start-to-close timeout, so the SDK gives up before Temporal does.
    timeout: 110_000,
  });
  return { anthropic, scripted, baseURL: anthropic.baseURL };
}
