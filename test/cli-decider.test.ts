/**
 * The CLI tells a decider and an operator everything (issue 13 §2, §3), through the built `dist/cli/main.js` against
 * a real dev server and a `durable-agent worker` started here: the escalation view's fields (approvers, confidence,
 * rationale, refused arguments, waited and until when, duplicates, decisions in a neutral order); `resolve`
 * answering the same with and without `--escalation`; the ledger recording an edit as an edit; every run option as
 * a flag, refused in one line when bad and reaching the run when good; `run --wait` exiting 3 when a person must
 * decide; a taken correlation id; and UI links built from the server's actual UI address.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { AgentClient } from '../client/agent-client';
import type { Escalation } from '../common/escalation';
import type { LedgerEntry } from '../common/run';
import { getFreePort } from '../temporal-config/dev-server';
import { CLI, cliEnv as sharedCliEnv, runCli, type CliResult, type CliTarget } from './helpers/cli-process';
import { startTestServer, type TestServer } from './helpers/local-server';
import { uniqueId } from './helpers/runs';

const ROOT = join(__dirname, '..');
const DEMO = join(ROOT, 'examples', 'ops-agent', 'scenarios', 'demo.json');
const UNKNOWN_TOOL = join(__dirname, 'fixtures', 'scenarios', 'cli-unknown-tool.json');
const REFUND_TWICE = join(__dirname, 'fixtures', 'scenarios', 'cli-refund-twice.json');
const PROMPT = 'Ana (ana@example.com): teapot from ord_1001 broke. Callback next Tuesday 3pm, refund it.';

let server: TestServer;
let client: AgentClient;
let scratch: string;
let worker: ChildProcess;
const taskQueue = uniqueId('decider');
const children = new Set<ChildProcess>();

const target = (uiUrl: string | null = 'http://127.0.0.1:8233'): CliTarget => ({
  address: server.address,
  namespace: server.namespace,
  taskQueue,
  scratch,
  ...(uiUrl ? { uiUrl } : {}),
});
const cli = (args: string[], opts: { uiUrl?: string | null } = {}): Promise<CliResult> =>
  runCli(target(opts.uiUrl), args, { timeoutMs: 60_000, children });

function expectOneLineError(result: CliResult, includes: string | RegExp): void {
  expect(result.code).not.toBe(0);
  expect(result.stdout).toBe('');
  const lines = result.stderr.split('\n').filter(Boolean);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^durable-agent: error: /);
  if (typeof includes === 'string') expect(lines[0]).toContain(includes);
  else expect(lines[0]).toMatch(includes);
}

async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** `run ... --wait --json`: the run's first stop. */
async function runUntilStop(args: string[]): Promise<{ result: CliResult; json: { workflowId: string; status: string; escalation?: Escalation } }> {
  const result = await cli(['run', 'ops', PROMPT, '--wait', '--json', '--correlation-id', uniqueId('d'), ...args]);
  return { result, json: JSON.parse(result.stdout || '{}') as { workflowId: string; status: string; escalation?: Escalation } };
}

async function statusOf(workflowId: string): Promise<string> {
  const shown = await cli(['show', workflowId, '--json']);
  return (JSON.parse(shown.stdout || '{}') as { status?: string }).status ?? '';
}

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  scratch = mkdtempSync(join(tmpdir(), 'durable-agent-decider-'));
  server = await startTestServer();
  client = await AgentClient.connect({ address: server.address, namespace: server.namespace, taskQueue });
  let output = '';
  worker = spawn(process.execPath, [CLI, 'worker'], { env: sharedCliEnv(target()), cwd: scratch, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(worker);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/worker polling[^]*\n  model .*\n/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    worker.stdout?.on('data', onData);
    worker.stderr?.on('data', onData);
    worker.once('exit', (code) => reject(new Error(`worker exited (${code}):\n${output}`)));
  });
}, 150_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await client?.client.connection.close();
  await server?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}, 30_000);

describe('§2 the decider sees everything', () => {
  test('run --wait, resolve without a decision, list --status escalated: approvers, confidence, rationale, waited and until when, neutral decisions; exit 3', async () => {
    const started = await cli(['run', 'ops', PROMPT, '--scenario', DEMO, '--wait', '--approvers', 'pat,sam', '--escalation-timeout', '2h', '--correlation-id', uniqueId('view')]);
    expect(started.stderr).toBe('');
    // A person must decide: not 0 (completed), not 1 (failed).
    expect(started.code).toBe(3);
    const workflowId = /started (\S+)/.exec(started.stdout)?.[1] ?? '';
    const views = [started.stdout];
    const shown = await cli(['resolve', workflowId]);
    expect(shown.code).toBe(0);
    views.push(shown.stdout);
    const listed = await eventually(
      async () => (await cli(['list', '--status', 'escalated'])).stdout,
      (text) => text.includes(`pending: ${workflowId}`),
    );
    views.push(listed.slice(listed.indexOf(`pending: ${workflowId}`)));
    for (const view of views) {
      expect(view).toMatch(/approvers +pat, sam\n/);
      expect(view).toMatch(/proposed +issue_refund \{"orderId":"ord_1001","amountCents":4999/);
      expect(view).toMatch(/confidence 0\.85\n/);
      expect(view).toMatch(/rationale +The order arrived broken; a full refund is the shop policy\./);
      expect(view).toMatch(/raised +\S+ \(waiting \d+s\)/);
      expect(view).toMatch(/deadline +\S+ \(1h 59m left; escalation timeout 2h 00m, then the run ends timed out\)/);
      expect(view).toMatch(/decisions +abort, answer, approve, edit, reject\n/);
      expect(view).toContain(`durable-agent resolve ${workflowId} --escalation ${workflowId}/esc-1 --decision <abort|answer|approve|edit|reject> --by <your name>`);
    }
    // --approvers reached the run: someone the agent would let decide is not on this run's list.
    const outsider = await cli(['resolve', workflowId, '--decision', 'approve', '--by', 'mallory']);
    expectOneLineError(outsider, '"mallory" may not resolve this escalation (approvers: pat, sam)');
    await cli(['resolve', workflowId, '--decision', 'abort', '--by', 'pat']);
  });

  test('a refused call shows the arguments the model tried (and --corrective-retries 0 escalates it at once)', async () => {
    const { result, json } = await runUntilStop(['--scenario', UNKNOWN_TOOL, '--corrective-retries', '0']);
    expect(result.code).toBe(3);
    expect(json.escalation?.kind).toBe('invalid_tool_calls');
    const shown = await cli(['resolve', json.workflowId]);
    expect(shown.stdout).toMatch(/error +delete_everything unknown_tool: There is no tool named/);
    expect(shown.stdout).toContain('tried    delete_everything {"confirm":true,"scope":"all orders"}');
    await cli(['resolve', json.workflowId, '--decision', 'abort', '--by', 'pat']);
  });

  test('a repeated proposal shows what it duplicates and how to run it anyway', async () => {
    const { result, json } = await runUntilStop(['--scenario', REFUND_TWICE]);
    expect(result.code).toBe(3);
    expect((await cli(['resolve', json.workflowId, '--decision', 'approve', '--by', 'pat'])).code).toBe(0);
    const second = await eventually(
      async () => (await cli(['resolve', json.workflowId])).stdout,
      (text) => text.includes('/esc-2'),
    );
    expect(second).toMatch(/duplicate +already done at step 1 \(\S+\) \(to run it anyway: --duplicate-of \S+\)/);
    expect(second).toMatch(/confidence 0\.6\n/);
    await cli(['resolve', json.workflowId, '--decision', 'reject', '--by', 'pat']);
  });

  test('resolve answers the same with and without --escalation; an edit is recorded as an edit', async () => {
    const { result, json } = await runUntilStop(['--scenario', DEMO]);
    expect(result.code).toBe(3);
    const escalationId = json.escalation?.id ?? '';
    const edit = ['--decision', 'edit', '--args', '{"orderId":"ord_1001","amountCents":1000,"reason":"Partial refund"}', '--by', 'pat'];
    const first = await cli(['resolve', json.workflowId, ...edit]);
    expect(first.stderr).toBe('');
    expect(first.stdout).toContain(`resolved ${escalationId}: edit by pat`);
    expect(first.stdout).not.toContain('accepted');

    for (const extra of [[], ['--escalation', escalationId]]) {
      const repeat = await cli(['resolve', json.workflowId, ...edit, ...extra]);
      expect(repeat.stderr).toBe('');
      expect(repeat.code).toBe(0);
      expect(repeat.stdout).toMatch(new RegExp(`^already resolved by pat at \\d{4}-\\d\\d-\\d\\dT\\S+ \\(${escalationId}: edit\\); nothing more was done\\n$`));
      const other = await cli(['resolve', json.workflowId, '--decision', 'reject', '--by', 'sam', ...extra]);
      expectOneLineError(other, /already resolved by pat at \S+ \(.*: edit\); your reject was not applied/);
      expect(other.code).toBe(1);
    }

    expect(await eventually(() => statusOf(json.workflowId), (s) => s === 'completed')).toBe('completed');
    const ledger = JSON.parse((await cli(['ledger', json.workflowId, '--json'])).stdout) as LedgerEntry[];
    const refund = ledger.find((e) => e.tool === 'issue_refund');
    expect(refund).toMatchObject({
      args: { orderId: 'ord_1001', amountCents: 1000, reason: 'Partial refund' },
      approvedBy: 'pat',
      edited: { by: 'pat', proposedArgs: { orderId: 'ord_1001', amountCents: 4999, reason: 'Teapot arrived broken' } },
    });
    expect((await cli(['ledger', json.workflowId])).stdout).toContain('edited by pat; the model proposed {"orderId":"ord_1001","amountCents":4999');
    // Once ended, the repeat is still what it was.
    const late = await cli(['resolve', json.workflowId, ...edit]);
    expect(late.code).toBe(0);
    expect(late.stdout).toContain('already resolved by pat at');
  });

  test('a decision on an ended run: "the run has ended", exit 1, with and without --escalation (--escalation-timeout 1s)', async () => {
    const { result, json } = await runUntilStop(['--scenario', DEMO, '--escalation-timeout', '1s']);
    expect(result.code).toBe(3);
    expect(await eventually(() => statusOf(json.workflowId), (s) => s === 'timed_out')).toBe('timed_out');
    for (const extra of [[], ['--escalation', json.escalation?.id ?? '']]) {
      const late = await cli(['resolve', json.workflowId, '--decision', 'approve', '--by', 'pat', ...extra]);
      expectOneLineError(late, 'the run has ended (status: timed_out); there is nothing to resolve');
      expect(late.code).toBe(1);
    }
  });
});

describe('§3 every run option is a flag', () => {
  test.each([
    ['--max-steps', '0', '--max-steps must be a whole number from 1 to 1000000 (got "0")'],
    ['--max-steps', '1.5', '--max-steps must be a whole number'],
    ['--max-tokens', ' ', '--max-tokens must be a whole number'],
    ['--max-cost-usd', '-1', '--max-cost-usd must be a dollar amount above 0'],
    ['--max-cost-usd', '0', '--max-cost-usd must be a dollar amount above 0'],
    ['--max-duration', '30', '--max-duration must be a duration above 0 and at most 366 days, with a unit'],
    ['--corrective-retries', '-1', '--corrective-retries must be a whole number from 0 to 100 (got "-1")'],
    ['--escalation-timeout', '400d', '--escalation-timeout must be a duration above 0 and at most 366 days'],
    ['--approvers', 'pat,,sam', '--approvers must be comma-separated names, none empty (got "pat,,sam")'],
    ['--model-retry-budget', '2 weeks', '--model-retry-budget must be a duration above 0 and at most 1 day, with a unit'],
    ['--model-retry-budget', '0s', '--model-retry-budget must be a duration above 0'],
    ['--continue-as-new-events', '0', '--continue-as-new-events must be a whole number from 1 to 50000'],
    ['--continue-as-new-bytes', 'lots', '--continue-as-new-bytes must be a whole number from 1 to 50000000'],
  ])('%s %j: one line, exit 1, nothing started', async (flag, value, message) => {
    const correlationId = uniqueId('bad');
    const result = await cli(['run', 'ops', 'do it', flag, value, '--correlation-id', correlationId]);
    expectOneLineError(result, message);
    expect(result.code).toBe(1);
    await expect(client.run(`ops-${correlationId}`)).rejects.toMatchObject({ name: 'RunNotFoundError' });
  });

  test('good values reach the run: --max-steps 1 stops it; the rest are in its options', async () => {
    const { result, json } = await runUntilStop(['--scenario', DEMO, '--max-steps', '1']);
    expect(result.code).toBe(3);
    expect(json.escalation).toMatchObject({ kind: 'limit_reached', step: 1 });
    await cli(['resolve', json.workflowId, '--decision', 'abort', '--by', 'pat']);

    const correlationId = uniqueId('opts');
    const started = await cli([
      'run', 'ops', 'do it', '--scenario', DEMO, '--correlation-id', correlationId,
      '--max-tokens', '50000', '--max-cost-usd', '2.5', '--max-duration', '30m', '--corrective-retries', '2',
      '--escalation-timeout', '4h', '--approvers', 'pat', '--continue-as-new-events', '1000', '--continue-as-new-bytes', '2000000',
      '--model-retry-budget', '2m',
    ]);
    expect(started.code).toBe(0);
    const run = await client.run(`ops-${correlationId}`);
    expect((await run.input()).options).toEqual({
      limits: { maxTokens: 50_000, maxCostUsd: 2.5, maxDurationMs: 30 * 60_000 },
      correctiveRetries: 2,
      escalationTimeoutMs: 4 * 3_600_000,
      approvers: ['pat'],
      continueAsNew: { maxEvents: 1000, maxBytes: 2_000_000 },
      modelRetry: { rateLimitBudgetMs: 2 * 60_000 },
    });
    await run.cancel({ by: 'test' });
  });

  test('a correlation id already taken is refused, saying how to follow that run', async () => {
    const correlationId = uniqueId('taken');
    expect((await cli(['run', 'ops', 'do it', '--scenario', DEMO, '--correlation-id', correlationId])).code).toBe(0);
    const again = await cli(['run', 'ops', 'do it again', '--scenario', DEMO, '--correlation-id', correlationId]);
    expectOneLineError(again, `a run with id "ops-${correlationId}" already exists`);
    expect(again.stderr).toContain(`durable-agent show ops-${correlationId}`);
    await (await client.run(`ops-${correlationId}`)).cancel({ by: 'test' });
  });

  test("UI links come from the server's actual UI: the detached server's pid file, not the default port", async () => {
    const uiUrl = `http://127.0.0.1:${await getFreePort()}`;
    // What `durable-agent server --detach --port P --ui-port U` records (temporal-config/dev-server.ts).
    const pidFile = `${join(scratch, 'temporal', 'temporal.sqlite')}.pid`;
    mkdirSync(dirname(pidFile), { recursive: true });
    writeFileSync(pidFile, JSON.stringify({ pid: process.pid, address: server.address, namespace: server.namespace, uiUrl }));
    try {
      const correlationId = uniqueId('ui');
      const started = await cli(['run', 'ops', 'do it', '--scenario', DEMO, '--correlation-id', correlationId], { uiUrl: null });
      expect(started.code).toBe(0);
      expect(started.stdout).toContain(`  ui     ${uiUrl}/namespaces/${server.namespace}/workflows/ops-${correlationId}/`);
      const shown = JSON.parse((await cli(['show', `ops-${correlationId}`, '--json'], { uiUrl: null })).stdout) as { uiUrl: string };
      expect(shown.uiUrl.startsWith(`${uiUrl}/namespaces/`)).toBe(true);
      // The inbox's card links by the same rule, once the run waits for its approval.
      await eventually(() => statusOf(`ops-${correlationId}`), (s) => s === 'escalated');
      const card = async () => (await inboxRuns()).find((r) => r.workflowId === `ops-${correlationId}`);
      expect((await card())?.uiUrl).toMatch(new RegExp(`^${uiUrl}/namespaces/${server.namespace}/workflows/ops-${correlationId}/`));
      rmSync(pidFile);
      // Nothing says where this (non-default) server's UI is: no link, rather than one to another server.
      const unknown = await cli(['show', `ops-${correlationId}`], { uiUrl: null });
      expect(unknown.stdout).toMatch(/ui +\(unknown: set TEMPORAL_UI_URL/);
      expect(unknown.stdout).not.toContain('8233');
      expect(await card()).toMatchObject({ uiUrl: null });
      await (await client.run(`ops-${correlationId}`)).cancel({ by: 'test' });
    } finally {
      rmSync(pidFile, { force: true });
    }
  });
});

/** The escalated runs as `durable-agent inbox` (started here, without TEMPORAL_UI_URL) serves them to its page. */
async function inboxRuns(): Promise<{ workflowId: string; uiUrl: string | null }[]> {
  const child = spawn(process.execPath, [CLI, 'inbox', '--port', '0', '--as', 'pat'], { env: sharedCliEnv(target(null)), cwd: scratch, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  try {
    const url = await eventually(async () => /escalation inbox at (http:\/\/\S+)/.exec(stdout)?.[1], (u) => u !== undefined);
    if (!url) throw new Error(`the inbox did not start: ${stdout}`);
    const body = (await (await fetch(`${url}/api/escalations`, { headers: { connection: 'close' } })).json()) as { runs: { workflowId: string; uiUrl: string | null }[] };
    return body.runs;
  } finally {
    child.kill('SIGTERM');
    children.delete(child);
  }
}

describe('§4 long runs read as one run', () => {
  test('list and show say how many executions a run has had, and when its first one started', async () => {
    const scenario = join(scratch, 'long-lookups.json');
    const lookups = Array.from({ length: 8 }, (_, i) => ({ text: `Looking again (${i + 1}).`, toolCalls: [{ name: 'lookup_customer', input: { email: 'ana@example.com' } }] }));
    writeFileSync(scenario, JSON.stringify({ name: 'long-lookups', turns: [...lookups, { text: 'Done looking.' }] }));
    const correlationId = uniqueId('long');
    const workflowId = `ops-${correlationId}`;
    // --continue-as-new-events 1: a new execution after every step.
    const done = await cli(['run', 'ops', 'Look Ana up, again and again.', '--scenario', scenario, '--wait', '--continue-as-new-events', '1', '--correlation-id', correlationId]);
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);

    const executions: Date[] = [];
    for await (const e of client.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) executions.push(e.startTime);
    expect(executions.length).toBeGreaterThanOrEqual(8);
    const first = new Date(Math.min(...executions.map((d) => d.getTime()))).toISOString();
    const last = new Date(Math.max(...executions.map((d) => d.getTime()))).toISOString();
    expect(first).not.toBe(last);

    const view = JSON.parse((await cli(['show', workflowId, '--json'])).stdout) as { startTime: string; executions: number; currentExecutionStartTime: string; status: string };
    expect(view).toMatchObject({ status: 'completed', startTime: first, executions: executions.length, currentExecutionStartTime: last });
    const text = (await cli(['show', workflowId])).stdout;
    expect(text).toContain(`  started      ${first}\n`);
    expect(text).toContain(`  executions   ${executions.length} (it continued as new ${executions.length - 1} times; this execution started ${last})`);

    const listed = await eventually(
      async () => JSON.parse((await cli(['list', '--agent', 'ops', '--json'])).stdout) as { workflowId: string; startTime: string; executions: number }[],
      (runs) => runs.some((r) => r.workflowId === workflowId),
    );
    expect(listed.filter((r) => r.workflowId === workflowId)).toEqual([expect.objectContaining({ startTime: first, executions: executions.length })]);
    const row = (await cli(['list', '--agent', 'ops'])).stdout.split('\n').find((l) => l.startsWith(workflowId)) ?? '';
    expect(row).toMatch(new RegExp(`completed +- +${first.replace(/\./g, '\\.')} +${executions.length}$`));
  });
});
