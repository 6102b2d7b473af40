/**
 * Runs resume after crashes, with real processes: workers are the built CLI (`durable-agent worker`) in child
 * processes, killed with SIGKILL in the middle of a model call, in the middle of a tool call (after its side
 * effect, before its activity completes), and while a run waits for approval; the dev server (persisted in
 * SQLite) is stopped and started again under running runs; and one of two workers on a queue is killed mid-run.
 * Every run must complete, with each side effect in the store and in the run's ledger exactly once.
 *
 * Resume times are printed (`resume after SIGKILL ...`), not asserted tightly; docs/resuming.md explains them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { AgentClient, type AgentRun } from '../client/agent-client';
import type { AgentRunResult, LedgerEntry, RunOptions } from '../common/run';
import { startScriptedModelServer, type ScriptedModelServer } from '../scripted-model/server';
import { getFreePort, startDevServer, type DevServer, type DevServerOptions } from '../temporal-config/dev-server';
import { eventsOf, uniqueId, waitForEscalation } from './helpers/runs';

jest.setTimeout(90_000);

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const CRASH_AGENT = join(__dirname, 'fixtures', 'crash-agent.js');
const SCENARIOS = join(__dirname, 'fixtures', 'scenarios');

/** Short model timeouts, so a model call on a dead worker is retried within seconds (defaults: 30 s / 2 min). */
const MODEL_TIMEOUTS: NonNullable<RunOptions['timeouts']> = { modelHeartbeatMs: 2_000, modelStartToCloseMs: 8_000 };

let serverOptions: DevServerOptions;
let server: DevServer | undefined;
let model: ScriptedModelServer;
let connection: AgentClient;
let scratch: string;
const workers = new Set<WorkerProcess>();

// ---------------------------------------------------------------------------------------------------------------
// Worker processes

interface WorkerProcess {
  name: string;
  child: ChildProcess;
  /** Everything it printed, for failure messages. */
  output: () => string;
  exited: Promise<void>;
  alive: () => boolean;
  /** SIGKILL, and wait until the process is gone. Returns when the kill was sent (ms since epoch). */
  kill: () => Promise<number>;
}

interface WorkerEnv {
  taskQueue: string;
  crashDb: string;
  pauseMs?: number;
}

/** A person's environment, pointed at this file's servers; nothing from the host (an API key) leaks in. */
function workerEnv(name: string, env: WorkerEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: server?.address,
    TEMPORAL_NAMESPACE: server?.namespace,
    DURABLE_AGENT_TASK_QUEUE: env.taskQueue,
    DURABLE_AGENT_MODEL_URL: model.url,
    DURABLE_AGENT_DATA_DIR: join(scratch, 'data'),
    CRASH_DB: env.crashDb,
    CRASH_WORKER: name,
    CRASH_PAUSE_MS: String(env.pauseMs ?? 0),
  };
  // The workflow bundle jest's global setup built: the worker starts in a second instead of running webpack.
  if (process.env.DURABLE_AGENT_TEST_BUNDLE) out.DURABLE_AGENT_WORKFLOW_BUNDLE = process.env.DURABLE_AGENT_TEST_BUNDLE;
  for (const key of ['ANTHROPIC_API_KEY', 'ANTHROPIC_BASE_URL', 'DURABLE_AGENT_AGENTS', 'DEBUG']) delete out[key];
  return out;
}

/** `durable-agent worker --agents test/fixtures/crash-agent.js`, resolved once it says it is polling. */
async function startWorker(name: string, env: WorkerEnv): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [CLI, 'worker', '--agents', CRASH_AGENT], {
    env: workerEnv(name, env),
    cwd: scratch,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const worker: WorkerProcess = {
    name,
    child,
    output: () => output,
    exited,
    alive: () => child.exitCode === null && child.signalCode === null,
    kill: async () => {
      const at = Date.now();
      child.kill('SIGKILL');
      await exited;
      return at;
    },
  };
  workers.add(worker);
  void exited.then(() => workers.delete(worker));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker ${name} did not start:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/worker polling[^]*\n {2}model .*\n/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`worker ${name} exited (code ${code}, signal ${signal}):\n${output}`));
    });
  });
  return worker;
}

// ---------------------------------------------------------------------------------------------------------------
// The store the crash agent writes (test/fixtures/crash-agent.js), read from outside the workers

interface EffectRow {
  id: number;
  idempotencyKey: string;
  tool: string;
  account: string;
  amountCents: number;
  approvedBy: string | null;
  worker: string;
}
interface ExecutionRow {
  idempotencyKey: string;
  tool: string;
  worker: string;
  inserted: number;
  at: string;
}

function query<T>(file: string, sql: string, ...params: unknown[]): T[] {
  if (!existsSync(file)) return [];
  const db = new Database(file);
  try {
    db.pragma('busy_timeout = 5000');
    return db.prepare(sql).all(...params) as T[];
  } catch (err) {
    // The worker creates the tables on first use.
    if (err instanceof Error && /no such table/.test(err.message)) return [];
    throw err;
  } finally {
    db.close();
  }
}

/** Side effects of one run (keys are `<workflowId>/<toolUseId>`). */
function effectsOf(file: string, run: AgentRun): EffectRow[] {
  return query<EffectRow>(
    file,
    `SELECT id, idempotency_key AS idempotencyKey, tool, account, amount_cents AS amountCents, approved_by AS approvedBy,
       worker FROM effects WHERE substr(idempotency_key, 1, ?) = ? ORDER BY id`,
    run.workflowId.length + 1,
    `${run.workflowId}/`,
  );
}

function executionsOf(file: string, key: string): ExecutionRow[] {
  return query<ExecutionRow>(
    file,
    'SELECT idempotency_key AS idempotencyKey, tool, worker, inserted, at FROM executions WHERE idempotency_key = ? ORDER BY id',
    key,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers

async function waitFor<T>(what: string, read: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function clientFor(taskQueue: string): AgentClient {
  return new AgentClient(connection.client, { ...connection.settings, taskQueue });
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Model requests of one run's turn, in arrival order: attempt 0 is the one the killed worker sent. */
function modelRequests(run: AgentRun, turn: number) {
  return model.requests.filter((r) => r.runKey === run.workflowId && r.turn === turn);
}

interface Attempt {
  activity: string;
  /** The attempt that completed (1 when the first did). */
  attempt: number;
  /** Why the attempt before it ended: for a dead worker, the timeout that noticed it. */
  lastFailure?: string;
  heartbeatTimeoutMs?: number;
  startToCloseTimeoutMs?: number;
}

function durationMs(d: { seconds?: unknown; nanos?: number | null } | null | undefined): number | undefined {
  if (!d) return undefined;
  return Number(String(d.seconds ?? 0)) * 1000 + Math.round((d.nanos ?? 0) / 1e6);
}

/** From Temporal's own record: each activity that started, its attempt number and why the attempt before failed. */
async function activityAttempts(run: AgentRun): Promise<Attempt[]> {
  const history = await run.handle.fetchHistory();
  const scheduled = new Map<string, Omit<Attempt, 'attempt'>>();
  const attempts: Attempt[] = [];
  for (const event of history.events ?? []) {
    const s = event.activityTaskScheduledEventAttributes;
    if (s) {
      scheduled.set(String(event.eventId), {
        activity: s.activityType?.name ?? '?',
        heartbeatTimeoutMs: durationMs(s.heartbeatTimeout),
        startToCloseTimeoutMs: durationMs(s.startToCloseTimeout),
      });
    }
    const started = event.activityTaskStartedEventAttributes;
    if (started) {
      const info = scheduled.get(String(started.scheduledEventId));
      if (!info) continue;
      attempts.push({ ...info, attempt: started.attempt ?? 1, lastFailure: started.lastFailure?.message ?? undefined });
    }
  }
  return attempts;
}

/** Exactly once: one row per intended effect, one ledger entry per row, with the same idempotency key. */
function expectExactlyOnce(result: AgentRunResult, rows: EffectRow[], tools: string[]): LedgerEntry[] {
  expect(result.status).toBe('completed');
  expect(rows.map((r) => r.tool).sort()).toEqual([...tools].sort());
  const ledger = result.ledger;
  expect(ledger.map((e) => e.tool).sort()).toEqual([...tools].sort());
  for (const row of rows) {
    const entries = ledger.filter((e) => e.idempotencyKey === row.idempotencyKey);
    expect(entries).toHaveLength(1);
    expect(entries[0]?.tool).toBe(row.tool);
  }
  // The trace agrees: one tool_result per action, however many attempts ran.
  for (const tool of tools) expect(eventsOf(result.trace, 'tool_result').filter((e) => e.tool === tool)).toHaveLength(1);
  return ledger;
}

// ---------------------------------------------------------------------------------------------------------------

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (the pretest script does)`);
  scratch = mkdtempSync(join(tmpdir(), 'durable-agent-crash-'));
  // Persisted, on a fixed port: the restart test stops this server and starts it again on the same file and port.
  serverOptions = { dbFilename: join(scratch, 'temporal', 'temporal.sqlite'), port: await getFreePort(), headless: true };
  server = await startDevServer(serverOptions);
  model = await startScriptedModelServer({ scenarioDirs: [SCENARIOS] });
  connection = await AgentClient.connect({ address: server.address, namespace: server.namespace, taskQueue: 'unused' });
}, 120_000);

afterEach(async () => {
  // Whatever a test left running (also when it failed half-way): no worker outlives its test.
  await Promise.all([...workers].map((w) => w.kill()));
});

afterAll(async () => {
  await Promise.all([...workers].map((w) => w.kill()));
  await connection?.client.connection.close();
  await model?.close();
  await server?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}, 30_000);

test('SIGKILL during a model call: the call is retried on a new worker, the payment happens once', async () => {
  const taskQueue = uniqueId('crash-model');
  const crashDb = join(scratch, `${taskQueue}.sqlite`);
  const first = await startWorker('model-1', { taskQueue, crashDb });
  const run = await clientFor(taskQueue).start('crashlab', 'Record 15.00 into acct_model', {
    scenario: 'crash-model',
    options: { timeouts: MODEL_TIMEOUTS },
  });

  // The request is at the model (which takes 3 s to answer): kill the worker that sent it.
  await waitFor('the first model request', () => modelRequests(run, 0)[0]);
  const killedAt = await first.kill();
  await startWorker('model-2', { taskQueue, crashDb });

  const retried = await waitFor('the retried model request', () => modelRequests(run, 0)[1], 30_000);
  const result = await run.result();
  const doneAt = Date.now();

  const ledger = expectExactlyOnce(result, effectsOf(crashDb, run), ['record_payment']);
  expect(ledger[0]?.args).toEqual({ account: 'acct_model', amountCents: 1500 });
  expect(modelRequests(run, 0)).toHaveLength(2);
  const call = (await activityAttempts(run)).find((a) => a.activity === 'model.call' && a.attempt > 1);
  expect(call).toMatchObject({ attempt: 2, heartbeatTimeoutMs: 2_000, startToCloseTimeoutMs: 8_000 });
  expect(call?.lastFailure).toMatch(/heartbeat/i);

  const resumeMs = Date.parse(retried.at) - killedAt;
  expect(resumeMs).toBeLessThan(20_000);
  console.log(
    `resume after SIGKILL during model call: retried ${seconds(resumeMs)} after the kill, run completed ` +
      `${seconds(doneAt - killedAt)} after it (model heartbeat timeout ${seconds(MODEL_TIMEOUTS.modelHeartbeatMs ?? 0)}, ` +
      `retry interval 1 s, scripted answer delay 3 s; attempt 1 ended by: ${call?.lastFailure})`,
  );
});

test('SIGKILL during a tool call, after its side effect: the retry finds the row, the payment exists once', async () => {
  const taskQueue = uniqueId('crash-tool');
  const crashDb = join(scratch, `${taskQueue}.sqlite`);
  // The first worker pauses 30 s after writing the row: it is killed in that window.
  const first = await startWorker('tool-1', { taskQueue, crashDb, pauseMs: 30_000 });
  const run = await clientFor(taskQueue).start('crashlab', 'Record 20.00 into acct_tool', { scenario: 'crash-tool' });

  const row = await waitFor('the payment row', () => effectsOf(crashDb, run)[0]);
  expect(row.worker).toBe('tool-1');
  const killedAt = await first.kill();
  await startWorker('tool-2', { taskQueue, crashDb });

  const retry = await waitFor('the retried tool call', () => executionsOf(crashDb, row.idempotencyKey)[1]);
  const result = await run.result();
  const doneAt = Date.now();

  const ledger = expectExactlyOnce(result, effectsOf(crashDb, run), ['record_payment']);
  expect(ledger[0]?.idempotencyKey).toBe(row.idempotencyKey);
  expect(ledger[0]?.result).toEqual({ paymentId: row.id, account: 'acct_tool', amountCents: 2000 });
  // Two executions of run(): the first wrote the row and died, the retry on the new worker found it.
  expect(executionsOf(crashDb, row.idempotencyKey).map((e) => [e.worker, e.inserted])).toEqual([
    ['tool-1', 1],
    ['tool-2', 0],
  ]);
  const call = (await activityAttempts(run)).find((a) => a.activity === 'tool.record_payment');
  expect(call?.attempt).toBe(2);

  const resumeMs = Date.parse(retry.at) - killedAt;
  expect(resumeMs).toBeLessThan(20_000);
  console.log(
    `resume after SIGKILL during tool call: retried ${seconds(resumeMs)} after the kill, run completed ` +
      `${seconds(doneAt - killedAt)} after it (tool heartbeat timeout ${seconds(call?.heartbeatTimeoutMs ?? 0)}, ` +
      `start-to-close ${seconds(call?.startToCloseTimeoutMs ?? 0)}; attempt 1 ended by: ${call?.lastFailure})`,
  );
});

test('SIGKILL while a run waits for approval: a new worker takes the decision, the wire is sent once', async () => {
  const taskQueue = uniqueId('crash-approval');
  const crashDb = join(scratch, `${taskQueue}.sqlite`);
  const first = await startWorker('approval-1', { taskQueue, crashDb });
  const run = await clientFor(taskQueue).start('crashlab', 'Pay the supplier 25.00', { scenario: 'crash-approval' });
  const escalation = await waitForEscalation(run);
  expect(escalation.kind).toBe('approval_required');

  const killedAt = await first.kill();
  await startWorker('approval-2', { taskQueue, crashDb });
  const resolvedAt = Date.now();
  const outcome = await run.resolve({ escalationId: escalation.id, decision: 'approve', by: 'pat' });
  const acceptedAt = Date.now();
  expect(outcome).toMatchObject({ accepted: true });
  const result = await run.result();
  const doneAt = Date.now();

  const rows = effectsOf(crashDb, run);
  const ledger = expectExactlyOnce(result, rows, ['send_wire']);
  expect(rows[0]).toMatchObject({ approvedBy: 'pat', worker: 'approval-2', amountCents: 2500 });
  expect(ledger[0]).toMatchObject({ approvedBy: 'pat', idempotencyKey: rows[0]?.idempotencyKey });
  expect(executionsOf(crashDb, rows[0]?.idempotencyKey ?? '')).toHaveLength(1);

  expect(acceptedAt - resolvedAt).toBeLessThan(30_000);
  console.log(
    `resume after SIGKILL while waiting for approval: the new worker took the decision ${seconds(acceptedAt - resolvedAt)} ` +
      `after it was sent (${seconds(resolvedAt - killedAt)} after the kill, spent starting the new worker), ` +
      `run completed ${seconds(doneAt - killedAt)} after the kill (the dead worker's sticky queue is skipped ` +
      `once it has not polled for the server's sticky-poller window, or after stickyQueueScheduleToStartTimeout, 10 s)`,
  );
});

test('two workers on one queue, one killed mid-run: the other finishes all the runs, each payment once', async () => {
  const taskQueue = uniqueId('crash-two');
  const crashDb = join(scratch, `${taskQueue}.sqlite`);
  // Each fresh payment pauses 2.5 s (under the tool's 4 s start-to-close), so both workers hold calls in flight.
  await Promise.all([
    startWorker('pair-a', { taskQueue, crashDb, pauseMs: 2_500 }),
    startWorker('pair-b', { taskQueue, crashDb, pauseMs: 2_500 }),
  ]);
  const client = clientFor(taskQueue);
  const runs = await Promise.all([1, 2, 3, 4].map((i) => client.start('crashlab', `Record payment ${i}`, { scenario: 'crash-tool' })));

  // Kill the worker holding the first payment: its row names it.
  const victimRow = await waitFor('a payment row', () =>
    runs.map((run) => effectsOf(crashDb, run)[0]).find((row) => row !== undefined),
  );
  const victim = [...workers].find((w) => w.name === victimRow.worker);
  if (!victim) throw new Error(`no live worker named ${victimRow.worker}`);
  const killedAt = await victim.kill();
  const survivor = [...workers].find((w) => w.name !== victim.name);
  expect(survivor?.alive()).toBe(true);

  const results = await Promise.all(runs.map((run) => run.result()));
  const doneAt = Date.now();
  for (const [i, run] of runs.entries()) {
    const result = results[i] as AgentRunResult;
    expectExactlyOnce(result, effectsOf(crashDb, run), ['record_payment']);
  }
  // The killed call was finished by the survivor, which found the row instead of paying again.
  const executions = executionsOf(crashDb, victimRow.idempotencyKey);
  expect(executions.map((e) => [e.worker, e.inserted])).toEqual([
    [victim.name, 1],
    [survivor?.name, 0],
  ]);
  const resumeMs = Date.parse(executions[1]?.at ?? '') - killedAt;
  expect(resumeMs).toBeLessThan(20_000);
  const busy = new Set(runs.flatMap((run) => effectsOf(crashDb, run).map((r) => r.worker)));
  console.log(
    `resume after SIGKILL of one of two workers: the killed payment was retried on ${survivor?.name} ${seconds(resumeMs)} ` +
      `after the kill; all ${runs.length} runs completed ${seconds(doneAt - killedAt)} after it ` +
      `(payments first written by: ${[...busy].join(', ')}; tool heartbeat timeout 1.5 s)`,
  );
});

test('the dev server stops and starts again (persisted SQLite) under running runs: the runs finish', async () => {
  const taskQueue = uniqueId('crash-restart');
  const crashDb = join(scratch, `${taskQueue}.sqlite`);
  let worker = await startWorker('restart-1', { taskQueue, crashDb });
  const client = clientFor(taskQueue);
  const slow = await client.start('crashlab', 'Record 15.00 into acct_model', {
    scenario: 'crash-model',
    options: { timeouts: MODEL_TIMEOUTS },
  });
  const waiting = await client.start('crashlab', 'Pay the supplier 25.00', { scenario: 'crash-approval' });
  const escalation = await waitForEscalation(waiting);
  await waitFor('the slow model request', () => modelRequests(slow, 0)[0]);

  const stoppedAt = Date.now();
  await server?.stop();
  server = undefined;
  server = await startDevServer(serverOptions);
  const upAt = Date.now();

  // The worker retries its polls through the outage; if it gave up, say so and start another.
  const survived = worker.alive();
  if (!survived) {
    console.log(`worker restart-1 exited during the server outage:\n${worker.output().slice(-2000)}`);
    worker = await startWorker('restart-2', { taskQueue, crashDb });
  }
  const outcome = await waiting.resolve({ escalationId: escalation.id, decision: 'approve', by: 'pat' });
  expect(outcome).toMatchObject({ accepted: true });
  const [slowResult, waitingResult] = await Promise.all([slow.result(), waiting.result()]);
  const doneAt = Date.now();

  expectExactlyOnce(slowResult, effectsOf(crashDb, slow), ['record_payment']);
  expectExactlyOnce(waitingResult, effectsOf(crashDb, waiting), ['send_wire']);
  expect(effectsOf(crashDb, waiting)[0]?.approvedBy).toBe('pat');
  const modelAttempts = (await activityAttempts(slow)).filter((a) => a.activity === 'model.call');
  expect(survived).toBe(true);
  console.log(
    `resume after a dev server restart: the server was down ${seconds(upAt - stoppedAt)} (stop + start on the same ` +
      `SQLite file); both runs completed ${seconds(doneAt - upAt)} after it was back; the worker ` +
      `${survived ? 'survived the outage (it retried its polls)' : 'died and was replaced'}; the in-flight model call ` +
      `completed on attempt ${Math.max(...modelAttempts.map((a) => a.attempt))} ` +
      `(${modelAttempts.map((a) => a.lastFailure).filter(Boolean).join('; ') || 'no attempt failed'})`,
  );
});
