/**
 * Hostile and malformed tool calls, generated with fast-check, against the example ops agent's tools.
 *
 * Layer (b), end to end: generated invalid calls played by the scripted model to a real worker on a real dev
 * server, the tools' `run` spied on; afterwards each history is audited. Layer (a), the in-process checks, is
 * test/hostile-tool-calls.unit.test.ts.
 *
 * Seeds: fixed by default, printed in the test names; FC_SEED=<n> replays, FC_SEED=random explores
 * (docs/hostile-input.md).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NativeConnection } from '@temporalio/worker';
import fc from 'fast-check';
import type { z } from 'zod';
import { type ToolDefinition } from '../agents/define';
import { createAgentWorker } from '../workers/agent-worker';
import { describe as describeValue } from '../agents/validate';
import type { TraceEvent } from '../common/trace';
import { opsAgent } from '../examples/ops-agent/agent';
import { OpsStore } from '../examples/ops-agent/store';
import {
  callTo,
  nonObjectInput,
  OPS_TOOL_FIELDS,
  unknownToolName,
  type GeneratedCall,
} from './helpers/hostile-arbitraries';
import { instrumentedOpsAgent, invocationsOf, type Invocation } from './fixtures/ops-test-agent';
import { inBatches, propertySeed } from './helpers/property';
import { eventsOf, uniqueId, waitForEscalation } from './helpers/runs';
import { useTestEnv } from './helpers/test-env';

const SEED = propertySeed();
const TOOL_NAMES = Object.keys(OPS_TOOL_FIELDS);
const toolNamed = (name: string) => opsAgent.tools.find((t) => t.name === name) as ToolDefinition;

// ---------------------------------------------------------------------------------------------------------------
// Layer (b): end to end.

interface Case {
  /** Two invalid calls (the model never learns): escalates. Or an invalid call, then a valid one: completes. */
  kind: 'escalates' | 'corrects';
  first: GeneratedCall | { tool: string; input: unknown; unknown: true };
  correction?: GeneratedCall;
  second?: GeneratedCall;
}

const READ_OR_WRITE = ['lookup_customer', 'list_orders', 'schedule_callback'];

/**
 * Generated end-to-end calls stay under 64 KB a string, so the scripted token counts (4 characters a token) stay
 * within the run's budget; megabyte calls are a case of their own below.
 */
const E2E_HUGE = 65_536;

function invalidCall(): fc.Arbitrary<Case['first']> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...TOOL_NAMES).chain((tool) => callTo(tool, { hugeUpTo: E2E_HUGE })).filter((c) => Object.keys(c.broken).length > 0) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...TOOL_NAMES), nonObjectInput(E2E_HUGE)).map(([tool, input]): GeneratedCall => ({ tool, input, broken: { '(root)': 'wrongType' }, extras: [] })) },
    { weight: 1, arbitrary: unknownToolName(TOOL_NAMES).filter((n) => n.length <= 200).map((tool) => ({ tool, input: {}, unknown: true as const })) },
  );
}

function caseArb(): fc.Arbitrary<Case> {
  return fc.oneof(
    fc.tuple(invalidCall(), invalidCall()).map(([first, second]): Case => ({ kind: 'escalates', first, second: second as GeneratedCall })),
    fc
      .tuple(invalidCall(), fc.constantFrom(...READ_OR_WRITE).chain((tool) => callTo(tool, { allValid: true })))
      .map(([first, correction]): Case => ({ kind: 'corrects', first, correction })),
  );
}

/** Valid generated arguments may name customers that do not exist; the correction uses real ones so it can succeed. */
function realistic(call: GeneratedCall): GeneratedCall {
  const input = { ...(call.input as Record<string, unknown>) };
  if (call.tool === 'lookup_customer') input.email = 'ana@example.com';
  if ('customerId' in input) input.customerId = 'cus_ana';
  if ('confidence' in input) input.confidence = 0.9;
  return { ...call, input };
}

function scenarioFor(c: Case): unknown {
  const turn = (call: Case['first']) => ({ text: 'Calling the tool.', toolCalls: [{ name: call.tool, input: call.input }] });
  const turns: unknown[] = [turn(c.first)];
  if (c.kind === 'escalates') {
    turns.push({ ...turn(c.second as GeneratedCall), expect: { toolResultError: true } });
    turns.push({ text: 'Understood; I will not retry.' });
  } else {
    turns.push({ ...turn(realistic(c.correction as GeneratedCall)), expect: { toolResultError: true } });
    turns.push({ expect: { toolResultError: false }, text: 'Done.' });
  }
  return { name: 'hostile-generated', turns };
}

function expectedFirstError(c: Case): { code: string; paths?: string[] } {
  if ('unknown' in c.first) return { code: 'unknown_tool' };
  return { code: 'invalid_input', paths: Object.keys(c.first.broken) };
}

/**
 * A stand-in for the Messages API that answers turn n (the number of assistant messages in the request) with the
 * raw content block text `blocks[n]`, unparsed: for answers the scripted model cannot serialize.
 */
async function rawModelServer(blocks: string[]): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const turn = (body.match(/"role":"assistant"/g) ?? []).length;
      const block = blocks[turn];
      if (block === undefined) {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message: `raw model: no turn ${turn}` } }));
        return;
      }
      const stop = block.includes('"tool_use"') ? 'tool_use' : 'end_turn';
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        `{"id":"msg_raw_${turn}","type":"message","role":"assistant","model":"claude-test","content":[${block}],` +
          `"stop_reason":"${stop}","stop_sequence":null,"usage":{"input_tokens":10,"output_tokens":10}}`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const E2E_RUNS = Number(process.env.HOSTILE_E2E_RUNS ?? 25);

describe(`layer (b): generated invalid calls against a real worker (seed ${SEED}, ${E2E_RUNS} runs)`, () => {
  const env = useTestEnv('hostile-tool-calls');
  let scratch: string;
  let store: OpsStore | undefined;
  const invocations: Invocation[] = [];
  const openStore = () => (store ??= new OpsStore(join(scratch, 'ops.sqlite')));

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'durable-agent-hostile-'));
  });
  afterAll(() => {
    store?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('no invalid call reaches run; each is refused naming the field or tool; runs escalate or complete; no workflow task fails', async () => {
    const cases = fc.sample(caseArb(), { seed: SEED, numRuns: E2E_RUNS });
    const agent = instrumentedOpsAgent('hostile', openStore, invocations);
    await env().withWorker([agent], async (worker) => {
      await inBatches(cases, 5, async (c, index) => {
        const file = join(scratch, `case-${index}.json`);
        writeFileSync(file, JSON.stringify(scenarioFor(c)));
        const where = `case ${index} of seed ${SEED} (scenario ${file}): ${describeValue(c.first.input)}`;
        try {
          await playCase(c, file);
        } catch (err) {
          throw new Error(`${where}\n${err instanceof Error ? err.message : String(err)}`);
        }
      });
      expect(worker.getState()).toBe('RUNNING');
    });

    async function playCase(c: Case, file: string): Promise<void> {
      const run = await env().client.start('hostile', 'do the thing', { scenario: file, correlationId: uniqueId('hostile') });
      if (c.kind === 'escalates') {
        const escalation = await waitForEscalation(run);
        expect(escalation.kind).toBe('invalid_tool_calls');
        await run.resolve({ escalationId: escalation.id, decision: 'reject', by: 'pat' });
      }
      const result = await run.result();
      expect(result.status).toBe('completed');
      const trace: TraceEvent[] = result.trace;

      const mine = invocationsOf(invocations, run.workflowId);
      if (c.kind === 'escalates') expect(mine).toEqual([]);
      else {
        // Only the correction ran, once, with arguments its schema accepts.
        expect(mine.map((i) => i.tool)).toEqual([c.correction?.tool]);
        const tool = toolNamed(mine[0]?.tool ?? '');
        expect(tool.input.safeParse(mine[0]?.args).success).toBe(true);
        expect(Object.keys(mine[0]?.args as object).every((k) => k in (tool.input as z.ZodObject).shape)).toBe(true);
      }

      const refusals = eventsOf(trace, 'validation_error');
      expect(refusals.length).toBe(c.kind === 'escalates' ? 2 : 1);
      const expected = expectedFirstError(c);
      expect(refusals[0]?.error.code).toBe(expected.code);
      if (expected.paths) expect(new Set(refusals[0]?.error.fields?.map((f) => f.path))).toEqual(new Set(expected.paths));
      else expect(refusals[0]?.error.tool).toBe(c.first.tool);

      const history = await run.handle.fetchHistory();
      const failedTasks = (history.events ?? []).filter((e) => e.workflowTaskFailedEventAttributes);
      expect(failedTasks).toEqual([]);
    }
  }, 120_000);

  /** Plays a fixed two-turn invalid scenario and audits it like a generated case. */
  async function refusedTwice(name: string, first: { name: string; input: unknown }, second = first, usage?: { input_tokens: number; output_tokens: number }) {
    const file = join(scratch, `${name}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        name,
        turns: [
          { text: 'Calling.', toolCalls: [first], ...(usage ? { usage } : {}) },
          { expect: { toolResultError: true }, text: 'Again.', toolCalls: [second], ...(usage ? { usage } : {}) },
          { text: 'Giving up.', ...(usage ? { usage } : {}) },
        ],
      }),
    );
    return env().withWorker([instrumentedOpsAgent('hostile', openStore, invocations)], async () => {
      const run = await env().client.start('hostile', 'do the thing', { scenario: file, correlationId: uniqueId(name) });
      const escalation = await waitForEscalation(run);
      expect(escalation.kind).toBe('invalid_tool_calls');
      await run.resolve({ escalationId: escalation.id, decision: 'reject', by: 'pat' });
      const result = await run.result();
      expect(result.status).toBe('completed');
      expect(invocationsOf(invocations, run.workflowId)).toEqual([]);
      const history = await run.handle.fetchHistory();
      expect((history.events ?? []).filter((e) => e.workflowTaskFailedEventAttributes)).toEqual([]);
      return eventsOf(result.trace, 'validation_error').map((e) => e.error);
    });
  }

  test('a tool name with a lone surrogate, NUL and an RTL override is refused by name, and the run escalates', async () => {
    const errors = await refusedTwice('odd-name', { name: 'issue_refund\ud800\u0000\u202e', input: { orderId: 'ord_1001' } });
    expect(errors.map((e) => e.code)).toEqual(['unknown_tool', 'unknown_tool']);
    expect(errors[0]?.message).toContain('There is no tool named "issue_refund\\ud800\\u0000\\u202e"');
  });

  test('arguments nested 6,000 levels deep are refused like any invalid call (no crash, no stuck task)', async () => {
    // Fails today (a bug in activities/model-call.ts, docs/hostile-input.md): the check refuses the call, but the
    // model step goes on serializing the 6,000-level input (JSON.stringify recurses; JSON.parse did not), and the
    // run fails with "Maximum call stack size exceeded" (or "Unable to convert [object Object] to payload")
    // instead of taking the corrective path.
    // The scripted model serializes its answers with JSON.stringify, which cannot go this deep either; this answer
    // is written as raw text by a stand-in server. The real API's JSON could be just as deep.
    const deep = `${'['.repeat(6_000)}${']'.repeat(6_000)}`;
    const toolUse = `{"type":"tool_use","id":"toolu_deep","name":"lookup_customer","input":{"email":${deep}}}`;
    const model = await rawModelServer([toolUse, toolUse.replace('toolu_deep', 'toolu_deep2'), '{"type":"text","text":"Giving up."}']);
    const connection = await NativeConnection.connect({ address: env().server.address });
    try {
      const worker = await createAgentWorker({
        agents: [instrumentedOpsAgent('hostile', openStore, invocations)],
        connection,
        namespace: env().server.namespace,
        taskQueue: env().taskQueue,
        model: { baseURL: model.url },
        workflowBundle: process.env.DURABLE_AGENT_TEST_BUNDLE ? { codePath: process.env.DURABLE_AGENT_TEST_BUNDLE } : undefined,
        // The client's store: a run's record may be archived there.
        store: env().store,
      });
      await worker.runUntil(async () => {
        const run = await env().client.start('hostile', 'do the thing', { correlationId: uniqueId('deep') });
        const escalation = await waitForEscalation(run, 45_000);
        expect(escalation.kind).toBe('invalid_tool_calls');
        expect(escalation.errors?.map((e) => e.fields?.map((f) => f.path))).toEqual([['email']]);
        await run.resolve({ escalationId: escalation.id, decision: 'reject', by: 'pat' });
        expect((await run.result()).status).toBe('completed');
        expect(invocationsOf(invocations, run.workflowId)).toEqual([]);
        const history = await run.handle.fetchHistory();
        expect((history.events ?? []).filter((e) => e.workflowTaskFailedEventAttributes)).toEqual([]);
      });
    } finally {
      await connection.close();
      await model.close();
    }
  }, 90_000);

  test('megabyte arguments twice in a row are refused naming the field, and the run escalates', async () => {
    // Big payloads are offloaded (Temporal External Storage), so a 1 MB argument takes the same corrective path as
    // any invalid call. The usage is scripted small: the default (4 characters a token) would spend the token
    // budget on the second request and escalate limit_reached instead, which is not what this case is about.
    const note = 'n'.repeat(1_048_576);
    const call = { name: 'schedule_callback', input: { customerId: 'cus_ana', startsAt: '2026-12-01T15:00:00Z', note, confidence: 0.9, rationale: 'asked' } };
    const errors = await refusedTwice('huge', call, call, { input_tokens: 100, output_tokens: 100 });
    // The echo is bounded (80 characters of the value, then its real length): the model is told how long it was.
    expect(errors.map((e) => e.fields?.map((f) => `${f.path}: ${f.received.length}`))).toEqual([['note: 100'], ['note: 100']]);
    expect(errors.every((e) => e.fields?.[0]?.received.endsWith('... (1048576 characters)'))).toBe(true);
    expect(openStore().callbacks().filter((c) => c.note === note)).toEqual([]);
  }, 60_000);

  test('after the generated runs the worker still serves an ordinary run', async () => {
    const file = join(scratch, 'ordinary.json');
    writeFileSync(
      file,
      JSON.stringify({ name: 'ordinary', turns: [{ toolCalls: [{ name: 'lookup_customer', input: { email: 'ana@example.com' } }] }, { text: 'Found Ana.' }] }),
    );
    await env().withWorker([instrumentedOpsAgent('hostile', openStore, invocations)], async () => {
      const run = await env().client.start('hostile', 'find ana', { scenario: file, correlationId: uniqueId('ordinary') });
      expect((await run.result()).status).toBe('completed');
    });
  });
});


