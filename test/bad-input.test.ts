/**
 * Bad input to every `durable-agent` command and to the client API: a one-line error, a non-zero exit, and nothing
 * started or changed. The CLI runs as a child process (the built dist/), against a real dev server with a worker
 * and a run waiting on a person; afterwards the test checks that the pending escalation is still pending, nothing
 * was refunded, and visibility lists only the runs the test started itself.
 *
 * Cases already in test/cli.test.ts are not repeated (unknown agent "nosuch", --mode bogus, --scope with an unknown
 * tool, --min-confidence 2, --decision bogus, edit without --args, --by " " on resolve, malformed and array --args,
 * a missing scenario file, unknown run ids for show/trace/resolve/ledger/cancel, no server).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { InvalidRunOptionsError, ResolutionRejectedError, type AgentRun } from '../client/agent-client';
import type { Resolution } from '../common/escalation';
import type { AgentRunInput, RunOptions } from '../common/run';
import { exampleAgents } from '../examples';
import { OpsStore } from '../examples/ops-agent/store';
import { createAgentWorker } from '../workers/agent-worker';
import { CLI, oneLineError, runCli, type CliResult, type CliTarget } from './helpers/cli-process';
import { eventsOf, uniqueId, waitForEscalation } from './helpers/runs';
import { tempDataDir, useTestEnv } from './helpers/test-env';

const env = useTestEnv('bad-input');
const DEMO = join(__dirname, '..', 'examples', 'ops-agent', 'scenarios', 'demo.json');

let scratch: string;
let target: CliTarget;
let worker: Worker;
let workerDone: Promise<void>;
let connection: NativeConnection;
/** The ops agent's store, shared with the in-process worker (DURABLE_AGENT_DATA_DIR is set before it opens). */
let store: OpsStore;

/** Runs this file started on purpose; visibility must list nothing else. */
const started = new Set<string>();
/** Workflow ids a bad CLI or client call would have used; each must not exist. */
const mustNotExist = new Set<string>();

/** A run waiting on approval_required (the demo's refund); every bad resolution below is aimed at it. */
let pending: { run: AgentRun; escalationId: string };
/** A run waiting on invalid_tool_calls, where approve is not a decision on offer. */
let invalid: { run: AgentRun; escalationId: string };
/** A run that has ended. */
let ended: AgentRun;

const cli = (args: string[], extraEnv?: NodeJS.ProcessEnv): Promise<CliResult> => runCli(target, args, { env: extraEnv });

function expectOneLineError(result: CliResult, pattern: RegExp, exitCode?: number): void {
  const line = oneLineError(result);
  if (!line) throw new Error(`expected a one-line error, got exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  expect(line).toMatch(pattern);
  if (exitCode !== undefined) expect(result.code).toBe(exitCode);
}

/** No execution under this workflow id; one a bad call started anyway is terminated so it cannot act. */
async function expectNoRun(workflowId: string): Promise<void> {
  const found = await env().client.run(workflowId).catch((err: Error) => err);
  if (found instanceof Error) {
    expect(found.name).toBe('RunNotFoundError');
    return;
  }
  await found.handle.terminate('started by bad input (test cleanup)').catch(() => undefined);
  throw new Error(`bad input started run ${workflowId}`);
}

async function startEscalated(scenario: string, prefix: string): Promise<{ run: AgentRun; escalationId: string }> {
  const run = await env().client.start('ops', 'Ana (ana@example.com): broken teapot; callback next Tuesday 3pm and a refund.', {
    scenario,
    correlationId: uniqueId(prefix),
  });
  started.add(run.workflowId);
  return { run, escalationId: (await waitForEscalation(run)).id };
}

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  scratch = mkdtempSync(join(tmpdir(), 'durable-agent-bad-input-'));
  // The example store opens lazily in this process, on the first tool call: point it somewhere private first.
  process.env.DURABLE_AGENT_DATA_DIR = tempDataDir();
  store = new OpsStore(join(process.env.DURABLE_AGENT_DATA_DIR, 'ops.sqlite'));
  target = { address: env().server.address, namespace: env().server.namespace, taskQueue: env().taskQueue, scratch };
  connection = await NativeConnection.connect({ address: env().server.address });
  worker = await createAgentWorker({
    agents: exampleAgents,
    connection,
    namespace: env().server.namespace,
    taskQueue: env().taskQueue,
    model: { baseURL: env().model.url },
    workflowBundle: process.env.DURABLE_AGENT_TEST_BUNDLE ? { codePath: process.env.DURABLE_AGENT_TEST_BUNDLE } : undefined,
    // The client's store: a run's record may be archived there.
    store: env().store,
  });
  workerDone = worker.run();

  const twoBadCalls = join(scratch, 'two-bad-calls.json');
  const bad = { name: 'schedule_callback', input: { customerId: 'cus_ana', startsAt: 'next Tuesday 3pm', note: 'teapot', confidence: 0.9, rationale: 'asked' } };
  writeFileSync(twoBadCalls, JSON.stringify({ name: 'two-bad-calls', turns: [{ toolCalls: [bad] }, { toolCalls: [bad] }, { text: 'ok' }] }));
  const happy = join(scratch, 'happy.json');
  writeFileSync(happy, JSON.stringify({ name: 'happy', turns: [{ toolCalls: [{ name: 'lookup_customer', input: { email: 'ana@example.com' } }] }, { text: 'Found Ana.' }] }));

  pending = await startEscalated(DEMO, 'pending');
  invalid = await startEscalated(twoBadCalls, 'invalid');
  ended = await env().client.start('ops', 'find Ana', { scenario: happy, correlationId: uniqueId('ended') });
  started.add(ended.workflowId);
  expect((await ended.result()).status).toBe('completed');
}, 120_000);

afterAll(async () => {
  worker?.shutdown();
  await workerDone?.catch(() => undefined);
  await connection?.close();
  store?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------------------------
// The CLI, before it connects: usage errors (exit 2) and bad values (exit 1).

type Row = [description: string, args: string[], error: RegExp, exit: 1 | 2, env?: NodeJS.ProcessEnv];

let cids = 0;
/** `--correlation-id` for a `run` that must not start: its workflow id is remembered and checked afterwards. */
function cid(): string[] {
  const id = `bad-${Date.now().toString(36)}-${cids++}`;
  mustNotExist.add(`ops-${id}`);
  return ['--correlation-id', id];
}

const PAYLOAD_KEY = randomBytes(32).toString('base64');
const CODEC = { DURABLE_AGENT_CODEC_TOKEN: 'a-token-of-sixteen-chars', DURABLE_AGENT_PAYLOAD_KEY: PAYLOAD_KEY };

const BEFORE_CONNECTING: Row[] = [
  ['an unknown command', ['frobnicate'], /unknown command 'frobnicate'/, 2],
  ['an unknown global flag', ['--bogus', 'list'], /unknown option '--bogus'/, 2],

  ['run: no prompt', ['run', 'ops', ...cid()], /missing required argument 'prompt'/, 2],
  ['run: an empty prompt', ['run', 'ops', '', ...cid()], /the prompt must not be empty/, 1],
  ['run: a blank prompt', ['run', 'ops', ' \t ', ...cid()], /the prompt must not be empty/, 1],
  ['run: a blank --correlation-id', ['run', 'ops', 'hi', '--correlation-id', '   '], /--correlation-id must not be empty/, 1],
  ['run: an unknown flag (--max-turns 3)', ['run', 'ops', 'hi', '--max-turns', '3', ...cid()], /unknown option '--max-turns'/, 2],
  ['run: --max-steps -1', ['run', 'ops', 'hi', '--max-steps', '-1', ...cid()], /--max-steps must be a whole number from 1 to 1000000 \(got "-1"\)/, 1],
  ['run: --min-confidence below 0', ['run', 'ops', 'hi', '--min-confidence', '-0.1', ...cid()], /--min-confidence must be a number from 0 to 1/, 1],
  ['run: --min-confidence above 1', ['run', 'ops', 'hi', '--min-confidence', '1.5', ...cid()], /--min-confidence must be a number from 0 to 1/, 1],
  ['run: --min-confidence not a number', ['run', 'ops', 'hi', '--min-confidence', 'high', ...cid()], /--min-confidence must be a number from 0 to 1/, 1],
  ['run: --min-confidence NaN', ['run', 'ops', 'hi', '--min-confidence', 'NaN', ...cid()], /--min-confidence must be a number from 0 to 1/, 1],
  ['run: --min-confidence Infinity', ['run', 'ops', 'hi', '--min-confidence', 'Infinity', ...cid()], /--min-confidence must be a number from 0 to 1/, 1],
  ['run: --min-confidence empty', ['run', 'ops', 'hi', '--min-confidence', '', ...cid()], /--min-confidence must be a number from 0 to 1/, 1],
  ['run: --min-confidence blank', ['run', 'ops', 'hi', '--min-confidence', '  ', ...cid()], /--min-confidence must be a number from 0 to 1/, 1],
  ['run: --scope empty', ['run', 'ops', 'hi', '--scope', '', ...cid()], /--scope needs at least one tool name/, 1],
  ['run: --scope only commas', ['run', 'ops', 'hi', '--scope', ',,', ...cid()], /--scope needs at least one tool name/, 1],
  ['run: --scope naming a tool in capitals', ['run', 'ops', 'hi', '--scope', 'ISSUE_REFUND', ...cid()], /tools the agent does not have: ISSUE_REFUND/, 1],
  ['run: --mode in capitals', ['run', 'ops', 'hi', '--mode', 'ACT', ...cid()], /--mode must be one of advise, act \(got "ACT"\)/, 1],
  ['run: --scenario a directory', ['run', 'ops', 'hi', '--scenario', '.', ...cid()], /scenario file not found: \./, 1],
  ['run: the agent name in capitals', ['run', 'OPS', 'hi', ...cid()], /unknown agent "OPS" \(known: ops\)/, 1],
  ['run: --agents naming a missing module', ['--agents', './nosuch.js', 'run', 'ops', 'hi', ...cid()], /agents module "\.\/nosuch\.js" not found/, 1],

  ['list: an unknown --status', ['list', '--status', 'bogus'], /argument 'bogus' is invalid/, 2],
  ['list: --limit 0', ['list', '--limit', '0'], /--limit must be a positive integer, got "0"/, 1],
  ['list: --limit -1', ['list', '--limit', '-1'], /--limit must be a positive integer/, 1],
  ['list: --limit not a number', ['list', '--limit', 'ten'], /--limit must be a positive integer/, 1],
  ['list: --limit a fraction', ['list', '--limit', '1.5'], /--limit must be a positive integer/, 1],
  ['list: an extra argument', ['list', 'escalated'], /too many arguments for 'list'/, 2],

  ['show: no id', ['show'], /missing required argument 'id'/, 2],
  ['show: two ids', ['show', 'a', 'b'], /too many arguments for 'show'/, 2],
  ['trace: no id', ['trace'], /missing required argument 'id'/, 2],
  ['trace: an unknown flag', ['trace', 'x', '--yaml'], /unknown option '--yaml'/, 2],
  ['ledger: no id', ['ledger'], /missing required argument 'id'/, 2],
  ['explain: no id', ['explain'], /missing required argument 'id'/, 2],

  ['resolve: no --decision', ['resolve', 'x', '--by', 'pat'], /required option '--decision <decision>' not specified/, 2],
  ['resolve: no --by', ['resolve', 'x', '--decision', 'approve'], /required option '--by <name>' not specified/, 2],
  ['resolve: an empty --by', ['resolve', 'x', '--decision', 'approve', '--by', ''], /--by must name who decides/, 1],
  ['resolve: a decision in capitals', ['resolve', 'x', '--decision', 'APPROVE', '--by', 'pat'], /argument 'APPROVE' is invalid/, 2],
  ['resolve: answer without --text', ['resolve', 'x', '--decision', 'answer', '--by', 'pat'], /--decision answer needs --text/, 1],
  ['resolve: answer with a blank --text', ['resolve', 'x', '--decision', 'answer', '--by', 'pat', '--text', '  '], /--decision answer needs --text/, 1],
  ['resolve: --args with reject', ['resolve', 'x', '--decision', 'reject', '--by', 'pat', '--args', '{}'], /--args is only used with --decision edit, not reject/, 1],
  ['resolve: --args null', ['resolve', 'x', '--decision', 'edit', '--by', 'pat', '--args', 'null'], /--args must be a JSON object, got null/, 1],
  ['resolve: --args a string', ['resolve', 'x', '--decision', 'edit', '--by', 'pat', '--args', '"ord_1001"'], /--args must be a JSON object, got string/, 1],
  ['resolve: --args a number', ['resolve', 'x', '--decision', 'edit', '--by', 'pat', '--args', '4999'], /--args must be a JSON object, got number/, 1],
  ['resolve: --args with a trailing comma', ['resolve', 'x', '--decision', 'edit', '--by', 'pat', '--args', '{"a":1,}'], /--args is not valid JSON/, 1],
  ['resolve: an unknown flag', ['resolve', 'x', '--decision', 'approve', '--by', 'pat', '--force'], /unknown option '--force'/, 2],

  ['cancel: no --by', ['cancel', 'x'], /required option '--by <name>' not specified/, 2],
  ['cancel: an empty --by', ['cancel', 'x', '--by', ''], /--by must name who cancels the run/, 1],
  ['cancel: a blank --by', ['cancel', 'x', '--by', '  '], /--by must name who cancels the run/, 1],

  ['server: --port 0', ['server', '--port', '0'], /argument '0' is invalid\. not a port number/, 2],
  ['server: --port 70000', ['server', '--port', '70000'], /not a port number/, 2],
  ['server: an unknown action', ['server', 'restart'], /unknown server action "restart"/, 2],
  ['server: --detach with stop', ['server', 'stop', '--detach'], /--detach and stop do not go together/, 2],
  ['worker: an unknown --log-level', ['worker', '--log-level', 'LOUD'], /argument 'LOUD' is invalid/, 2],
  ['worker: --metrics that is not host:port', ['worker', '--metrics', 'nope'], /--metrics must be host:port \(got "nope"\)/, 1],
  ['model-server: --port -1', ['model-server', '--port', '-1'], /not a port number/, 2],
  ['codec-server: no token', ['codec-server'], /set DURABLE_AGENT_CODEC_TOKEN/, 1],
  ['codec-server: --port 99999', ['codec-server', '--port', '99999'], /--port must be a port number \(got "99999"\)/, 1, CODEC],
  ['inbox: a blank --as', ['inbox', '--as', ' '], /--as must name a person/, 1],
  ['inbox: --port 99999', ['inbox', '--port', '99999', '--as', 'pat'], /--port must be a port number/, 1],
  ['inbox: --as and --identity-header together', ['inbox', '--as', 'pat', '--identity-header', 'X-User'], /not both/, 1],
  ['inbox: off loopback without an identity header', ['inbox', '--host', '0.0.0.0', '--as', 'pat'], /reachable by others/, 1],
  ['demo: an unknown flag', ['demo', '--bogus'], /unknown option '--bogus'/, 2],
];

describe('the CLI refuses bad input before connecting: one line, non-zero exit', () => {
  // Every row padded to five cells: a callback with more parameters than its row would be given jest's `done`.
  const rows = BEFORE_CONNECTING.map(([d, args, error, exit, extra]) => [d, args, error, exit, extra ?? {}] as const);
  test.each(rows)('%s', async (_description, args, error, exit, extraEnv) => {
    const result = await cli(args, extraEnv);
    const named = args.indexOf('--correlation-id');
    if (named >= 0) await expectNoRun(`ops-${args[named + 1] ?? ''}`);
    expectOneLineError(result, error, exit);
  });

  test('worker: --agents naming a module that exports no agents', async () => {
    const file = join(scratch, 'no-agents.js');
    writeFileSync(file, 'module.exports = { something: 1 };\n');
    expectOneLineError(await cli(['--agents', file, 'worker']), /must export `agents`: a non-empty array of agent definitions/, 1);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The CLI against the server: unknown and ended runs, refused resolutions, names Temporal refuses.

describe('the CLI refuses bad input against a live server, and changes nothing', () => {
  const rows: [string, () => string[], RegExp][] = [
    ['resolve: an escalation id that is not the pending one', () => ['resolve', pending.run.workflowId, '--decision', 'approve', '--by', 'pat', '--escalation', `${pending.run.workflowId}/esc-99`], /is not pending \(the pending one is/],
    ['resolve: edited arguments of the wrong types', () => ['resolve', pending.run.workflowId, '--decision', 'edit', '--by', 'pat', '--args', '{"orderId":5,"amountCents":"4999","reason":"broken"}'], /edited arguments rejected: orderId: expected a string, got number 5; amountCents: expected a number/],
    ['resolve: edited arguments with nothing in them', () => ['resolve', pending.run.workflowId, '--decision', 'edit', '--by', 'pat', '--args', '{}'], /edited arguments rejected: orderId: expected a string \(required\), got nothing/],
    ['resolve: edited arguments with a negative amount', () => ['resolve', pending.run.workflowId, '--decision', 'edit', '--by', 'pat', '--args', '{"orderId":"ord_1001","amountCents":-4999,"reason":"broken"}'], /amountCents: expected an integer greater than 0, got number -4999/],
    ['resolve: a decision this escalation does not offer', () => ['resolve', invalid.run.workflowId, '--decision', 'approve', '--by', 'pat'], /decision "approve" does not apply to a invalid_tool_calls escalation/],
    ['resolve: a run that has ended', () => ['resolve', ended.workflowId, '--decision', 'approve', '--by', 'pat'], /has ended \(status: completed\); there is nothing to resolve/],
    ['cancel: a run that has ended', () => ['cancel', ended.workflowId, '--by', 'pat'], /has already ended/],
    ['explain: an unknown run', () => ['explain', 'ops-nope'], /no run with id "ops-nope"/],
    ['show: a workflow id longer than Temporal accepts', () => ['show', 'x'.repeat(5_000)], /./],
    ['trace: an id with an RTL override and a zero-width space', () => ['trace', 'ops-\u202eevil\u200b'], /no run with id/],
    ['run: a correlation id longer than Temporal accepts', () => ['run', 'ops', 'hi', '--correlation-id', 'y'.repeat(5_000)], /./],
    ['list: a namespace that does not exist', () => ['--namespace', 'no-such-namespace', 'list'], /cannot reach Temporal|namespace/i],
    ['list: an address that is not one', () => ['--address', 'not an address', 'list'], /cannot reach Temporal at not an address/],
  ];

  test.each(rows)('%s', async (_description, args, error) => {
    expectOneLineError(await cli(args()), error);
  });

  test.each([["x' OR 'a'='a"], ['x\\'], ['"'], ['%']])('list --agent %j: a value, not query syntax (no runs, exit 0)', async (agent) => {
    const result = await cli(['list', '--agent', agent, '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([]);
  });

  test('run: the correlation id of a run that has ended is refused; no second run under that id', async () => {
    const id = ended.workflowId;
    const before = (await ended.handle.describe()).runId;
    const result = await cli(['run', 'ops', 'again', '--correlation-id', id.slice('ops-'.length)]);
    const after = (await env().client.client.workflow.getHandle(id).describe()).runId;
    if (after !== before) {
      await env().client.client.workflow.getHandle(id).terminate('second run under a reused id (test cleanup)').catch(() => undefined);
      throw new Error(`a second run started under the reused id ${id} (the first had ended): ${result.stdout.split('\n')[0]}`);
    }
    expectOneLineError(result, /a run with id "ops-[^"]+" already exists; pick another --correlation-id/);
  });

  test('resolve: an empty --escalation is refused, not taken to mean "whatever is pending"', async () => {
    // A script passing --escalation "$ID" with ID unset must not approve whichever escalation is pending now.
    const victim = await startEscalated(DEMO, 'empty-escalation');
    const result = await cli(['resolve', victim.run.workflowId, '--decision', 'approve', '--by', 'pat', '--escalation', '']);
    const stillPending = await victim.run.pendingEscalation();
    expectOneLineError(result, /--escalation/);
    expect(stillPending?.id).toBe(victim.escalationId);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The client API.

describe('the client API refuses malformed resolutions, and the escalation stays pending', () => {
  const malformed: [string, (escalationId: string) => unknown, RegExp][] = [
    ['an unknown decision', (id) => ({ escalationId: id, decision: 'bogus', by: 'pat' }), /unknown decision "bogus"/],
    ['a decision in capitals', (id) => ({ escalationId: id, decision: 'APPROVE', by: 'pat' }), /unknown decision "APPROVE"/],
    ['an empty approver', (id) => ({ escalationId: id, decision: 'approve', by: '' }), /must name who decided/],
    ['a blank approver', (id) => ({ escalationId: id, decision: 'approve', by: ' \t ' }), /must name who decided/],
    ['an approver that is not a string', (id) => ({ escalationId: id, decision: 'approve', by: 42 }), /must name who decided/],
    ['no escalation id', () => ({ decision: 'approve', by: 'pat' }), /is not pending/],
    ['another escalation id', (id) => ({ escalationId: `${id}-other`, decision: 'approve', by: 'pat' }), /is not pending/],
    ['edit with arguments that are not an object', (id) => ({ escalationId: id, decision: 'edit', by: 'pat', args: ['ord_1001'] }), /needs the corrected arguments as a JSON object/],
    ['edit with null arguments', (id) => ({ escalationId: id, decision: 'edit', by: 'pat', args: null }), /needs the corrected arguments as a JSON object/],
    ['edit with arguments the schema refuses', (id) => ({ escalationId: id, decision: 'edit', by: 'pat', args: { orderId: '', amountCents: 1.5, reason: 'x' } }), /edited arguments rejected: orderId: .*amountCents: .*reason: /],
    ['answer without text', (id) => ({ escalationId: id, decision: 'answer', by: 'pat' }), /"answer" needs the text/],
    ['answer with blank text', (id) => ({ escalationId: id, decision: 'answer', by: 'pat', text: '   ' }), /"answer" needs the text/],
  ];

  test.each(malformed)('resolve: %s', async (_description, resolution, error) => {
    const attempt = pending.run.resolve(resolution(pending.escalationId) as Resolution);
    await expect(attempt).rejects.toThrow(ResolutionRejectedError);
    const message = await attempt.catch((err: Error) => err.message);
    expect(message).toMatch(error);
    expect(message).not.toContain('\n');
    expect((await pending.run.pendingEscalation())?.id).toBe(pending.escalationId);
  });

  test('resolveBySignal: a malformed resolution is refused in the trace, and the escalation stays pending', async () => {
    await pending.run.resolveBySignal({ escalationId: pending.escalationId, decision: 'approve', by: '  ' });
    await pending.run.resolveBySignal({ escalationId: pending.escalationId, decision: 'bogus' as never, by: 'pat' });
    const deadline = Date.now() + 10_000;
    let refused: string[] = [];
    while (refused.length < 2 && Date.now() < deadline) {
      refused = eventsOf(await pending.run.trace(), 'resolution').filter((e) => !e.accepted).map((e) => e.note ?? '');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(refused).toEqual(expect.arrayContaining([expect.stringMatching(/must name who decided/), expect.stringMatching(/unknown decision "bogus"/)]));
    expect((await pending.run.pendingEscalation())?.id).toBe(pending.escalationId);
  });

  test('cancel without a name (empty or blank) is refused before anything is sent; the run keeps waiting', async () => {
    for (const by of ['', '   ']) await expect(pending.run.cancel({ by })).rejects.toThrow(/needs the name of who cancels/);
    expect((await pending.run.handle.describe()).status.name).toBe('RUNNING');
  });

  test.each([
    ['an unknown id', 'ops-nope'],
    ['an empty id', ''],
    ['an id with NUL', 'ops-\u0000'],
    ['an id of 5,000 characters', 'x'.repeat(5_000)],
  ])('run(): %s is RunNotFoundError', async (_description, id) => {
    await expect(env().client.run(id)).rejects.toMatchObject({ name: 'RunNotFoundError' });
  });

  test('list: a quote in the agent filter is a value, not query syntax', async () => {
    expect(await env().client.list({ agent: "x' OR 'a'='a" })).toEqual([]);
  });
});

describe('the client API refuses malformed run options before starting anything', () => {
  const options: [string, string, unknown][] = [
    ['an unknown mode (the run would fail its workflow task forever)', 'find Ana', { mode: 'bogus' }],
    ['a scope that is a string, not a list', 'find Ana', { scope: 'lookup_customer' }],
    ['an empty scope', 'find Ana', { scope: [] }],
    ['a confidence threshold above 1', 'find Ana', { minConfidence: 2 }],
    ['a confidence threshold that is a word', 'find Ana', { minConfidence: 'high' }],
    ['a negative corrective budget', 'find Ana', { correctiveRetries: -1 }],
    ['a step limit that is a word (it would disable the limit)', 'find Ana', { limits: { maxSteps: 'unlimited' } }],
    ['a negative step limit', 'find Ana', { limits: { maxSteps: -1 } }],
    ['an escalation timeout that is a word (the run would fail its workflow task forever)', 'find Ana', { escalationTimeoutMs: 'soon' }],
    ['an escalation timeout of 1e20 ms (its deadline is not a date: every workflow task would fail)', 'find Ana', { escalationTimeoutMs: 1e20 }],
    ['a model start-to-close of years (every model call would time out at once)', 'find Ana', { timeouts: { modelStartToCloseMs: 1e15 } }],
    ['a step limit of 1e30', 'find Ana', { limits: { maxSteps: 1e30 } }],
    ['an empty prompt', '  ', undefined],
  ];

  test.each(options)('%s', async (_description, prompt, bad) => {
    const correlationId = uniqueId('opts');
    mustNotExist.add(`ops-${correlationId}`);
    const attempt = await env()
      .client.start('ops', prompt, { correlationId, options: bad as RunOptions })
      .then(() => 'started', (err: Error) => err);
    await expectNoRun(`ops-${correlationId}`);
    expect(attempt).toBeInstanceOf(Error);
    expect((attempt as Error).message).not.toContain('\n');
  });

  test.each([[500], [1.5e3 + 0.5], [121_000], [Number.NaN]])('a workflow task timeout of %p ms', async (bad) => {
    const correlationId = uniqueId('task-timeout');
    mustNotExist.add(`ops-${correlationId}`);
    const attempt = await env()
      .client.start('ops', 'find Ana', { correlationId, workflowTaskTimeoutMs: bad })
      .then(() => 'started', (err: Error) => err);
    await expectNoRun(`ops-${correlationId}`);
    expect(attempt).toBeInstanceOf(InvalidRunOptionsError);
    expect((attempt as Error).message).toMatch(/^cannot start a run: workflowTaskTimeoutMs: expected an integer from 1000 to 120000 \(ms\), got /);
  });
});

describe('options the workflow cannot apply, from any Temporal client, end the run instead of failing its workflow task forever', () => {
  test.each([
    ['an unknown mode', { mode: 'bogus' }],
    ['an escalation timeout that is a word', { escalationTimeoutMs: 'soon' }],
    ['an escalation timeout of 1e20 ms', { escalationTimeoutMs: 1e20 }],
    ['a model start-to-close of 1e15 ms', { timeouts: { modelStartToCloseMs: 1e15 } }],
  ])('%s', async (_description, options) => {
    // Started with the plain Temporal client, as another service or `temporal workflow start` could.
    const client = new Client({ connection: env().client.client.connection, namespace: env().server.namespace });
    const workflowId = `ops-${uniqueId('raw')}`;
    started.add(workflowId);
    const input = { agent: 'ops', prompt: 'Ana: refund', correlationId: workflowId, scenario: DEMO, options } as unknown as AgentRunInput;
    const handle = await client.workflow.start('agentWorkflow', { taskQueue: env().taskQueue, workflowId, args: [input] });
    try {
      const deadline = Date.now() + 15_000;
      let status = 'RUNNING';
      let taskFailures = 0;
      while (Date.now() < deadline) {
        status = (await handle.describe()).status.name;
        taskFailures = ((await handle.fetchHistory()).events ?? []).filter((e) => e.workflowTaskFailedEventAttributes).length;
        if (status !== 'RUNNING' || taskFailures > 0) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(taskFailures).toBe(0);
      expect(status).toBe('FAILED');
    } finally {
      await handle.terminate('test cleanup').catch(() => undefined);
    }
  }, 30_000);
});

// ---------------------------------------------------------------------------------------------------------------

describe('afterwards: nothing was started or changed', () => {
  test('the pending escalation is the same one, still pending, with no decision accepted; nothing was refunded', async () => {
    expect((await pending.run.pendingEscalation())?.id).toBe(pending.escalationId);
    expect((await pending.run.status()).status).toBe('escalated');
    expect(eventsOf(await pending.run.trace(), 'resolution').filter((e) => e.accepted)).toEqual([]);
    expect((await invalid.run.pendingEscalation())?.id).toBe(invalid.escalationId);
    // The store is shared with the runs a bug test may have let through; only these runs' keys matter here.
    const keys = (store.db.prepare('SELECT idempotency_key AS key FROM refunds').all() as { key: string }[]).map((r) => r.key);
    expect(keys.filter((k) => k.startsWith(`${pending.run.workflowId}/`) || k.startsWith(`${invalid.run.workflowId}/`))).toEqual([]);
    expect((await pending.run.ledger()).map((e) => e.tool)).toEqual(['schedule_callback']);
  });

  test('visibility lists no run this file did not start on purpose, beyond those the rows above already reported', async () => {
    // Visibility is eventually consistent: wait until it has caught up with the runs started on purpose.
    const deadline = Date.now() + 15_000;
    let listed: string[] = [];
    while (Date.now() < deadline) {
      listed = (await env().client.list({ limit: 500 })).map((r) => r.workflowId);
      if ([...started].every((id) => listed.includes(id))) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(listed.filter((id) => !started.has(id) && !mustNotExist.has(id))).toEqual([]);
  });
});
