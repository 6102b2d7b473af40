/**
 * A long run at constant cost: 1,000 model steps, each reading a 20 KB page, on a real dev server. The conversation
 * travels by reference, large tool outputs are stored once, and the run continues as new before any execution's
 * history nears Temporal's limits; the trace reads as one run across the executions.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NativeConnection, Worker } from '@temporalio/worker';
import { externalStorage } from '../stores/temporal-storage-driver';
import { SILENT_SINKS } from '../workers/workflow-bundle';
import { temporal } from '@temporalio/proto';
import { z } from 'zod';
import { defineAgent, defineTool } from '../agents/define';
import { AgentClient, DEFAULT_WORKFLOW_TASK_TIMEOUT_MS } from '../client/agent-client';
import type { BlobStore } from '../stores/blob-store';
import { postgresUnavailableReason, startPostgres } from '../stores/postgres-dev';
import { PostgresBlobStore } from '../stores/postgres-store';
import { isOffloaded } from '../common/conversation';
import { startScriptedModelServer, type ScriptedModelServer } from '../scripted-model/server';
import { createAgentWorker } from '../workers/agent-worker';
import { eventsOf, uniqueId } from './helpers/runs';
import { tempDataDir, useTestEnv } from './helpers/test-env';

const STEPS = Number(process.env.LONG_RUN_STEPS || 1_000);
const PAGE_BYTES = 20 * 1024;
const MB = 1024 * 1024;

const env = useTestEnv('long-run');
let model: ScriptedModelServer;
/** One tool call per step, then the answer: turn i reads page i. */
function scenarioFor(steps: number): string {
  const turns = Array.from({ length: steps }, (_, i) => ({ toolCalls: [{ name: 'read_page', input: { page: i } }] }));
  const file = join(tempDataDir(), `long-run-${steps}.json`);
  writeFileSync(file, JSON.stringify({ name: 'long-run', turns: [...turns, { text: `Read ${steps} pages.` }] }));
  return file;
}
beforeAll(async () => {
  // Its own model server, keeping few requests: each one carries up to the context limit (400 KB).
  model = await startScriptedModelServer({ scenarioDirs: [], maxRecordedRequests: 5 });
});
afterAll(async () => model?.close());

/** 20 KB of text that does not compress to nothing, different for every page. */
function page(n: number): string {
  let seed = n + 1;
  let out = '';
  while (out.length < PAGE_BYTES) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    out += seed.toString(36);
  }
  return out.slice(0, PAGE_BYTES);
}

const readPage = defineTool({
  name: 'read_page',
  description: 'Read one page of the archive.',
  input: z.object({ page: z.number().int().min(0) }),
  effect: 'read',
  run: async ({ page: n }) => ({ page: n, text: page(n) }),
});

const archivist = defineAgent({
  name: 'archivist',
  model: 'claude-test',
  system: 'You read the archive page by page.',
  tools: [readPage],
  limits: { maxSteps: 100_000, maxTokens: 1e12 },
});

interface LongRunOptions {
  steps: number;
  store: BlobStore;
  client: AgentClient;
  continueAsNew?: { maxEvents: number };
  label: string;
}

/** Runs the archivist for `steps` steps on `store`, and checks what the issue asks of a long run. */
async function longRun({ steps: STEPS, store, client, continueAsNew, label }: LongRunOptions): Promise<void> {
  const { server, taskQueue } = env();
  const scenarioFile = scenarioFor(STEPS);
  const connection = await NativeConnection.connect({ address: server.address });
  const started = Date.now();
  try {
    const worker = await createAgentWorker({
      agents: [archivist],
      connection,
      namespace: server.namespace,
      taskQueue,
      model: { baseURL: model.url },
      workflowBundle: { codePath: process.env.DURABLE_AGENT_TEST_BUNDLE as string },
      store,
    });
    const { run, result } = await worker.runUntil(async () => {
      const run = await client.start('archivist', 'Read the whole archive.', { scenario: scenarioFile, correlationId: uniqueId('long'), options: { continueAsNew } });
      return { run, result: await run.result() };
    });
    const wall = Date.now() - started;
    expect(result.status).toBe('completed');
    expect(result.steps).toBe(STEPS + 1);

    // Every execution of the run, from Temporal itself.
    const executions: { runId: string; events: number; bytes: number; steps: number }[] = [];
    const histories: { workflowId: string; history: Awaited<ReturnType<typeof run.handle.fetchHistory>> }[] = [];
    for await (const info of client.client.workflow.list({ query: `WorkflowId = '${run.workflowId}'` })) {
      const history = await client.client.workflow.getHandle(run.workflowId, info.runId).fetchHistory();
      const events = history.events ?? [];
      histories.push({ workflowId: run.workflowId, history });
      // The short workflow task timeout (recovery after a worker dies mid-task) survives continue-as-new.
      const taskTimeout = events[0]?.workflowExecutionStartedEventAttributes?.workflowTaskTimeout;
      expect(Number(taskTimeout?.seconds ?? 0) * 1_000 + (taskTimeout?.nanos ?? 0) / 1e6).toBe(DEFAULT_WORKFLOW_TASK_TIMEOUT_MS);
      executions.push({
        runId: info.runId,
        events: events.length,
        bytes: temporal.api.history.v1.History.encode(history).finish().length,
        steps: events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'model.call').length,
      });
    }
    expect(executions.length).toBeGreaterThan(1);
    for (const e of executions) {
      expect(e.bytes).toBeLessThan(10 * MB);
      expect(e.events).toBeLessThan(10_240);
    }
    expect(executions.reduce((n, e) => n + e.steps, 0)).toBe(STEPS + 1);
    // Listed once, as one run, with its final status (not once per execution).
    let listed: { workflowId: string; status: string }[] = [];
    for (let i = 0; i < 50; i++) {
      listed = (await client.list({ agent: 'archivist' })).filter((r) => r.workflowId === run.workflowId);
      if (listed.length === 1 && listed[0]?.status === 'completed') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(listed.map((r) => r.status)).toEqual(['completed']);

    // The trace reads as one run: one correlation id, contiguous sequence numbers, every execution's events.
    const trace = result.trace;
    expect(trace.map((e) => e.seq)).toEqual(trace.map((_, i) => i));
    expect(new Set(trace.map((e) => e.correlationId))).toEqual(new Set([run.handle.workflowId.replace(/^archivist-/, '')]));
    expect(new Set(trace.map((e) => e.runId)).size).toBe(executions.length);
    const results = eventsOf(trace, 'tool_result');
    expect(results).toHaveLength(STEPS);
    // The 20 KB outputs were stored once and travel as references.
    expect(results.every((e) => isOffloaded(e.result))).toBe(true);

    // Constant cost: the bytes a step adds to history do not grow with the run.
    const perStep = executions.filter((e) => e.steps > 0).map((e) => e.bytes / e.steps);
    const total = executions.reduce((n, e) => n + e.bytes, 0);
    console.log(
      `long run (${label}): ${STEPS + 1} model steps in ${(wall / 1000).toFixed(1)} s (${(wall / (STEPS + 1)).toFixed(1)} ms/step), ` +
        `${executions.length} executions, history ${(total / MB).toFixed(2)} MB in all, ` +
        `largest execution ${(Math.max(...executions.map((e) => e.bytes)) / MB).toFixed(2)} MB / ${Math.max(...executions.map((e) => e.events))} events, ` +
        `bytes per step by execution: ${perStep.map((b) => b.toFixed(0)).join(', ')}`,
    );
    expect(Math.max(...perStep)).toBeLessThan(2 * Math.min(...perStep));

    // Every execution, the continue-as-new decisions included, replays deterministically from its history.
    const failures: string[] = [];
    for await (const replay of Worker.runReplayHistories(
      { workflowBundle: { codePath: process.env.DURABLE_AGENT_TEST_BUNDLE as string }, sinks: SILENT_SINKS, dataConverter: { externalStorage: externalStorage(store) } },
      histories,
    )) {
      if (replay.error) failures.push(replay.error.message);
    }
    expect(failures).toEqual([]);
  } finally {
    await connection.close();
  }
}

// LONG_RUN_MAX_EVENTS: a lower threshold, to see continue-as-new in a shorter run.
const maxEvents = process.env.LONG_RUN_MAX_EVENTS ? { maxEvents: Number(process.env.LONG_RUN_MAX_EVENTS) } : undefined;

test(`${STEPS} steps with 20 KB tool outputs: every execution's history stays small, and the run reads as one`, async () => {
  await longRun({ steps: STEPS, store: env().store, client: env().client, continueAsNew: maxEvents, label: 'local store' });
}, 900_000);

const PG_UNAVAILABLE = postgresUnavailableReason();
// .ci/run installs PostgreSQL: a missing one is a failure, not a skip.
test('the same run on the PostgreSQL store (200 steps, continuing as new every 1,000 events)', async () => {
  if (PG_UNAVAILABLE) throw new Error(`PostgreSQL is needed for this test: ${PG_UNAVAILABLE}`);
  const pg = await startPostgres();
  const store = await PostgresBlobStore.open({ connectionString: pg.url });
  const client = await AgentClient.connect({ address: env().server.address, namespace: env().server.namespace, taskQueue: env().taskQueue }, { store });
  try {
    await longRun({ steps: 200, store, client, continueAsNew: { maxEvents: 1_000 }, label: 'PostgreSQL store' });
  } finally {
    await client.client.connection.close();
    await store.close();
    await pg.stop();
  }
}, 600_000);
