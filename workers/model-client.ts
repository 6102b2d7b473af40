/**
 * The Anthropic client a worker uses, and the one decision of which model that is: a scripted model server named by
 * URL (DURABLE_AGENT_MODEL_URL, or `baseURL` here), else the real API when there is a key (ANTHROPIC_API_KEY, at
 * ANTHROPIC_BASE_URL if set), else none (the CLI's worker then starts a scripted server of its own). Scripted or
 * real, it is the same SDK and the same wire format.
 */
import Anthropic from '@anthropic-ai/sdk';
import { configFromEnv, type ModelSettings } from '../common/config';

export interface ModelClientOptions {
  /** A scripted model server's URL: overrides the configuration's. */
  baseURL?: string;
  apiKey?: string;
}

export type ModelChoice =
  | { kind: 'scripted'; baseURL: string; source: 'DURABLE_AGENT_MODEL_URL' | 'options' }
  | { kind: 'anthropic'; apiKey: string; baseURL?: string }
  | { kind: 'none' };

export interface ModelClient {
  anthropic: Anthropic;
  /** True when requests go to a scripted model server (they then carry the scenario headers). */
  scripted: boolean;
  baseURL: string;
}

/**
 * Which model the settings name.
 *
 * @example
 * chooseModel({ apiKey: 'sk-ant-...' }); // { kind: 'anthropic', apiKey: 'sk-ant-...' }
 * chooseModel({ apiKey: 'sk-ant-...', scriptedUrl: 'http://127.0.0.1:8787' }).kind; // 'scripted'
 */
export function chooseModel(settings: ModelSettings, opts: ModelClientOptions = {}): ModelChoice {
  if (opts.baseURL) return { kind: 'scripted', baseURL: opts.baseURL, source: 'options' };
  if (settings.scriptedUrl) return { kind: 'scripted', baseURL: settings.scriptedUrl, source: 'DURABLE_AGENT_MODEL_URL' };
  const apiKey = opts.apiKey ?? settings.apiKey;
  if (apiKey) return { kind: 'anthropic', apiKey, ...(settings.anthropicBaseUrl ? { baseURL: settings.anthropicBaseUrl } : {}) };
  return { kind: 'none' };
}

/** One line for the person starting the worker; never includes the key. */
export function describeModelChoice(choice: ModelChoice): string {
  switch (choice.kind) {
    case 'scripted':
      return `scripted model server at ${choice.baseURL}${choice.source === 'options' ? '' : ` (${choice.source})`}`;
    case 'anthropic':
      return `Anthropic Messages API${choice.baseURL ? ` at ${choice.baseURL}` : ''} (ANTHROPIC_API_KEY is set)`;
    case 'none':
      return 'no model configured: set ANTHROPIC_API_KEY, or DURABLE_AGENT_MODEL_URL to a scripted model server';
  }
}

/**
 * The SDK client for the chosen model. `settings` default to the environment's, read once, here.
 *
 * @example
 * const { anthropic, scripted } = createModelClient({ baseURL: server.url });
 */
export function createModelClient(opts: ModelClientOptions = {}, settings: ModelSettings = configFromEnv().model): ModelClient {
  const choice = chooseModel(settings, opts);
  if (choice.kind === 'none') throw new Error(describeModelChoice(choice));
  const anthropic =
    choice.kind === 'anthropic'
      ? new Anthropic({
          apiKey: choice.apiKey,
          // Named here, never left to the SDK: it would read this process's ANTHROPIC_BASE_URL on its own, and send
          // the key to an address the configuration did not choose for it.
          baseURL: choice.baseURL ?? ANTHROPIC_API_URL,
          // Temporal owns retries; a second retry layer here would multiply attempts and hide them from history. No
          // client-wide timeout: every request passes its own, a little under the activity's start-to-close.
          maxRetries: 0,
        })
      : new Anthropic({
          apiKey: SCRIPTED_PLACEHOLDER_KEY,
          baseURL: choice.baseURL,
          maxRetries: 0,
          // The SDK adds headers from the environment (ANTHROPIC_CUSTOM_HEADERS, which may carry a gateway's key) to
          // every client; a scripted server gets only the headers the Messages API and the scenarios need.
          fetch: (url, init) => fetch(url, { ...init, headers: scriptedModelHeaders(init?.headers) }),
        });
  return { anthropic, scripted: choice.kind === 'scripted', baseURL: anthropic.baseURL };
}

/** Where the real key goes when no ANTHROPIC_BASE_URL is configured. */
export const ANTHROPIC_API_URL = 'https://api.anthropic.com';

/** What a scripted (or any non-Anthropic) model server is sent instead of a key. */
export const SCRIPTED_PLACEHOLDER_KEY = 'scripted-model-needs-no-key';

/** Header names a scripted model server may receive (by prefix, lower-case); the placeholder is the only credential. */
// W3C trace context passes too: the model call carries the run's trace on to the model server (docs/trace.md).
const SCRIPTED_HEADER_PREFIXES = ['accept', 'content-type', 'user-agent', 'anthropic-', 'x-stainless-', 'x-durable-agent-', 'traceparent', 'tracestate', 'baggage'];

/**
 * The request's headers, filtered for a scripted model server: the Messages API's own and the scenario headers,
 * with the placeholder as the credential.
 *
 * @example
 * scriptedModelHeaders({ 'x-api-key': 'sk-ant-...', 'content-type': 'application/json' });
 * // Headers { content-type: application/json, authorization: Bearer scripted-model-needs-no-key }
 */
export function scriptedModelHeaders(headers: ConstructorParameters<typeof Headers>[0]): Headers {
  const out = new Headers();
  for (const [name, value] of new Headers(headers).entries()) {
    if (SCRIPTED_HEADER_PREFIXES.some((prefix) => name.startsWith(prefix))) out.set(name, value);
  }
  out.set('authorization', `Bearer ${SCRIPTED_PLACEHOLDER_KEY}`);
  return out;
}
