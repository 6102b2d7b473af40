/**
 * `agent.describe`: what the workflow records of its agent at the run's start. The spec is plain JSON in history;
 * the system prompt, which may be long, is stored once in the blob store and recorded by its key, so every model
 * step of the run sends the prompt the run started with, whatever a later deploy changed.
 */
import type { AgentRegistry } from '../agents/registry';
import type { AgentSpec } from '../common/run';
import type { BlobStore } from '../stores/blob-store';

export interface DescribeDeps {
  registry: AgentRegistry;
  store: BlobStore;
  modelOverride?: string;
}

export async function describeAgent(deps: DescribeDeps, agent: string): Promise<AgentSpec> {
  const spec = deps.registry.spec(agent, deps.modelOverride);
  const prompt = new TextEncoder().encode(deps.registry.get(agent).system);
  // Content-addressed: a retried describe, or every run of the same agent, stores the same blob once.
  const key = await deps.store.put(prompt);
  return { ...spec, system: { key, bytes: prompt.byteLength } };
}

/** The system prompt a run recorded, read back once per worker and key (the bytes under a key never change). */
export function systemPromptReader(store: BlobStore, maxCached = 256): (key: string) => Promise<string> {
  const cache = new Map<string, string>();
  return async (key) => {
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const text = new TextDecoder().decode(await store.get(key));
    if (cache.size >= maxCached) cache.delete(cache.keys().next().value as string);
    cache.set(key, text);
    return text;
  };
}
