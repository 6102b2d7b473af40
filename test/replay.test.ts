/**
 * Committed histories replay against the current workflow code: a change that would make a run in flight take a
 * different path (a non-deterministic change) fails here, before it reaches a worker.
 *
 * `npm run record-histories` re-records them (RECORD_HISTORIES=1), after an intended, patched change;
 * `RECORD_HISTORIES=name,name npx jest test/replay.test.ts` records only those (a new recorded run).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { opsAgent } from '../examples/ops-agent/agent';
import { bundleAgentWorkflows, SILENT_SINKS } from '../workers/workflow-bundle';
import { DurableAgentPlugin } from '../workers/plugin';
import { LocalBlobStore } from '../stores/local-store';
import { quietLogger } from './helpers/quiet-logger';
import { testAgent } from './fixtures/test-agent';
import { EXECUTION_SEPARATOR, RECORDED_RUNS } from './helpers/recorded-runs';
import { committedHistories, HISTORIES, recordedCorrelationId } from './helpers/committed-histories';
import { quietRuntime, startTestEnv } from './helpers/test-env';
import { waitForEscalation } from './helpers/runs';

const recordOnly = process.env.RECORD_HISTORIES;
const recording = Boolean(recordOnly);
const toRecord = () => RECORDED_RUNS.filter((r) => recordOnly === '1' || recordOnly?.split(',').includes(r.name));
// A replay that fails logs the failing task at WARN; the test reports it, so keep the log to errors.
quietRuntime();

async function record(): Promise<void> {
  process.env.DURABLE_AGENT_DATA_DIR = mkdtempSync(join(tmpdir(), 'durable-agent-record-'));
  const env = await startTestEnv('record');
  try {
    await env.withWorker([opsAgent, testAgent], async () => {
      for (const spec of toRecord()) {
        const run = await env.client.start(spec.agent, spec.prompt, { ...spec.start, correlationId: recordedCorrelationId(spec.name) });
        for (const decision of spec.decisions ?? []) {
          const escalation = await waitForEscalation(run);
          await run.resolve({ ...decision, escalationId: escalation.id });
        }
        await run.result();
        // Every execution of the run, oldest first: one file, or one per execution when it continued as new.
        const executions = [];
        for await (const info of env.client.client.workflow.list({ query: `WorkflowId = '${run.workflowId}'` })) {
          executions.push(await env.client.client.workflow.getHandle(run.workflowId, info.runId).fetchHistory());
        }
        executions.sort((a, b) => startMs(a) - startMs(b));
        for (const [i, history] of executions.entries()) {
          const file = executions.length === 1 ? spec.name : `${spec.name}${EXECUTION_SEPARATOR}${i + 1}`;
          writeFileSync(join(HISTORIES, `${file}.json`), historyToJSON(history) + '\n');
        }
      }
    });
  } finally {
    await env.stop();
  }
}

function startMs(history: { events?: { eventTime?: { seconds?: unknown; nanos?: number | null } | null }[] | null }): number {
  const t = history.events?.[0]?.eventTime;
  return Number(t?.seconds ?? 0) * 1_000 + (t?.nanos ?? 0) / 1e6;
}

/**
 * Histories recorded by earlier versions of the workflow stay committed in their own folders and keep replaying:
 * they stand for runs still in flight when new code is deployed.
 */
const GENERATIONS = ['.', 'before-authority', 'before-trust-boundary'];

// The bundle's workflow interceptors emit spans through a sink: a replay worker drops them.
const bundle = () => ({ workflowBundle: { codePath: process.env.DURABLE_AGENT_TEST_BUNDLE as string }, sinks: SILENT_SINKS });

test('every recorded run is committed', async () => {
  if (recording) await record();
  const runs = committedHistories().map((h) => h.run);
  expect([...new Set(runs)].sort()).toEqual(RECORDED_RUNS.map((r) => r.name).sort());
  // A run recorded to continue as new did: its executions are all there, each but the last ending in
  // ContinuedAsNew, each after the first started from a continuation.
  for (const spec of RECORDED_RUNS.filter((r) => r.start.options?.continueAsNew)) {
    const executions = committedHistories().filter((h) => h.run === spec.name).sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
    expect(executions.map((h) => h.name)).toEqual(executions.map((_, i) => `${spec.name}${EXECUTION_SEPARATOR}${i + 1}`));
    expect(executions.length).toBeGreaterThanOrEqual(2);
    for (const [i, { history }] of executions.entries()) {
      const last = history.events?.at(-1);
      expect(Boolean(last?.workflowExecutionContinuedAsNewEventAttributes)).toBe(i < executions.length - 1);
      expect(Boolean(history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId)).toBe(i > 0);
    }
  }
}, 180_000);

test.each(GENERATIONS)('committed histories (%s) replay with the current workflow code', async (generation) => {
  await replayAll(generation, bundle());
}, 120_000);

// Workers that do not trace bundle without the tracing interceptors, and share task queues with those that do: the
// interceptors must not change a command.
test('the current histories replay the same without the tracing interceptors (an untraced worker\'s bundle)', async () => {
  const { code } = await bundleAgentWorkflows({ traced: false, logger: quietLogger });
  expect(code).not.toContain('OpenTelemetryInboundInterceptor');
  expect(code).not.toContain('WorkflowSpansInbound');
  await replayAll('.', { workflowBundle: { code }, sinks: SILENT_SINKS });
}, 180_000);

// A replay worker gets the same plugin as a live one: the workflows (bundled from the plugin's path here), the data
// converter and the span sink, with nothing named by hand.
test('the current histories replay on a replay worker configured by DurableAgentPlugin alone', async () => {
  const plugin = new DurableAgentPlugin({ store: await LocalBlobStore.open(mkdtempSync(join(tmpdir(), 'replay-plugin-'))) });
  await replayAll('.', { plugins: [plugin] });
}, 180_000);

async function replayAll(generation: string, options: Parameters<typeof Worker.runReplayHistories>[0]): Promise<void> {
  const histories = committedHistories(generation);
  expect(histories.length).toBeGreaterThanOrEqual(10);
  const failures: string[] = [];
  for await (const result of Worker.runReplayHistories(
    options,
    // The real workflow id: the run's escalation ids are derived from it, so replay must see the same one.
    histories.map(({ workflowId, history }) => ({ workflowId, history })),
  )) {
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  expect(failures).toEqual([]);
}
