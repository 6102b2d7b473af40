/**
 * The core scenarios on the production-shaped cluster (PostgreSQL persistence and SQL visibility, four service
 * processes, mTLS required), reached only through Temporal's environment configuration, the way a user's
 * processes reach it: worker processes and the CLI get TEMPORAL_CONFIG_FILE + TEMPORAL_PROFILE; this file's own
 * client and in-process worker read the same variables through configFromEnv. The blob store is a database on
 * the cluster's PostgreSQL.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client as TemporalClient, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { Client as PgClient } from 'pg';
import { z } from 'zod';
import { defineAgent, defineTool } from '../../agents/define';
import { AgentClient } from '../../client/agent-client';
import { configFromEnv } from '../../common/config';
import type { TraceEvent } from '../../common/trace';
import { exampleScenarioDirs } from '../../examples';
import { OpsStore } from '../../examples/ops-agent/store';
import { BLOBS_TABLE } from '../../stores/postgres-store';
import { startScriptedModelServer, type ScriptedModelServer } from '../../scripted-model/server';
import { spawnWorkerProcess, type WorkerProcess } from '../../soak/worker-process';
import { createAgentWorker } from '../../workers/agent-worker';
import { asCrashWorker, effectsOf, executionsOf, expectExactlyOnce, historyFacts, waitFor } from '../helpers/crash-harness';
import { quietRuntime } from '../helpers/test-env';
import { eventsOf, uniqueId } from '../helpers/runs';
import { clusterEnv, eventually, runCli } from './cluster-env';

jest.setTimeout(180_000);

const CRASH_AGENT = join(__dirname, '..', 'fixtures', 'crash-agent.js');
const DEMO_SCENARIO = join(__dirname, '..', '..', 'examples', 'ops-agent', 'scenarios', 'demo.json');
const FIXTURE_SCENARIOS = join(__dirname, '..', 'fixtures', 'scenarios');

let model: ScriptedModelServer;
let scratch: string;
const workers = new Set<WorkerProcess>();
const children = new Set<ChildProcess>();

async function startWorker(name: string, env: NodeJS.ProcessEnv, agents?: string): Promise<WorkerProcess> {
  const worker = await spawnWorkerProcess({ name, agents, env, cwd: scratch });
  workers.add(worker);
  void worker.exited.then(() => workers.delete(worker));
  return worker;
}

/** The client API, configured from the environment only (the cluster's profile), on `taskQueue`. */
async function clusterClient(taskQueue: string, extra: NodeJS.ProcessEnv = {}): Promise<AgentClient> {
  return AgentClient.connect({ taskQueue }, { config: configFromEnv(clusterEnv(extra)) });
}

beforeAll(async () => {
  quietRuntime();
  scratch = mkdtempSync(join(tmpdir(), 'durable-agent-cluster-test-'));
  model = await startScriptedModelServer({ scenarioDirs: [FIXTURE_SCENARIOS, ...exampleScenarioDirs] });
});

afterEach(async () => {
  await Promise.all([...workers].map((w) => w.stop('SIGKILL')));
  for (const child of children) child.kill('SIGKILL');
});

afterAll(async () => {
  await model?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

test('the cluster requires mTLS: the profile connects, the same address without a client certificate is refused', async () => {
  const { connectionOptions, namespace } = loadClientConnectConfig({ overrideEnvVars: clusterEnv() as Record<string, string> });
  expect(connectionOptions.tls).toBeTruthy();
  const ok = await Connection.connect({ ...connectionOptions, connectTimeout: 5_000 } as never);
  const described = await ok.workflowService.describeNamespace({ namespace: namespace ?? 'default' });
  expect(described.namespaceInfo?.name).toBe('default');
  await ok.close();

  const tls = connectionOptions.tls as { serverRootCACertificate?: Buffer; serverNameOverride?: string };
  const noClientCert = Connection.lazy({
    address: connectionOptions.address,
    tls: { serverRootCACertificate: tls.serverRootCACertificate, serverNameOverride: tls.serverNameOverride },
    connectTimeout: 5_000,
  });
  await expect(noClientCert.ensureConnected()).rejects.toThrow();
  await noClientCert.close().catch(() => undefined);
});

test('the demo over mTLS: the refused date is corrected, the refund waits, is listed through search attributes, approved by Update from the CLI, and made once', async () => {
  const taskQueue = uniqueId('cluster-demo');
  const dataDir = join(scratch, taskQueue);
  const env = clusterEnv({ DURABLE_AGENT_TASK_QUEUE: taskQueue, DURABLE_AGENT_MODEL_URL: model.url, DURABLE_AGENT_DATA_DIR: dataDir });
  await startWorker('demo', env);
  const cli = (args: string[]) => runCli(args, env, { cwd: scratch, children });

  const started = await cli(['run', 'ops', 'Ana (ana@example.com): teapot from ord_1001 broke. Callback next Tuesday 3pm, refund it.', '--scenario', DEMO_SCENARIO, '--wait', '--json']);
  expect(started.stderr).toBe('');
  // 3: the run stopped for a person.
  expect(started.code).toBe(3);
  const run = JSON.parse(started.stdout) as { workflowId: string; status: string; escalation: { id: string; kind: string } };
  expect(run).toMatchObject({ status: 'escalated', escalation: { kind: 'approval_required' } });

  // `list --status escalated` is a visibility query on the SQL store, through the EscalationPending attribute.
  const listed = await eventually(
    async () => JSON.parse((await cli(['list', '--status', 'escalated', '--json'])).stdout || '[]') as { workflowId: string }[],
    (runs) => runs.some((r) => r.workflowId === run.workflowId),
  );
  expect(listed.map((r) => r.workflowId)).toContain(run.workflowId);

  const resolved = await cli(['resolve', run.workflowId, '--decision', 'approve', '--by', 'pat']);
  expect(resolved.stderr).toBe('');
  expect(resolved.code).toBe(0);

  const shown = await eventually(
    async () => JSON.parse((await cli(['show', run.workflowId, '--json'])).stdout) as { status: string },
    (view) => view.status === 'completed',
  );
  expect(shown.status).toBe('completed');
  const events = JSON.parse((await cli(['trace', run.workflowId, '--json'])).stdout) as TraceEvent[];
  const refused = eventsOf(events, 'validation_error')[0];
  expect(refused?.error.tool).toBe('schedule_callback');
  expect(refused?.error.fields?.[0]).toMatchObject({ path: 'startsAt', received: '"next Tuesday 3pm"' });
  expect(eventsOf(events, 'tool_result').map((e) => e.tool)).toEqual(['lookup_customer', 'schedule_callback', 'issue_refund']);
  expect(eventsOf(events, 'resolution')[0]).toMatchObject({ accepted: true, resolution: { decision: 'approve', by: 'pat' } });

  // The refund itself, read from the example's store, not from the trace: exactly one row, approved by pat.
  const store = new OpsStore(join(dataDir, 'ops.sqlite'));
  try {
    expect(store.refunds().map((r) => [r.orderId, r.approvedBy])).toEqual([['ord_1001', 'pat']]);
  } finally {
    store.db.close();
  }
});

test('a worker SIGKILLed mid tool call is resumed by a second worker process: exactly one payment row', async () => {
  const taskQueue = uniqueId('cluster-crash');
  const crashDb = join(scratch, `${taskQueue}.sqlite`);
  const envFor = (name: string, pauseMs: number) =>
    clusterEnv({ DURABLE_AGENT_TASK_QUEUE: taskQueue, DURABLE_AGENT_MODEL_URL: model.url, DURABLE_AGENT_DATA_DIR: join(scratch, 'data'), CRASH_DB: crashDb, CRASH_WORKER: name, CRASH_PAUSE_MS: String(pauseMs) });
  const first = asCrashWorker(await startWorker('tool-1', envFor('tool-1', 30_000), CRASH_AGENT));
  const client = await clusterClient(taskQueue);
  try {
    const run = await client.start('crashlab', 'Record 20.00 into acct_tool', { scenario: 'crash-tool' });
    const row = await waitFor('the payment row', () => effectsOf(crashDb, run)[0]);
    expect(row.worker).toBe('tool-1');
    await first.kill();
    await startWorker('tool-2', envFor('tool-2', 0), CRASH_AGENT);

    const result = await run.result();
    expectExactlyOnce(result, effectsOf(crashDb, run), ['record_payment']);
    expect(executionsOf(crashDb, row.idempotencyKey).map((e) => [e.worker, e.inserted])).toEqual([
      ['tool-1', 1],
      ['tool-2', 0],
    ]);
    const call = (await historyFacts(run)).attempts.find((a) => a.activity === 'tool.record_payment');
    expect(call?.attempt).toBe(2);
    expect(call?.lastFailure).toMatch(/heartbeat/i);
  } finally {
    await client.close();
  }
});

const STEPS = 200;
const readPage = defineTool({
  name: 'read_page',
  description: 'Read one page of the archive.',
  input: z.object({ page: z.number().int().min(0) }),
  effect: 'read',
  run: async ({ page }) => ({ page, text: `page ${page} `.repeat(200) }),
});
const archivist = defineAgent({
  name: 'archivist',
  model: 'claude-test',
  system: 'You read the archive page by page.',
  tools: [readPage],
  limits: { maxSteps: 10_000, maxTokens: 1e12 },
});

test(`a ${STEPS}-step run continues as new on the cluster and keeps its conversation in the PostgreSQL store`, async () => {
  const taskQueue = uniqueId('cluster-long');
  const scenario = join(scratch, `${taskQueue}.json`);
  const turns = Array.from({ length: STEPS }, (_, i) => ({ toolCalls: [{ name: 'read_page', input: { page: i } }] }));
  writeFileSync(scenario, JSON.stringify({ name: 'long', turns: [...turns, { text: `Read ${STEPS} pages.` }] }));
  const config = configFromEnv(clusterEnv({ DURABLE_AGENT_TASK_QUEUE: taskQueue, DURABLE_AGENT_DATA_DIR: join(scratch, 'data') }));
  expect(config.store.kind).toBe('postgres');
  const bundle = process.env.DURABLE_AGENT_TEST_BUNDLE;
  // createAgentWorker reaches the cluster from the same configuration (no connection handed to it).
  const worker = await createAgentWorker({ agents: [archivist], config, model: { baseURL: model.url }, ...(bundle ? { workflowBundle: { codePath: bundle } } : {}) });
  const client = await AgentClient.connect({}, { config });
  try {
    const result = await worker.runUntil(async () => {
      const run = await client.start('archivist', 'Read the archive.', { scenario, options: { continueAsNew: { maxEvents: 400 } } });
      return run.result();
    });
    expect(result.status).toBe('completed');
    expect(result.text).toBe(`Read ${STEPS} pages.`);
    expect(result.steps).toBe(STEPS + 1);
    // Every execution, from the cluster's SQL visibility: the run continued as new several times, and each
    // execution's model steps add up to the run's.
    const runIds: string[] = [];
    for await (const info of client.client.workflow.list({ query: `WorkflowId = '${result.workflowId}'` })) runIds.push(info.runId);
    expect(runIds.length).toBeGreaterThanOrEqual(3);
    let steps = 0;
    for (const runId of runIds) {
      const { events } = await client.client.workflow.getHandle(result.workflowId, runId).fetchHistory();
      steps += (events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'model.call').length;
    }
    expect(steps).toBe(STEPS + 1);
    // The conversation went to the PostgreSQL store, by reference: its blobs are rows there.
    const pg = new PgClient({ connectionString: process.env.DURABLE_AGENT_TEST_CLUSTER_STORE });
    await pg.connect();
    try {
      const { rows } = await pg.query<{ n: string }>(`select count(*) as n from ${BLOBS_TABLE}`);
      expect(Number(rows[0]?.n)).toBeGreaterThan(STEPS);
    } finally {
      await pg.end();
    }
  } finally {
    await client.close();
  }
});

test('the codec on the cluster: the server stores ciphertext, the keyed CLI reads the run, one without the key says why it cannot', async () => {
  const taskQueue = uniqueId('cluster-codec');
  const marker = `teapot-${randomBytes(6).toString('hex')}`;
  // Made up at run time, so nothing key-shaped is committed.
  const key = randomBytes(32).toString('base64');
  const keyed = clusterEnv({ DURABLE_AGENT_TASK_QUEUE: taskQueue, DURABLE_AGENT_MODEL_URL: model.url, DURABLE_AGENT_DATA_DIR: join(scratch, taskQueue), DURABLE_AGENT_PAYLOAD_KEY: key });
  await startWorker('codec', keyed);
  const started = await runCli(['run', 'ops', `Ana (ana@example.com): the ${marker} from ord_1001 broke. Callback next Tuesday 3pm, refund it.`, '--scenario', DEMO_SCENARIO, '--wait', '--json'], keyed, { cwd: scratch, children });
  expect(started.code).toBe(3);
  const { workflowId } = JSON.parse(started.stdout) as { workflowId: string };

  const told = await runCli(['explain', workflowId], keyed, { cwd: scratch, children });
  expect(told.code).toBe(0);
  expect(told.stdout).toContain(marker);

  // What the cluster's PostgreSQL holds, read through the profile without the key.
  const { connectionOptions, namespace } = loadClientConnectConfig({ overrideEnvVars: clusterEnv() as Record<string, string> });
  const plain = new TemporalClient({ connection: await Connection.connect(connectionOptions as never), namespace: namespace ?? 'default' });
  try {
    const stored = JSON.stringify(await plain.workflow.getHandle(workflowId).fetchHistory());
    expect(Buffer.from(stored).toString()).not.toContain(marker);
    expect(stored).toContain(Buffer.from('binary/encrypted').toString('base64'));
  } finally {
    await plain.connection.close();
  }

  const unkeyed = await runCli(['show', workflowId], clusterEnv({ DURABLE_AGENT_TASK_QUEUE: taskQueue }), { cwd: scratch, children });
  expect(unkeyed.code).toBe(1);
  expect(unkeyed.stdout).toBe('');
  // The namespace-wide warning, then the one-line error for this run.
  expect(unkeyed.stderr.trim().split('\n').slice(-1)[0]).toMatch(/^durable-agent: error: .*encrypted and no payload key is configured/);
  await runCli(['cancel', workflowId], keyed, { cwd: scratch, children });
});
