/**
 * The `durable-agent` CLI as a person runs it: the built `dist/cli/main.js` in a child process, against a real
 * Temporal dev server started here. Bad input must fail in one line and start nothing; the demo and a
 * run → escalate → resolve round trip must work end to end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentClient } from '../client/agent-client';
import type { TraceEvent } from '../common/trace';
import { getFreePort } from '../temporal-config/dev-server';
import { startTestServer, type TestServer } from './helpers/local-server';
import { CLI, cliEnv as sharedCliEnv, runCli, type CliResult, type CliTarget } from './helpers/cli-process';
import { eventsOf, uniqueId } from './helpers/runs';

const ROOT = join(__dirname, '..');
const DEMO_SCENARIO = join(ROOT, 'examples', 'ops-agent', 'scenarios', 'demo.json');

let server: TestServer;
let client: AgentClient;
let scratch: string;
const taskQueue = uniqueId('cli');
const children = new Set<ChildProcess>();

/** A person's environment, pointed at the test server: no API key, nothing from the host leaking in. */
const target = (): CliTarget => ({ address: server.address, namespace: server.namespace, taskQueue, scratch, uiUrl: 'http://127.0.0.1:8233' });
const cliEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => sharedCliEnv(target(), extra);
const cli = (args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> =>
  runCli(target(), args, { ...opts, timeoutMs: opts.timeoutMs ?? 60_000, children });

/** stderr is exactly one line, in the CLI's error form. */
function expectOneLineError(result: CliResult, includes: string | RegExp): void {
  expect(result.code).not.toBe(0);
  const lines = result.stderr.split('\n').filter(Boolean);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^durable-agent: error: /);
  if (typeof includes === 'string') expect(lines[0]).toContain(includes);
  else expect(lines[0]).toMatch(includes);
}

async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (the pretest script does)`);
  scratch = mkdtempSync(join(tmpdir(), 'durable-agent-cli-'));
  server = await startTestServer();
  client = await AgentClient.connect({ address: server.address, namespace: server.namespace, taskQueue });
}, 120_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await client?.client.connection.close();
  await server?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}, 30_000);

describe('bad input fails in one line and starts nothing', () => {
  test('an unknown agent', async () => {
    const result = await cli(['run', 'nosuch', 'do something', '--correlation-id', 'unknown-agent']);
    expectOneLineError(result, 'nosuch');
    expect(result.stdout).toBe('');
    await expect(client.run('nosuch-unknown-agent')).rejects.toMatchObject({ name: 'RunNotFoundError' });
    expect(await client.list({ agent: 'nosuch' })).toEqual([]);
  });

  test('malformed --args JSON, and --args that is not an object', async () => {
    const malformed = await cli([
      'resolve',
      'ops-whatever',
      '--decision',
      'edit',
      '--by',
      'pat',
      '--args',
      '{"orderId": ',
    ]);
    expectOneLineError(malformed, '--args is not valid JSON');
    const array = await cli(['resolve', 'ops-whatever', '--decision', 'edit', '--by', 'pat', '--args', '[1, 2]']);
    expectOneLineError(array, '--args must be a JSON object');
  });

  test('a decision that does not exist, and a decision missing what it needs', async () => {
    const bogus = await cli(['resolve', 'ops-whatever', '--decision', 'bogus', '--by', 'pat']);
    expect(bogus.code).not.toBe(0);
    expect(bogus.stderr.trim().split('\n')).toHaveLength(1);
    expect(bogus.stderr).toContain('bogus');
    expectOneLineError(await cli(['resolve', 'ops-whatever', '--decision', 'edit', '--by', 'pat']), 'needs --args');
    expectOneLineError(await cli(['resolve', 'ops-whatever', '--decision', 'approve', '--by', ' ']), '--by');
  });

  test('a scenario file that does not exist', async () => {
    const result = await cli([
      'run',
      'ops',
      'hi',
      '--scenario',
      'no/such/scenario.json',
      '--correlation-id',
      'no-scenario',
    ]);
    expectOneLineError(result, 'no/such/scenario.json');
    await expect(client.run('ops-no-scenario')).rejects.toMatchObject({ name: 'RunNotFoundError' });
  });

  test('authority options the agent cannot honour', async () => {
    expectOneLineError(await cli(['run', 'ops', 'hi', '--mode', 'bogus', '--correlation-id', 'bad-mode']), '--mode must be one of advise, act');
    expectOneLineError(
      await cli(['run', 'ops', 'hi', '--scope', 'lookup_customer,nuke', '--correlation-id', 'bad-scope']),
      'tools the agent does not have: nuke',
    );
    expectOneLineError(await cli(['run', 'ops', 'hi', '--min-confidence', '2', '--correlation-id', 'bad-conf']), '--min-confidence');
    for (const id of ['ops-bad-mode', 'ops-bad-scope', 'ops-bad-conf']) {
      await expect(client.run(id)).rejects.toMatchObject({ name: 'RunNotFoundError' });
    }
  });

  test.each([['show'], ['trace'], ['resolve'], ['ledger'], ['cancel']])('an unknown run id: %s', async (command) => {
    const args =
      command === 'resolve'
        ? ['resolve', 'ops-nope', '--decision', 'approve', '--by', 'pat']
        : command === 'cancel'
          ? ['cancel', 'ops-nope', '--by', 'pat']
          : [command, 'ops-nope'];
    expectOneLineError(await cli(args), 'no run with id "ops-nope"');
  });

  test('no server reachable', async () => {
    const closed = await getFreePort();
    for (const args of [['list'], ['run', 'ops', 'hi']]) {
      const result = await cli(args, { env: { TEMPORAL_ADDRESS: `127.0.0.1:${closed}` }, timeoutMs: 20_000 });
      expectOneLineError(result, `cannot reach Temporal at 127.0.0.1:${closed}`);
      expect(result.ms).toBeLessThan(10_000);
    }
  });
});

describe('demo', () => {
  test('--json --ephemeral: the wrong date, its correction, the escalated refund, the approval', async () => {
    const result = await cli(['demo', '--json', '--ephemeral']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as {
      workflowId: string;
      runId: string;
      status: string;
      uiUrl: string;
      events: TraceEvent[];
    };
    expect(Object.keys(report).sort()).toEqual(['events', 'runId', 'status', 'uiUrl', 'workflowId']);
    expect(report.status).toBe('completed');
    expect(report.uiUrl).toMatch(/^http:\/\/.+\/workflows\//);
    const events = report.events;

    const invalid = eventsOf(events, 'validation_error')[0];
    expect(invalid?.error.tool).toBe('schedule_callback');
    expect(invalid?.error.fields?.[0]?.path).toBe('startsAt');
    const corrected = eventsOf(events, 'tool_call').find((e) => e.tool === 'schedule_callback');
    expect(corrected && invalid && corrected.seq > invalid.seq).toBe(true);
    const startsAt = (corrected?.args as { startsAt?: string } | undefined)?.startsAt ?? '';
    expect(startsAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/);
    expect(Number.isNaN(Date.parse(startsAt))).toBe(false);

    const escalation = eventsOf(events, 'escalation')[0]?.escalation;
    expect(escalation).toMatchObject({ kind: 'approval_required', proposedCall: { tool: 'issue_refund' } });
    const resolution = eventsOf(events, 'resolution')[0];
    expect(resolution).toMatchObject({
      accepted: true,
      resolution: { decision: 'approve', by: 'demo-operator', escalationId: escalation?.id },
    });
    const refund = eventsOf(events, 'tool_result').find((e) => e.tool === 'issue_refund');
    expect(refund && resolution && refund.seq > resolution.seq).toBe(true);
  });

  test('--ephemeral, for people: the refused date, the approval, the UI link', async () => {
    const result = await cli(['demo', '--ephemeral']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('got "next Tuesday 3pm"');
    expect(result.stdout).toContain('2026-12-01T15:00:00Z');
    expect(result.stdout).toMatch(/approve by demo-operator/);
    expect(result.stdout).toMatch(/approved by demo-operator/);
    expect(result.stdout).toMatch(/http:\/\/127\.0\.0\.1:\d+\/namespaces\/default\/workflows\/ops-demo-/);
    expect(result.stdout).toMatch(/refund #\d+: order ord_1001, 4999 cents/);
  });
});

describe('worker, run, list, resolve, show, trace', () => {
  let worker: ChildProcess;
  let workerOutput = '';
  let metricsAddress = '';

  beforeAll(async () => {
    metricsAddress = `127.0.0.1:${await getFreePort()}`;
    worker = spawn(process.execPath, [CLI, 'worker', '--metrics', metricsAddress], {
      env: cliEnv(),
      cwd: scratch,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(worker);
    worker.once('exit', () => children.delete(worker));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker did not start:\n${workerOutput}`)), 60_000);
      const onData = (chunk: Buffer) => {
        workerOutput += chunk.toString();
        if (/worker polling[^]*\n  model .*\n/.test(workerOutput)) {
          clearTimeout(timer);
          resolve();
        }
      };
      worker.stdout?.on('data', onData);
      worker.stderr?.on('data', onData);
      worker.once('exit', (code) => reject(new Error(`worker exited (${code}):\n${workerOutput}`)));
    });
  }, 90_000);

  test('says which model it uses, without a key', () => {
    expect(workerOutput).toMatch(/model +scripted model server in this process at http:\/\/127\.0\.0\.1:\d+/);
    expect(workerOutput).toContain(`task queue "${taskQueue}"`);
    // The example agent has no approver keys: the worker says once what that means.
    expect(workerOutput.match(/agent ops has no approver keys: anyone with write access to namespace \\?"[^"\\]+\\?" can resolve its escalations as anyone/g)).toHaveLength(1);
  });

  test('metric labels take only known values: a 5,000-character tool name the model made up is "unknown"', async () => {
    const scenario = join(__dirname, 'fixtures', 'scenarios', 'long-tool-name.json');
    const done = await cli(['run', 'ops', 'call it', '--scenario', scenario, '--wait', '--json', '--correlation-id', uniqueId('labels')]);
    expect(done.code).toBe(0);
    const metrics = await eventually(
      async () => (await fetch(`http://${metricsAddress}/metrics`)).text(),
      (text) => /durable_agent_validation_failures\S*\{[^}]*tool="unknown"[^}]*code="unknown_tool"|durable_agent_validation_failures\S*\{[^}]*code="unknown_tool"[^}]*tool="unknown"/.test(text),
    );
    expect(metrics).not.toContain('x'.repeat(50));
  });

  test("a refused resolution leaves an audit record in the worker's log: who tried what, and why it was refused", async () => {
    const started = await cli(['run', 'ops', 'Refund order ord_1001', '--scenario', DEMO_SCENARIO, '--wait', '--json', '--correlation-id', uniqueId('audit')]);
    const run = JSON.parse(started.stdout) as { workflowId: string; escalation: { id: string } };
    const forged = await cli(['resolve', run.workflowId, '--decision', 'approve', '--by', 'mallory', '--escalation', `${run.workflowId}/esc-99`]);
    expectOneLineError(forged, /is not pending/);
    const record = await eventually(
      async () => workerOutput.split('\n').find((line) => line.includes('resolution refused') && line.includes('mallory')),
      (line) => line !== undefined,
    );
    expect(record).toContain(`${run.workflowId}/esc-99`);
    expect(record).toMatch(/approve/);
    expect(record).toMatch(/is not pending/);
    const resolved = await cli(['resolve', run.workflowId, '--decision', 'reject', '--by', 'pat']);
    expect(resolved.code).toBe(0);
  });

  test('a run escalates, is listed, resolved, completes, and its trace records the resolution', async () => {
    const prompt =
      'Ana (ana@example.com) says her teapot arrived broken. Book a callback next Tuesday 3pm and refund it.';
    const started = await cli([
      'run',
      'ops',
      prompt,
      '--scenario',
      DEMO_SCENARIO,
      '--wait',
      '--json',
      '--correlation-id',
      uniqueId('e2e'),
    ]);
    expect(started.stderr).toBe('');
    // 3: the run stopped for a person (run --help documents the codes).
    expect(started.code).toBe(3);
    const run = JSON.parse(started.stdout) as {
      workflowId: string;
      status: string;
      uiUrl: string;
      escalation: { id: string; kind: string };
    };
    expect(run.status).toBe('escalated');
    expect(run.escalation.kind).toBe('approval_required');
    expect(run.uiUrl).toContain(encodeURIComponent(run.workflowId));

    // Visibility is eventually consistent: the list may lag the run by a moment.
    const listed = await eventually(
      async () =>
        JSON.parse((await cli(['list', '--status', 'escalated', '--json'])).stdout) as {
          workflowId: string;
          escalation?: { id: string };
        }[],
      (runs) => runs.some((r) => r.workflowId === run.workflowId),
    );
    expect(listed.find((r) => r.workflowId === run.workflowId)?.escalation?.id).toBe(run.escalation.id);
    // For people: the reason, the proposed call with its arguments, and how long it has waited.
    const table = (await cli(['list', '--status', 'escalated'])).stdout;
    const row = table.split('\n').find((line) => line.startsWith(run.workflowId)) ?? '';
    expect(row).toMatch(/ \d+s +approval_required +issue_refund \{"orderId":"ord_1001","amountCents":4999/);
    expect(row).toContain('is irreversible and needs');

    const resolved = await cli(['resolve', run.workflowId, '--decision', 'approve', '--by', 'pat']);
    expect(resolved.stderr).toBe('');
    expect(resolved.code).toBe(0);
    expect(resolved.stdout).toContain('approve by pat');

    // The same decision sent twice says it was already taken (exit 0); another one is refused, naming who decided.
    const repeated = await cli([
      'resolve',
      run.workflowId,
      '--decision',
      'approve',
      '--by',
      'pat',
      '--escalation',
      run.escalation.id,
    ]);
    expect(repeated.code).toBe(0);
    expect(repeated.stdout).toContain('already resolved by pat at');
    const late = await cli([
      'resolve',
      run.workflowId,
      '--decision',
      'reject',
      '--by',
      'sam',
      '--escalation',
      run.escalation.id,
    ]);
    // Running or completed by now, the answer is the same: someone else decided first, and nothing was done.
    expectOneLineError(late, /already resolved by pat at \S+ \(.*: approve\); your reject was not applied/);

    const shown = await eventually(
      async () =>
        JSON.parse((await cli(['show', run.workflowId, '--json'])).stdout) as { status: string; text: string | null },
      (view) => view.status === 'completed',
    );
    expect(shown.status).toBe('completed');
    expect(shown.text).toContain('refunded');

    const traced = await cli(['trace', run.workflowId, '--json']);
    expect(traced.code).toBe(0);
    const events = JSON.parse(traced.stdout) as TraceEvent[];
    expect(Array.isArray(events)).toBe(true);
    expect(eventsOf(events, 'resolution')[0]).toMatchObject({
      accepted: true,
      resolution: { decision: 'approve', by: 'pat' },
    });

    const timeline = await cli(['trace', run.workflowId]);
    expect(timeline.stdout).toMatch(
      /validation_error +schedule_callback invalid_input: startsAt: expected .*, got "next Tuesday 3pm"/,
    );
    expect(timeline.stdout).toMatch(/resolution +approve by pat/);

    const ledger = JSON.parse((await cli(['ledger', run.workflowId, '--json'])).stdout) as { tool: string; approvedBy?: string }[];
    expect(ledger.map((e) => [e.tool, e.approvedBy ?? null])).toEqual([
      ['schedule_callback', null],
      ['issue_refund', 'pat'],
    ]);

    const jsonl = (await cli(['trace', run.workflowId, '--jsonl'])).stdout.trim().split('\n');
    expect(jsonl.map((line) => (JSON.parse(line) as TraceEvent).seq)).toEqual(events.map((e) => e.seq));
    expect(jsonl.every((line) => (JSON.parse(line) as TraceEvent).v === 1)).toBe(true);

    // The worker's Prometheus endpoint: the runtime's metrics and the project's counters from this run.
    const metrics = await (await fetch(`http://${metricsAddress}/metrics`)).text();
    expect(metrics).toMatch(/durable_agent_validation_failures\S*\{[^}]*tool="schedule_callback"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/durable_agent_escalations\S*\{[^}]*kind="approval_required"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/durable_agent_resolutions\S*\{[^}]*decision="approve"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/durable_agent_corrective_retries\S* [1-9]|durable_agent_corrective_retries\S*\{[^}]*\} [1-9]/);
    expect(metrics).toMatch(/durable_agent_tokens\S*\{[^}]*direction="input"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/^temporal_/m);

    const story = await cli(['explain', run.workflowId]);
    expect(story.code).toBe(0);
    expect(story.stdout).toContain('The ops agent was asked:');
    expect(story.stdout).toMatch(/pat decided: approve/);
  });

  test('stops gracefully on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => worker.once('exit', (code) => resolve(code)));
    worker.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 20_000);
});
