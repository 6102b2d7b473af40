/**
 * A run's record stays out of its state (issue 15 §1): each execution archives what it recorded to the store, and
 * continue-as-new and the result carry heads, not events. On a real dev server: the continued inputs stay the same
 * size however many executions came before, the result names its record instead of holding it, the client reads
 * the trace and the ledger back whole (also while the run waits on a person, across executions), a repeated action
 * is still caught after continue-as-new, and a client without the store says so in one line.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentClient, AgentRun } from '../client/agent-client';
import type { AgentRunInput } from '../common/run';
import { defineAgent } from '../agents/define';
import { echo, executions, resetExecutions, wireMoney } from './fixtures/test-agent';
import { eventsOf, uniqueId, waitForEscalation } from './helpers/runs';
import { tempDataDir, useTestEnv } from './helpers/test-env';
import { traceQuery } from '../workflows/messages';
import type { LocalBlobStore } from '../stores/local-store';
import { runCli } from './helpers/cli-process';

const env = useTestEnv('run-record');
/** The test agent's tools, with room for long runs. */
const recorder = defineAgent({ name: 'recorder', model: 'claude-test', system: 'You keep records.', tools: [echo, wireMoney], limits: { maxSteps: 1_000, maxTokens: 1e9 } });
beforeEach(() => resetExecutions());

function scenario(name: string, turns: unknown[]): string {
  const file = join(tempDataDir(), `${name}-${uniqueId('s')}.json`);
  writeFileSync(file, JSON.stringify({ name, turns }));
  return file;
}
const echoes = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ toolCalls: [{ name: 'echo', input: { text: `page ${from + i}` } }] }));
const wire = { text: 'Paying acme.', toolCalls: [{ name: 'wire_money', input: { to: 'acme', amountCents: 500, confidence: 0.9, rationale: 'the invoice' } }] };

/** Every execution of the run, oldest first, with the input it started from. */
async function executionInputs(client: AgentClient, workflowId: string): Promise<AgentRunInput[]> {
  const runIds: string[] = [];
  for await (const info of client.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runIds.push(info.runId);
  const inputs = await Promise.all(runIds.map((runId) => new AgentRun(client.client.workflow.getHandle(workflowId, runId)).input()));
  return inputs.sort((a, b) => (a.continued?.executions ?? 0) - (b.continued?.executions ?? 0));
}

test('40 steps over many executions: each continued input is the same size, and the result names its record', async () => {
  const { client } = env();
  await env().withWorker([recorder], async () => {
    const run = await client.start('recorder', 'echo the archive', {
      scenario: scenario('echo-40', [...echoes(40), { text: 'Echoed 40 pages.' }]),
      correlationId: uniqueId('record'),
      options: { continueAsNew: { maxEvents: 60 } },
    });
    const outcome = await run.outcome();
    expect(outcome.status).toBe('completed');

    // The workflow's own result: a summary and the record's heads, none of the events.
    expect(outcome.trace).toEqual([]);
    expect(outcome.ledger).toEqual([]);
    expect(outcome.record?.trace?.count).toBe(outcome.counts?.events);
    expect(JSON.stringify(outcome).length).toBeLessThan(2_000);

    const continued = (await executionInputs(client, run.workflowId)).flatMap((i) => (i.continued ? [i.continued] : []));
    expect(continued.length).toBeGreaterThanOrEqual(4);
    // Each carries the heads of what came before, not the events themselves.
    for (const c of continued) {
      expect(c.trace).toEqual([]);
      expect(c.record?.archived.trace?.count).toBeGreaterThan(0);
    }
    const sizes = continued.map((c) => JSON.stringify(c).length);
    console.log(`continued input bytes by execution: ${sizes.join(', ')}`);
    expect(Math.max(...sizes)).toBeLessThan(1.2 * Math.min(...sizes));

    // Read back whole: one run, contiguous, every execution's events, the same by every route.
    const whole = await run.result();
    expect(whole.trace.map((e) => e.seq)).toEqual(whole.trace.map((_, i) => i));
    expect(whole.trace).toHaveLength(outcome.counts?.events ?? -1);
    expect(new Set(whole.trace.map((e) => e.runId)).size).toBe(continued.length + 1);
    expect(eventsOf(whole.trace, 'tool_result')).toHaveLength(40);
    expect(await run.trace()).toEqual(whole.trace);
    const tail: unknown[] = [];
    for await (const event of run.traceEvents(100)) tail.push(event);
    expect(tail).toEqual(whole.trace.slice(100));
    expect(await run.explain()).toContain('Echoed 40 pages.');

    // The CLI reads the same record from the same store, from any event on.
    const { server, taskQueue } = env();
    const target = { address: server.address, namespace: server.namespace, taskQueue, scratch: mkdtempSync(join(tmpdir(), 'durable-agent-record-cli-')) };
    const storeEnv = { env: { DURABLE_AGENT_STORE: `local:${(env().store as LocalBlobStore).dir}` } };
    const listed = await runCli(target, ['trace', run.workflowId, '--jsonl', '--from', '100'], storeEnv);
    expect(listed.stderr).toBe('');
    expect(listed.stdout.trimEnd().split('\n').map((line) => (JSON.parse(line) as { seq: number }).seq)).toEqual(whole.trace.slice(100).map((e) => e.seq));
    const bad = await runCli(target, ['trace', run.workflowId, '--from', 'soon'], storeEnv);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim()).toBe(`durable-agent: error: --from must be a whole number, 0 or more (an event's seq) (got "soon")`);
  });
}, 180_000);

test('waiting on a person after continuing as new: the trace reads whole from the store and the run, and the repeat is caught', async () => {
  const { client } = env();
  await env().withWorker([recorder], async () => {
    const run = await client.start('recorder', 'pay acme, then check, then pay again', {
      scenario: scenario('pay-check-pay', [wire, ...echoes(12), { ...wire, text: 'Paying acme again, to be sure.' }, { text: 'Done.' }]),
      correlationId: uniqueId('record-dup'),
      options: { continueAsNew: { maxEvents: 60 } },
    });
    const first = await waitForEscalation(run);
    await run.resolve({ escalationId: first.id, decision: 'approve', by: 'pat' });
    const second = await waitForEscalation(run);
    const firstCall = first.proposedCall?.toolUseId as string;
    // The first payment ran in an earlier execution: only its mark crossed continue-as-new, and it is enough.
    const trace = await run.trace();
    expect(new Set(trace.map((e) => e.runId)).size).toBeGreaterThan(1);
    expect(trace.map((e) => e.seq)).toEqual(trace.map((_, i) => i));
    expect(second.duplicateOf).toEqual({ ref: firstCall, words: `already done at step 1 (${firstCall})` });
    const ledger = await run.ledger();
    expect(ledger.map((e) => e.toolUseId)).toEqual([firstCall]);
    const status = await run.status();
    expect(trace.at(-1)?.step).toBe(status.step);
    // What the workflow holds in memory: this execution's events only, not the run's.
    const held = await run.handle.query(traceQuery);
    expect(new Set(held.map((e) => e.runId))).toEqual(new Set([trace.at(-1)?.runId]));
    expect(held.length).toBeLessThan(trace.length / 2);
    expect(held[0]?.seq).toBe(trace.length - held.length);

    // A client without the workers' store cannot read the archived part, and says why in one line.
    const storeless = new AgentClient(client.client, client.settings);
    await expect((await storeless.run(run.workflowId)).trace()).rejects.toThrow(/archived in the workers' blob store, and this client has none/);

    await run.resolve({ escalationId: second.id, decision: 'reject', by: 'pat', text: 'already paid' });
    const result = await run.result();
    expect(result.ledger.map((e) => e.toolUseId)).toEqual([firstCall]);
    expect(executions.wire_money).toHaveLength(1);
    expect(result.trace.map((e) => e.seq)).toEqual(result.trace.map((_, i) => i));
  });
}, 180_000);

test('a short run returns its record in its result: a client without the workers\' store reads it all the same', async () => {
  const { client } = env();
  await env().withWorker([recorder], async () => {
    const run = await client.start('recorder', 'echo twice', { scenario: scenario('echo-2', [...echoes(2), { text: 'Echoed 2 pages.' }]), correlationId: uniqueId('record-short') });
    const outcome = await run.outcome();
    expect(outcome.record).toEqual({ trace: null, ledger: null });
    expect(outcome.trace).toHaveLength(outcome.counts?.events ?? -1);
    // No archive step: the record was small enough to travel in the result.
    const history = await run.handle.fetchHistory();
    const scheduled = (history.events ?? []).map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter(Boolean);
    expect(scheduled).not.toContain('agent.archiveRecord');
    const storeless = new AgentClient(client.client, client.settings);
    expect((await (await storeless.run(run.workflowId)).result()).trace).toEqual(outcome.trace);
  });
}, 60_000);
