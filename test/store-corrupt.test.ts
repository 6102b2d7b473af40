/**
 * A conversation segment corrupted in the store (same size, different bytes) does not fail the run: the model step
 * reports StoreCorrupt, the run escalates `store_corrupt`, and once the blob is put again (repaired) a person's
 * approve retries the step.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { executions, resetExecutions, testAgent } from './fixtures/test-agent';
import { useTestEnv } from './helpers/test-env';
import { uniqueId, waitForEscalation } from './helpers/runs';
import type { LocalBlobStore } from '../stores/local-store';
import { defaultConversationCache } from '../stores/conversation-chain';

const env = useTestEnv('store-corrupt');
beforeEach(() => resetExecutions());

function blobFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile() && /[0-9a-f]{64}$/.test(f));
}

test('a corrupt conversation segment escalates store_corrupt; repaired and approved, the run goes on', async () => {
  const dir = (env().store as LocalBlobStore).dir;
  await env().withWorker([testAgent], async () => {
    const prompt = `pay acme ${uniqueId('marker')}`;
    const run = await env().client.start('tester', prompt, { scenario: 'approval', correlationId: uniqueId('corrupt') });
    const approval = await waitForEscalation(run);
    // Every stored segment of this run's conversation, changed in place without changing its size.
    const segments = blobFiles(dir).filter((f) => readFileSync(f, 'utf8').includes(prompt));
    expect(segments.length).toBeGreaterThan(0);
    const originals = segments.map((f) => readFileSync(f));
    for (const f of segments) writeFileSync(f, readFileSync(f, 'utf8').replace(prompt, prompt.replace('acme', 'acmf')));
    // As if another worker took the next step: this one's in-process cache would never read the store again.
    defaultConversationCache.clear();
    await run.resolve({ escalationId: approval.id, decision: 'approve', by: 'pat' });

    const corrupt = await waitForEscalation(run);
    expect(corrupt.kind).toBe('store_corrupt');
    expect(corrupt.reason).toMatch(/cannot read the run's conversation/);
    expect(corrupt.reason).not.toContain(prompt);
    expect(executions.wire_money).toHaveLength(1);
    // Putting the right bytes again repairs the blob; then the step is tried again.
    for (const bytes of originals) await env().store.put(bytes);
    await run.resolve({ escalationId: corrupt.id, decision: 'approve', by: 'pat' });
    const result = await run.result();
    expect(result.status).toBe('completed');
    expect(executions.wire_money).toHaveLength(1);
  });
});
