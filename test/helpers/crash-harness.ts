/**
 * The crash tests' harness (test/crash-resume.chaos.test.ts): worker processes that can be killed or drained, the
 * SQLite store the crash agent writes (test/fixtures/crash-agent.js) read from outside the workers, a tap in front
 * of the scripted model that notes when each request arrives, and facts read from a run's history.
 */
import { existsSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import type { AgentRun } from '../../client/agent-client';
import type { AgentRunResult, LedgerEntry } from '../../common/run';
import type { WorkerProcess } from '../../soak/worker-process';
import { eventsOf } from './runs';

// ---------------------------------------------------------------------------------------------------------------
// Worker processes

/** A worker child process, with the crash tests' ways to stop it. */
export interface CrashWorker extends WorkerProcess {
  /** SIGKILL, and wait until the process is gone. Returns when the kill was sent (ms since epoch). */
  kill: () => Promise<number>;
  /** SIGTERM (a deploy stopping it), and wait until it has exited. Returns how long it took to drain, in ms. */
  term: () => Promise<number>;
}

/** Adds the crash tests' ways to stop a worker to one spawnWorkerProcess started. */
export function asCrashWorker(started: WorkerProcess): CrashWorker {
  return {
    ...started,
    kill: async () => {
      const at = Date.now();
      await started.stop('SIGKILL');
      return at;
    },
    term: async () => {
      const at = Date.now();
      await started.stop('SIGTERM');
      return Date.now() - at;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The store the crash agent writes (test/fixtures/crash-agent.js), read from outside the workers

export interface EffectRow {
  id: number;
  idempotencyKey: string;
  tool: string;
  account: string;
  amountCents: number;
  approvedBy: string | null;
  worker: string;
}
export interface ExecutionRow {
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
    // The worker creates the tables on first use. Not `instanceof Error`: better-sqlite3's native addon keeps the
    // SqliteError class of the first jest module registry that loaded it, whose Error is another realm's.
    if (/no such table/.test(String((err as { message?: unknown } | null)?.message))) return [];
    throw err;
  } finally {
    db.close();
  }
}

/** Side effects of one run (keys are `<workflowId>/<toolUseId>`). */
export function effectsOf(file: string, run: AgentRun): EffectRow[] {
  return query<EffectRow>(
    file,
    `SELECT id, idempotency_key AS idempotencyKey, tool, account, amount_cents AS amountCents,
       approved_by AS approvedBy, worker FROM effects WHERE substr(idempotency_key, 1, ?) = ? ORDER BY id`,
    run.workflowId.length + 1,
    `${run.workflowId}/`,
  );
}

export function executionsOf(file: string, key: string): ExecutionRow[] {
  return query<ExecutionRow>(
    file,
    `SELECT idempotency_key AS idempotencyKey, tool, worker, inserted, at FROM executions
       WHERE idempotency_key = ? ORDER BY id`,
    key,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// A tap in front of the scripted model: it notes each request as it arrives. (The model server records a request
// once it has answered it, too late to know that a slow call is in flight.)

export interface Arrival {
  /** ms since epoch */
  at: number;
  runKey?: string;
  turn: number;
}

export interface ModelTap {
  url: string;
  arrivals: Arrival[];
  close(): Promise<void>;
}

export async function startModelTap(target: string): Promise<ModelTap> {
  const arrivals: Arrival[] = [];
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      try {
        const messages = (JSON.parse(body.toString('utf8')) as { messages?: { role?: string }[] }).messages ?? [];
        const runKey = req.headers['x-durable-agent-run'];
        arrivals.push({
          at: Date.now(),
          runKey: typeof runKey === 'string' ? runKey : undefined,
          turn: messages.filter((m) => m.role === 'assistant').length,
        });
      } catch {
        // Not a messages request: forwarded all the same.
      }
      const forward = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      // A killed worker's connection is gone: nobody is left to answer.
      forward.on('error', () => res.destroy());
      res.on('error', () => undefined);
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arrivals,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers

export async function waitFor<T>(
  what: string,
  read: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export interface Attempt {
  activity: string;
  /** The attempt that completed (1 when the first did). */
  attempt: number;
  /** Why the attempt before it ended: for a dead worker, the timeout that noticed it. */
  lastFailure?: string;
  heartbeatTimeoutMs?: number;
  startToCloseTimeoutMs?: number;
}

export interface HistoryFacts {
  attempts: Attempt[];
  /** Workflow tasks that waited out their schedule-to-start timeout: on a dead worker's sticky queue. */
  stickyTimeouts: number;
  /** Workflow tasks a worker took and never finished (it died): the 10 s workflow task timeout. */
  taskTimeouts: number;
  /** Activity attempts that timed out (start-to-close, schedule-to-close or heartbeat). */
  activityTimeouts: number;
  /** Workflow tasks that failed (a non-determinism error, or a bug): none may appear. */
  taskFailures: number;
}

/** TimeoutType in Temporal's API (temporal.api.enums.v1). */
const SCHEDULE_TO_CLOSE = 3;
const HEARTBEAT = 4;
const START_TO_CLOSE = 1;
const SCHEDULE_TO_START = 2;

function durationMs(d: { seconds?: unknown; nanos?: number | null } | null | undefined): number | undefined {
  if (!d) return undefined;
  return Number(String(d.seconds ?? 0)) * 1000 + Math.round((d.nanos ?? 0) / 1e6);
}

/**
 * From Temporal's own record: each activity that ran, the attempt that completed and why the attempt before it
 * failed; and the workflow tasks that timed out (what a dead worker costs on the workflow side).
 */
export async function historyFacts(run: AgentRun): Promise<HistoryFacts> {
  const history = await run.handle.fetchHistory();
  const scheduled = new Map<string, Omit<Attempt, 'attempt'>>();
  const facts: HistoryFacts = { attempts: [], stickyTimeouts: 0, taskTimeouts: 0, activityTimeouts: 0, taskFailures: 0 };
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
    const info = started && scheduled.get(String(started.scheduledEventId));
    if (started && info) {
      const lastFailure = started.lastFailure?.message ?? undefined;
      facts.attempts.push({ ...info, attempt: started.attempt ?? 1, lastFailure });
    }
    const timedOut = event.workflowTaskTimedOutEventAttributes?.timeoutType;
    if (timedOut === SCHEDULE_TO_START) facts.stickyTimeouts++;
    if (timedOut === START_TO_CLOSE) facts.taskTimeouts++;
    const activityTimeout = event.activityTaskTimedOutEventAttributes?.failure?.timeoutFailureInfo?.timeoutType;
    if (activityTimeout === START_TO_CLOSE || activityTimeout === SCHEDULE_TO_CLOSE || activityTimeout === HEARTBEAT) facts.activityTimeouts++;
    if (event.workflowTaskFailedEventAttributes) facts.taskFailures++;
  }
  return facts;
}

export function workflowSide(facts: HistoryFacts): string {
  return (
    `workflow tasks timed out on the dead worker's sticky queue: ${facts.stickyTimeouts}, ` +
    `mid-task: ${facts.taskTimeouts}`
  );
}

/** Exactly once: one row per intended effect, one ledger entry per row, with the same idempotency key. */
export function expectExactlyOnce(result: AgentRunResult, rows: EffectRow[], tools: string[]): LedgerEntry[] {
  if (result.status !== 'completed') throw new Error(`run ${result.workflowId} ended ${result.status}: ${result.text}`);
  expect(rows.map((r) => r.tool).sort()).toEqual([...tools].sort());
  const ledger = result.ledger;
  expect(ledger.map((e) => e.tool).sort()).toEqual([...tools].sort());
  for (const row of rows) {
    const entries = ledger.filter((e) => e.idempotencyKey === row.idempotencyKey);
    expect(entries).toHaveLength(1);
    expect(entries[0]?.tool).toBe(row.tool);
  }
  // The trace agrees: one tool_result per action, however many attempts ran.
  for (const tool of tools) {
    expect(eventsOf(result.trace, 'tool_result').filter((e) => e.tool === tool)).toHaveLength(1);
  }
  return ledger;
}
