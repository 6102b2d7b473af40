/**
 * OpenTelemetry: one run's spans form one trace (the client's StartWorkflow, the workflow's run, a StartActivity and
 * a RunActivity per model step and tool call), and every one of them carries the run's correlation id. The
 * counts come from the run's history, so the test fails if any layer is not traced.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { createPrivateKey } from 'node:crypto';
import { SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { NativeConnection, Worker } from '@temporalio/worker';
import { defineAgent, type AgentDefinition } from '../agents/define';
import { newSigningKey } from '../client/sign-resolution';
import { GEN_AI } from '../common/gen-ai-attributes';
import { SPAN_ATTR } from '../common/span-attributes';
import { APPROVAL_ATTR } from '../workflows/approval-span';
import { createAgentWorker } from '../workers/agent-worker';
import { SILENT_SINKS } from '../workers/workflow-bundle';
import { JsonLinesSpanExporter } from '../workers/span-exporters';
import { startTracing, type Tracing } from '../workers/tracing';
import { testAgent, wireMoney } from './fixtures/test-agent';
import { eventsOf, scheduledActivities, uniqueId, waitForEscalation } from './helpers/runs';
import { useTestEnv } from './helpers/test-env';
import type { AgentRun } from '../client/agent-client';
import { traceQuery } from '../workflows/messages';

const env = useTestEnv('otel');
const BUNDLE = { codePath: process.env.DURABLE_AGENT_TEST_BUNDLE as string };
const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let connection: NativeConnection;

beforeAll(async () => {
  // Registered globally, as the worker command does: the test's AgentClient (made before) picks it up too.
  tracing = startTracing({ exporter });
  connection = await NativeConnection.connect({ address: env().server.address });
});
afterAll(async () => {
  await tracing?.shutdown();
  await connection?.close();
});

/** Headers of each request the model server got: a pass-through in front of it records them. */
const modelRequestHeaders: Record<string, string | string[] | undefined>[] = [];
let modelProxy: Server | undefined;
let modelProxyUrl = '';
beforeAll(async () => {
  modelProxy = createServer((req, res) => {
    modelRequestHeaders.push(req.headers);
    const upstream = request(`${env().model.url}${req.url ?? ''}`, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => modelProxy?.listen(0, '127.0.0.1', resolve));
  modelProxyUrl = `http://127.0.0.1:${(modelProxy.address() as AddressInfo).port}`;
});
afterAll(async () => new Promise((resolve) => (modelProxy ? modelProxy.close(resolve) : resolve(undefined))));

async function withTracedWorker<T>(fn: (worker: Worker) => Promise<T>, agents: AgentDefinition[] = [testAgent]): Promise<T> {
  const worker = await createAgentWorker({
    agents,
    connection,
    namespace: env().server.namespace,
    taskQueue: env().taskQueue,
    model: { baseURL: modelProxyUrl },
    workflowBundle: BUNDLE,
    // The client's store: a run's record may be archived there.
    store: env().store,
    tracing: tracing.worker,
  });
  return worker.runUntil(() => fn(worker));
}

const attr = (span: ReadableSpan, key: string) => span.attributes[key];
const named = (spans: ReadableSpan[], prefix: string) => spans.filter((s) => s.name.startsWith(prefix));
const typeOf = (span: ReadableSpan) => span.name.slice(span.name.indexOf(':') + 1);

/** The run's trace: every finished span with the StartWorkflow span's trace id, once its run span has arrived. */
async function traceOf(run: AgentRun, correlationId: string): Promise<{ root: ReadableSpan; spans: ReadableSpan[] }> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    await tracing.forceFlush();
    const finished = exporter.getFinishedSpans();
    const root = finished.find((s) => s.name === 'StartWorkflow:agentWorkflow' && attr(s, SPAN_ATTR.correlationId) === correlationId);
    const spans = root ? finished.filter((s) => s.spanContext().traceId === root.spanContext().traceId) : [];
    if (root && spans.some((s) => s.name === 'RunWorkflow:agentWorkflow')) return { root, spans };
    if (Date.now() > deadline) throw new Error(`no complete trace for ${run.workflowId}:\n${render(finished)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The span tree as text (shown when an assertion fails; docs/trace.md's sample comes from it). */
function render(spans: ReadableSpan[]): string {
  const ids = new Set(spans.map((s) => s.spanContext().spanId));
  const children = (parent: string | undefined) =>
    spans
      .filter((s) => (parent === undefined ? !s.parentSpanId || !ids.has(s.parentSpanId) : s.parentSpanId === parent))
      .sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
  const lines: string[] = [];
  const walk = (span: ReadableSpan, depth: number) => {
    const labels = Object.entries(span.attributes)
      .filter(([k]) => k.startsWith('durable_agent.'))
      .map(([k, v]) => `${k.slice('durable_agent.'.length)}=${String(v)}`);
    lines.push(`${'  '.repeat(depth)}${span.name}  ${labels.join(' ')}`);
    for (const child of children(span.spanContext().spanId)) walk(child, depth + 1);
  };
  for (const root of children(undefined)) walk(root, 0);
  return lines.join('\n');
}

const msOf = ([seconds, nanos]: [number, number]) => seconds * 1000 + Math.floor(nanos / 1e6);

function countBy(names: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of names) out[n] = (out[n] ?? 0) + 1;
  return out;
}

test('a run is one trace: StartWorkflow → RunWorkflow → StartActivity → RunActivity, each span labelled with its correlation id', async () => {
  exporter.reset();
  modelRequestHeaders.length = 0;
  // Two runs at once: each run's spans must carry its own id, not the other's.
  const ids = [uniqueId('otel-a'), uniqueId('otel-b')];
  await withTracedWorker(async () => {
    const runs = await Promise.all(ids.map((correlationId) => env().client.start('tester', 'say hi', { scenario: 'happy', correlationId })));
    for (const run of runs) expect((await run.result()).status).toBe('completed');

    for (const [i, run] of runs.entries()) {
      const correlationId = ids[i] as string;
      const { root, spans } = await traceOf(run, correlationId);
      const tree = render(spans);

      // Every span of the trace carries the run's correlation id and agent.
      for (const span of spans.filter((s) => s.instrumentationLibrary.name !== 'com.anthropic.sdk.typescript')) {
        expect({ span: span.name, id: attr(span, SPAN_ATTR.correlationId), agent: attr(span, SPAN_ATTR.agent) }).toEqual({
          span: span.name,
          id: correlationId,
          agent: 'tester',
        });
      }
      expect(root.parentSpanId).toBeUndefined();
      expect(attr(root, 'temporalWorkflowId')).toBe(run.workflowId);

      // The run's span is the StartWorkflow span's child: the context crossed the server in the start request.
      const runSpans = named(spans, 'RunWorkflow:');
      expect(runSpans.map((s) => s.name)).toEqual(['RunWorkflow:agentWorkflow']);
      const runSpan = runSpans[0] as ReadableSpan;
      expect(runSpan.parentSpanId).toBe(root.spanContext().spanId);
      expect(runSpan.resource.attributes['service.name']).toBe('durable-agent-worker');
      expect(attr(runSpan, 'temporalWorkflowId')).toBe(run.workflowId);
      // Only identities go on spans: not the memo (the prompt's first line), which the payload codec keeps private.
      for (const span of spans) expect({ span: span.name, leaks: JSON.stringify(span.attributes).includes('say hi') }).toEqual({ span: span.name, leaks: false });

      // One StartActivity span per activity the history scheduled, each a child of the run's span.
      const scheduled = await scheduledActivities(run);
      expect(scheduled).toEqual(expect.arrayContaining(['model.call', 'tool.echo']));
      const starts = named(spans, 'StartActivity:');
      expect(countBy(starts.map(typeOf))).toEqual(countBy(scheduled));
      for (const s of starts) expect(s.parentSpanId).toBe(runSpan.spanContext().spanId);

      // One RunActivity span per attempt (one each here), the child of its StartActivity span, made on the worker.
      const executions = named(spans, 'RunActivity:');
      expect(countBy(executions.map(typeOf))).toEqual(countBy(scheduled));
      const startById = new Map(starts.map((s) => [s.spanContext().spanId, s]));
      for (const e of executions) {
        expect({ span: e.name, parent: startById.get(e.parentSpanId ?? '')?.name }).toEqual({
          span: e.name,
          parent: `StartActivity:${typeOf(e)}`,
        });
        expect(attr(e, 'temporalWorkflowId')).toBe(run.workflowId);
        expect(e.resource.attributes['service.name']).toBe('durable-agent-worker');
      }

      // Model steps and tool calls are labelled with their step, and tool calls with their tool.
      const steps = (prefix: string) => named(spans, prefix).map((s) => attr(s, SPAN_ATTR.step)).sort();
      expect(steps('StartActivity:model.call')).toEqual([1, 2]);
      expect(steps('RunActivity:model.call')).toEqual([1, 2]);
      for (const s of named(spans, 'StartActivity:tool.echo').concat(named(spans, 'RunActivity:tool.echo'))) {
        expect({ tool: attr(s, SPAN_ATTR.tool), step: attr(s, SPAN_ATTR.step) }).toEqual({ tool: 'echo', step: 1 });
      }
      // OpenTelemetry's GenAI conventions: the run is invoke_agent, each model step one chat, each tool call one
      // execute_tool (the StartActivity spans: one per step or call, whatever its attempts), with what the run's
      // own trace recorded: the model's usage and the model's tool_use ids.
      const result = await run.result();
      const ours = spans.filter((s) => s.instrumentationLibrary.name !== 'com.anthropic.sdk.typescript');
      for (const span of ours) {
        expect({ span: span.name, conversation: attr(span, GEN_AI.conversationId), agent: attr(span, GEN_AI.agentName) }).toEqual({
          span: span.name,
          conversation: correlationId,
          agent: 'tester',
        });
      }
      expect(runSpan.attributes).toMatchObject({
        [GEN_AI.operation]: 'invoke_agent',
        [GEN_AI.provider]: 'anthropic',
        [GEN_AI.requestModel]: 'claude-test',
      });
      const operations = ours.filter((s) => attr(s, GEN_AI.operation) !== undefined);
      expect(countBy(operations.map((s) => `${String(attr(s, GEN_AI.operation))} ${s.name}`))).toEqual({
        'invoke_agent RunWorkflow:agentWorkflow': 1,
        'chat StartActivity:model.call': 2,
        'execute_tool StartActivity:tool.echo': 1,
      });
      const responses = eventsOf(result.trace, 'model_response');
      const chats = named(spans, 'StartActivity:model.call').sort((a, b) => Number(attr(a, SPAN_ATTR.step)) - Number(attr(b, SPAN_ATTR.step)));
      expect(chats.map((s) => s.attributes)).toEqual(
        responses.map((r) =>
          expect.objectContaining({
            [GEN_AI.provider]: 'anthropic',
            [GEN_AI.requestModel]: 'claude-test',
            [GEN_AI.responseModel]: expect.any(String),
            [GEN_AI.inputTokens]: r.usage.inputTokens,
            [GEN_AI.outputTokens]: r.usage.outputTokens,
            [GEN_AI.finishReasons]: [r.stopReason],
          }),
        ),
      );
      expect(responses.every((r) => r.usage.inputTokens > 0 && r.usage.outputTokens > 0)).toBe(true);
      const [echoCall] = eventsOf(result.trace, 'tool_call');
      expect(named(spans, 'StartActivity:tool.echo')[0]?.attributes).toMatchObject({
        [GEN_AI.toolName]: 'echo',
        [GEN_AI.toolCallId]: echoCall?.toolUseId,
        [GEN_AI.toolType]: 'function',
      });
      if (process.env.PRINT_SPAN_TREE) console.log(tree);
    }

    // The model call carries the trace on to the model API (the Anthropic SDK propagates it), but not the run's
    // labels: the baggage that brought them from the workflow to the activity stops there.
    expect(modelRequestHeaders).toHaveLength(4);
    for (const headers of modelRequestHeaders) {
      expect(headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      expect(String(headers.baggage ?? '')).not.toContain('durable_agent');
    }
  });
});

test('an escalated run: the update and query handlers are traced and labelled, the approved tool call joins the run', async () => {
  exporter.reset();
  const correlationId = uniqueId('otel-approval');
  await withTracedWorker(async () => {
    const run = await env().client.start('tester', 'pay the invoice', { scenario: 'approval', correlationId });
    const escalation = await waitForEscalation(run);
    await run.resolve({ escalationId: escalation.id, decision: 'approve', by: 'pat' });
    expect((await run.result()).status).toBe('completed');
    // The SDK traces queries once the run has recorded the flag for it, which its first update does.
    await run.handle.query(traceQuery);

    const { spans } = await traceOf(run, correlationId);
    expect(named(spans, 'RunActivity:tool.wire_money')).toHaveLength(1);

    // The approval's span: from the escalation to the decision, a child of the run's span, linked from the tool
    // call it let run. `by: 'pat'` was not signed (this agent has no approver keys): a claim, so no one is named.
    const approvals = named(spans, 'approval ');
    expect(approvals.map((s) => s.name)).toEqual(['approval approval_required']);
    const approval = approvals[0] as ReadableSpan;
    expect(approval.parentSpanId).toBe(named(spans, 'RunWorkflow:')[0]?.spanContext().spanId);
    expect(approval.attributes).toMatchObject({
      [APPROVAL_ATTR.escalationId]: escalation.id,
      [APPROVAL_ATTR.kind]: 'approval_required',
      [APPROVAL_ATTR.decision]: 'approve',
      [APPROVAL_ATTR.verified]: false,
      [GEN_AI.toolName]: 'wire_money',
      [GEN_AI.toolCallId]: escalation.proposedCall?.toolUseId,
      [GEN_AI.conversationId]: correlationId,
      [SPAN_ATTR.correlationId]: correlationId,
    });
    expect(approval.attributes[APPROVAL_ATTR.resolvedBy]).toBeUndefined();
    expect(JSON.stringify(approval.attributes)).not.toContain('pat');
    // It starts when the escalation was raised (the workflow's clock) and ends once the decision arrived.
    expect(msOf(approval.startTime)).toBe(Date.parse(escalation.raisedAt));
    expect(msOf(approval.endTime)).toBeGreaterThan(msOf(approval.startTime));
    const toolCall = named(spans, 'StartActivity:tool.wire_money')[0] as ReadableSpan;
    expect(toolCall.attributes[GEN_AI.toolCallId]).toBe(escalation.proposedCall?.toolUseId);
    expect(toolCall.links.map((l) => [l.context.spanId, l.attributes?.['durable_agent.link']])).toEqual([[approval.spanContext().spanId, 'approval']]);
    expect(msOf(toolCall.startTime)).toBeGreaterThanOrEqual(msOf(approval.endTime));
    // Handlers run in the trace of whoever called them (the client's query or update), and are labelled with the run.
    const handlers = exporter
      .getFinishedSpans()
      .filter((s) => /^(HandleQuery|HandleUpdate|ValidateUpdate):/.test(s.name) && attr(s, 'temporalWorkflowId') === run.workflowId);
    const names = new Set(handlers.map((s) => s.name.split(':')[0]));
    expect(names).toEqual(new Set(['HandleQuery', 'HandleUpdate', 'ValidateUpdate']));
    for (const h of handlers) expect({ span: h.name, id: attr(h, SPAN_ATTR.correlationId) }).toEqual({ span: h.name, id: correlationId });

    // A traced run replays: the interceptors add no command, and replay sends no span.
    exporter.reset();
    await Worker.runReplayHistory({ workflowBundle: BUNDLE, sinks: SILENT_SINKS }, await run.handle.fetchHistory(), run.workflowId);
    await Worker.runReplayHistory({ workflowBundle: BUNDLE, sinks: { ...SILENT_SINKS, ...tracing.worker.sinks } }, await run.handle.fetchHistory(), run.workflowId);
    await tracing.forceFlush();
    expect(exporter.getFinishedSpans().filter((s) => attr(s, 'temporalWorkflowId') === run.workflowId)).toEqual([]);
  });
});

describe('approval spans', () => {
  const pat = newSigningKey();
  const inbox = newSigningKey();
  const signedAgent = defineAgent({
    name: 'tester',
    model: 'claude-test',
    system: 'You are a test agent.',
    tools: [wireMoney],
    approverKeys: { people: { pat: pat.publicKey }, issuers: { inbox: inbox.publicKey } },
  });
  const signer = (name: string, key: { privateKeyPem: string }) => ({ name, key: createPrivateKey(key.privateKeyPem) });

  test('a signed decision names who decided, and whose key proved it; an issuer vouching for a person names both', async () => {
    exporter.reset();
    await withTracedWorker(async () => {
      const cases = [
        { by: 'pat', key: signer('pat', pat), signerName: 'pat' },
        { by: 'sam', key: signer('inbox', inbox), signerName: 'inbox' },
      ];
      for (const { by, key, signerName } of cases) {
        const correlationId = uniqueId('otel-signed');
        const run = await env().client.start('tester', 'pay acme', { scenario: 'approval', correlationId });
        const escalation = await waitForEscalation(run);
        await run.resolve({ escalationId: escalation.id, decision: 'reject', by, text: 'not this week' }, { signer: key });
        expect((await run.result()).status).toBe('completed');
        const { spans } = await traceOf(run, correlationId);
        const [approval] = named(spans, 'approval ');
        expect(approval?.attributes).toMatchObject({
          [APPROVAL_ATTR.decision]: 'reject',
          [APPROVAL_ATTR.verified]: true,
          [APPROVAL_ATTR.resolvedBy]: by,
          [APPROVAL_ATTR.signer]: signerName,
        });
        // Rejected: the call never ran, so no tool span links to the approval.
        expect(named(spans, 'StartActivity:tool.wire_money')).toEqual([]);
      }
    }, [signedAgent]);
  });

  test('an escalation about a call that already ran (its effect unverified) links to that call\'s span', async () => {
    exporter.reset();
    const correlationId = uniqueId('otel-verify');
    await withTracedWorker(async () => {
      const run = await env().client.start('tester', 'write', { scenario: 'leaky-write', correlationId });
      const escalation = await waitForEscalation(run);
      expect(escalation.kind).toBe('verification_failed');
      await run.resolve({ escalationId: escalation.id, decision: 'answer', by: 'pat', text: 'check the store by hand' });
      expect((await run.result()).status).toBe('completed');
      const { spans } = await traceOf(run, correlationId);
      const [approval] = named(spans, 'approval ');
      const toolCall = named(spans, 'StartActivity:tool.leaky_write').find((s) => s.name === 'StartActivity:tool.leaky_write');
      expect(approval?.name).toBe('approval verification_failed');
      expect(approval?.attributes).toMatchObject({ [APPROVAL_ATTR.decision]: 'answer', [GEN_AI.toolCallId]: escalation.proposedCall?.toolUseId });
      expect(approval?.links.map((l) => [l.context.spanId, l.attributes?.['durable_agent.link']])).toEqual([[toolCall?.spanContext().spanId, 'tool_call']]);
    });
  });
});

describe('where spans go', () => {
  test('the console exporter writes one JSON object per span and line; no span carries an API key', async () => {
    exporter.reset();
    const key = `sk-ant-api03-${'x'.repeat(24)}`;
    tracing.tracer.startActiveSpan('model call that failed', (span) => {
      span.setAttribute(SPAN_ATTR.correlationId, 'c-1');
      span.setStatus({ code: SpanStatusCode.ERROR, message: `401 invalid x-api-key ${key}` });
      span.recordException(new Error(`authentication failed for ${key}`));
      span.end();
    });
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(1);

    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => (text += chunk.toString()));
    await new Promise<void>((resolve) => new JsonLinesSpanExporter(out).export([...spans, ...spans], () => resolve()));
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      otel: 'span',
      service: 'durable-agent-worker',
      name: 'model call that failed',
      traceId: spans[0]?.spanContext().traceId,
      status: 'error',
      statusMessage: '401 invalid x-api-key [redacted api key]',
      attributes: { [SPAN_ATTR.correlationId]: 'c-1' },
      events: [{ name: 'exception', attributes: expect.objectContaining({ 'exception.message': 'authentication failed for [redacted api key]' }) }],
    });
    expect(text).not.toContain(key);
  });
});
