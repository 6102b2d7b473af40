/**
 * Estimated prices per million tokens, to turn a run's token usage into a cost budget. Estimates, not invoices:
 * override them per agent (`defineAgent({ price })`) or for every agent with DURABLE_AGENT_PRICES, a JSON object
 * `{ "<model>": { "inputPerMTok": 3, "outputPerMTok": 15 } }`.
 */
import type { ModelPrice } from '../common/run';

const DEFAULT_PRICES: Record<string, ModelPrice> = {
  'claude-opus-4-5': { inputPerMTok: 5, outputPerMTok: 25 },
  'claude-sonnet-4-5': { inputPerMTok: 3, outputPerMTok: 15 },
  'claude-sonnet-4-6': { inputPerMTok: 3, outputPerMTok: 15 },
  'claude-haiku-4-5': { inputPerMTok: 1, outputPerMTok: 5 },
};

/** Unknown models are priced like the most expensive known one: a budget should err on the side of stopping. */
const FALLBACK: ModelPrice = { inputPerMTok: 5, outputPerMTok: 25 };

export function priceOf(model: string, env: NodeJS.ProcessEnv = process.env): ModelPrice {
  const configured = env.DURABLE_AGENT_PRICES ? parsePrices(env.DURABLE_AGENT_PRICES) : {};
  return configured[model] ?? DEFAULT_PRICES[model] ?? FALLBACK;
}

function parsePrices(json: string): Record<string, ModelPrice> {
  try {
    return JSON.parse(json) as Record<string, ModelPrice>;
  } catch {
    throw new Error('DURABLE_AGENT_PRICES is not valid JSON (expected {"<model>": {"inputPerMTok": n, "outputPerMTok": n}})');
  }
}
