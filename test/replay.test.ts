/**
 * Committed histories replay against the current workflow code: a change that would make a run in flight take a
 * different path (a non-deterministic change) fails here, before it reaches a worker.
 *
 * `npm run record-histories` re-records them (RECORD_HISTORIES=1), after an intended, patched change.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import { opsAgent } from '../examples/ops-agent/agent';
import { DROP_WORKFLOW_SPANS } from '../workers/workflow-bundle';
import { testAgent } from './fixtures/test-agent';
import { RECORDED_RUNS } from './helpers/recorded-runs';
import { quietRuntime, startTestEnv } from './helpers/test-env';
import { waitForEscalation } from './helpers/runs';

const HISTORIES = join(__dirname, 'histories');
const recording = process.env.RECORD_HISTORIES === '1';
// A replay that fails logs the failing task at WARN; the test reports it, so keep the log to errors.
quietRuntime();

async function record(): Promise<void> {
  process.env.DURABLE_AGENT_DATA_DIR = mkdtempSync(join(tmpdir(), 'durable-agent-record-'));
  const env = await startTestEnv('record');
  try {
    await env.withWorker([opsAgent, testAgent], async () => {
      for (const spec of RECORDED_RUNS) {
        const run = await env.client.start(spec.agent, spec.prompt, { ...spec.start, correlationId: recordedCorrelationId(spec.name) });
        for (const decision of spec.decisions ?? []) {
          const escalation = await waitForEscalation(run);
          await run.resolve({ ...decision, escalationId: escalation.id });
        }
        await run.result();
        writeFileSync(join(HISTORIES, `${spec.name}.json`), historyToJSON(await run.handle.fetchHistory()) + '\n');
      }
    });
  } finally {
    await env.stop();
  }
}

/**
 * Histories recorded by earlier versions of the workflow stay committed in their own folders and keep replaying:
 * they stand for runs still in flight when new code is deployed.
 */
const GENERATIONS = ['.', 'before-authority'];

function committed(generation = '.'): { name: string; history: ReturnType<typeof historyFromJSON> }[] {
  const dir = join(HISTORIES, generation);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ name: f.replace(/\.json$/, ''), history: historyFromJSON(JSON.parse(readFileSync(join(dir, f), 'utf8'))) }));
}

function recordedWorkflowId(name: string): string {
  const spec = RECORDED_RUNS.find((r) => r.name === name);
  if (!spec) throw new Error(`test/histories/${name}.json is not in RECORDED_RUNS`);
  return `${spec.agent}-${recordedCorrelationId(spec.name)}`;
}

const recordedCorrelationId = (name: string) => `recorded-${name}`;

// The bundle's workflow interceptors emit spans through a sink: a replay worker drops them.
const bundle = () => ({ workflowBundle: { codePath: process.env.DURABLE_AGENT_TEST_BUNDLE as string }, sinks: DROP_WORKFLOW_SPANS });

test('every recorded run is committed', async () => {
  if (recording) await record();
  const names = committed().map((h) => h.name);
  expect(names.sort()).toEqual(RECORDED_RUNS.map((r) => r.name).sort());
}, 180_000);

test.each(GENERATIONS)('committed histories (%s) replay with the current workflow code', async (generation) => {
  const histories = committed(generation);
  expect(histories.length).toBeGreaterThanOrEqual(10);
  const failures: string[] = [];
  for await (const result of Worker.runReplayHistories(
    bundle(),
    // The real workflow id: the run's escalation ids are derived from it, so replay must see the same one.
    histories.map(({ name, history }) => ({ workflowId: recordedWorkflowId(name), history })),
  )) {
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  expect(failures).toEqual([]);
}, 120_000);
