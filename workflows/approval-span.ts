/**
 * An OpenTelemetry span for each escalation, from the moment it is raised to its resolution (or its timeout), so
 * a trace shows how long a run waited for a person, who decided and what, next to the tool call it was about.
 *
 * Made in workflow code, which is fine for the same reason Temporal's own workflow spans are: a span is no
 * command, and the sandbox's clock is the history's. A run evicted from the cache while it waits starts the span
 * again on replay, with the same start time (the escalation's, from history), and ends it when the decision
 * arrives; spans leave the sandbox only through the `exporter` sink, which Temporal does not call during replay. In
 * a bundle without the tracing interceptors no tracer provider is registered and the span is a no-op.
 *
 * Linked to the tool call's span (the workflow's `StartActivity:tool.<name>`, the `execute_tool` span): an
 * escalation about a call that already ran (`verification_failed`) links to that call's span; a call that runs
 * only once a person approves it (`approval_required`, `low_confidence`, `recommendation`) links back to the
 * approval's span when it is scheduled (workflows/tracing-interceptors.ts), since a span's links are fixed once it
 * has ended.
 */
import { SpanStatusCode, trace, type Span, type SpanContext } from '@opentelemetry/api';
import { requiresProof } from '../common/approval-proof';
import type { Escalation, Resolution } from '../common/escalation';
import { ERROR_TYPE, errorType, GEN_AI, genAiRunAttributes } from '../common/gen-ai-attributes';
import { runSpanAttributes, SPAN_ATTR, type SpanAttributes } from '../common/span-attributes';
import { clip } from '../common/text';

/** The approval span's own attributes, beside the run's and the tool's. */
export const APPROVAL_ATTR = {
  escalationId: 'durable_agent.escalation.id',
  kind: 'durable_agent.escalation.kind',
  /** The accepted decision, or `timeout` when none came, or `ended` when the run ended while it waited. */
  decision: 'durable_agent.approval.decision',
  /** Whether the resolution carried a signature the workflow verified (docs/security.md). */
  verified: 'durable_agent.approval.verified',
  /** Who decided, only when `verified`: a resolution's `by` is otherwise only a claim. */
  resolvedBy: 'durable_agent.approval.resolved_by',
  /** Whose key proved it: the person, or the issuer that vouched for them (the inbox). */
  signer: 'durable_agent.approval.signer',
} as const;

// Module state is per workflow execution (the bundle's modules are instantiated once per run in the sandbox).
/** Each `tool.<name>` call's span, by tool_use id, as it is scheduled. */
const toolCallSpans: Record<string, SpanContext> = {};
/** Approval spans whose tool call has not been scheduled yet, by tool_use id. */
const approvalsBeforeCall: Record<string, SpanContext> = {};

/**
 * Called as a tool call's span is opened: remembers it for an escalation about it later, and links it to the
 * approval that let it run, if one did.
 */
export function toolCallScheduled(toolUseId: string, span: Span | undefined): void {
  if (!span) return;
  toolCallSpans[toolUseId] = span.spanContext();
  const approval = approvalsBeforeCall[toolUseId];
  if (!approval) return;
  delete approvalsBeforeCall[toolUseId];
  span.addLink({ context: approval, attributes: { [LINK_ATTR]: 'approval' } });
}

/** On a link: what the linked span is to this one. */
const LINK_ATTR = 'durable_agent.link';

/**
 * Opens the escalation's span now (as it is raised) and ends it when `waiting` settles, without adding a step to
 * the workflow's own promise chain: an extra `await` there would change when the code after it runs relative to
 * other handlers, which is the kind of ordering replay depends on.
 */
export function traceApproval(escalation: Escalation, runInput: unknown, waiting: Promise<Resolution | 'timeout'>): void {
  const toolUseId = escalation.proposedCall?.toolUseId;
  const ranAlready = toolUseId ? toolCallSpans[toolUseId] : undefined;
  const run = runSpanAttributes(runInput);
  const span = trace.getTracer('durable-agent').startSpan(`approval ${escalation.kind}`, {
    attributes: { ...run, ...genAiRunAttributes(run), ...escalationAttributes(escalation) },
    links: ranAlready ? [{ context: ranAlready, attributes: { [LINK_ATTR]: 'tool_call' } }] : [],
  });
  if (toolUseId && !ranAlready) approvalsBeforeCall[toolUseId] = span.spanContext();
  void waiting.then(
    (outcome) => {
      span.setAttributes(outcomeAttributes(escalation, outcome));
      if (outcome === 'timeout') span.setStatus({ code: SpanStatusCode.ERROR, message: 'no decision before the deadline' });
      span.end();
    },
    (err: unknown) => {
      span.setAttributes({ [APPROVAL_ATTR.decision]: 'ended', [ERROR_TYPE]: errorType(err) });
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'the run ended while it waited' });
      span.end();
    },
  );
}

/** What is known when the escalation is raised. */
export function escalationAttributes(escalation: Escalation): SpanAttributes {
  const call = escalation.proposedCall;
  return {
    [APPROVAL_ATTR.escalationId]: escalation.id,
    [APPROVAL_ATTR.kind]: escalation.kind,
    [SPAN_ATTR.step]: escalation.step,
    ...(call ? { [SPAN_ATTR.tool]: call.tool, [GEN_AI.toolName]: call.tool, [GEN_AI.toolCallId]: call.toolUseId } : {}),
  };
}

/**
 * What the resolution adds: the decision, and who made it only when a signature proved it. Without approver keys
 * anyone with write access to the namespace can send `by: "cfo"`, and a span saying the CFO approved would be
 * the kind of record people believe.
 *
 * @example
 * outcomeAttributes(escalationWithKeys, { decision: 'approve', by: 'pat', proof: { signer: 'inbox', ... } })
 * // { 'durable_agent.approval.decision': 'approve', '...verified': true, '...resolved_by': 'pat', '...signer': 'inbox' }
 */
export function outcomeAttributes(escalation: Escalation, outcome: Resolution | 'timeout'): SpanAttributes {
  if (outcome === 'timeout') return { [APPROVAL_ATTR.decision]: 'timeout', [APPROVAL_ATTR.verified]: false, [ERROR_TYPE]: 'timeout' };
  // Accepted resolutions only reach here; with keys configured, acceptance means the signature was checked.
  const verified = requiresProof(escalation.approverKeys) && typeof outcome.proof?.signer === 'string';
  return {
    [APPROVAL_ATTR.decision]: outcome.decision,
    [APPROVAL_ATTR.verified]: verified,
    ...(verified ? { [APPROVAL_ATTR.resolvedBy]: clip(outcome.by, 128), [APPROVAL_ATTR.signer]: clip(outcome.proof?.signer ?? '', 128) } : {}),
  };
}
