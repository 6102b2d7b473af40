/**
 * What the inbox shows and does, on top of the client API: the escalated runs (from Temporal's visibility store,
 * so it works across workers and restarts) with what each one waits on, and a person's decision sent as the
 * validated Update.
 */
import type { ResolutionSigner } from '../client/sign-resolution';
import { ResolutionRejectedError, RunNotFoundError, type AgentClient } from '../client/agent-client';
import { runUrl } from '../client/config';
import { classifyUndecodable, undecodableMessage, type Undecodable } from '../client/undecodable';
import { DECISIONS, type Decision, type Escalation, type Resolution, type ResolutionOutcome } from '../common/escalation';
import type { TraceEvent } from '../common/trace';
import { summarize } from '../cli/output';

/** How many of the latest trace events each card carries: enough context, without shipping a long run whole. */
export const TRACE_TAIL = 60;

/** Reads of an open run go through a worker; past this, the card says no worker answered. */
const WORKER_TIMEOUT_MS = 5_000;

export interface InboxItem {
  workflowId: string;
  runId: string;
  agent: string;
  correlationId: string;
  /** The run's page in the Temporal Web UI, or null when nothing says where that UI is (the card says so). */
  uiUrl: string | null;
  escalation: Escalation | null;
  /** Why the escalation or trace could not be read (typically: no worker polls the run's task queue). */
  error?: string;
  /**
   * Set when this inbox cannot decode the run's payloads: the cause, and what to set. The card then shows which run
   * and why, from its search attributes (which are not encrypted), and offers no decision.
   */
  undecodable?: Undecodable;
  /** The last TRACE_TAIL events, each with a one-line summary. */
  trace: { seq: number; at: string; step: number; kind: string; line: string }[];
  traceLength: number;
}

/**
 * The escalated runs, each with what it waits on. One run this inbox cannot decode is one card saying so; it never
 * takes the list down with it.
 */
export async function escalatedRuns(client: AgentClient, opts: { uiBase: string | null; limit?: number }): Promise<InboxItem[]> {
  const { uiBase, limit = 100 } = opts;
  const runs = await client.list({ status: 'escalated', limit });
  return Promise.all(
    runs.map(async (r): Promise<InboxItem> => {
      const base = {
        workflowId: r.workflowId,
        runId: r.runId,
        agent: r.agent,
        correlationId: r.correlationId,
        uiUrl: uiBase === null ? null : runUrl({ namespace: client.settings.namespace, uiUrl: uiBase }, r.workflowId, r.runId),
      };
      const unreadable = (undecodable: Undecodable): InboxItem => ({
        ...base,
        escalation: null,
        error: undecodableMessage(r.workflowId, undecodable),
        undecodable,
        trace: [],
        traceLength: 0,
      });
      // Its memo could not be decoded: its escalation and trace could not be either, so they are not asked for.
      if (r.undecodable) return unreadable(r.undecodable);
      try {
        const run = await client.run(r.workflowId);
        const [escalation, trace] = await withTimeout(Promise.all([run.pendingEscalation(), run.trace()]));
        return { ...base, escalation, trace: traceTail(trace), traceLength: trace.length };
      } catch (err) {
        const undecodable = classifyUndecodable(err);
        if (undecodable) return unreadable(undecodable);
        return { ...base, escalation: null, error: firstLine(err), trace: [], traceLength: 0 };
      }
    }),
  );
}

function traceTail(trace: TraceEvent[]): InboxItem['trace'] {
  return trace.slice(-TRACE_TAIL).map((e) => ({ seq: e.seq, at: e.at, step: e.step, kind: e.kind, line: summarize(e) }));
}

/** A decision as the page sends it; `by` is never taken from the request, it is the person's configured identity. */
export interface DecisionRequest {
  escalationId: string;
  decision: Decision;
  args?: Record<string, unknown>;
  text?: string;
}

export class BadDecisionError extends Error {
  override name = 'BadDecisionError';
}

/** Checks the request body's shape; the workflow's validator then checks it against the escalation itself. */
export function parseDecision(body: unknown): DecisionRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadDecisionError('expected a JSON object');
  const b = body as Record<string, unknown>;
  if (typeof b.escalationId !== 'string' || b.escalationId === '') throw new BadDecisionError('escalationId is required');
  if (typeof b.decision !== 'string' || !(DECISIONS as readonly string[]).includes(b.decision)) {
    throw new BadDecisionError(`decision must be one of ${DECISIONS.join(', ')}`);
  }
  const decision = b.decision as Decision;
  if (b.args !== undefined && (typeof b.args !== 'object' || b.args === null || Array.isArray(b.args))) {
    throw new BadDecisionError('args must be a JSON object');
  }
  if (decision === 'edit' && b.args === undefined) throw new BadDecisionError('edit needs the corrected args');
  if (b.text !== undefined && typeof b.text !== 'string') throw new BadDecisionError('text must be a string');
  if (decision === 'answer' && !(typeof b.text === 'string' && b.text.trim())) throw new BadDecisionError('answer needs text');
  return {
    escalationId: b.escalationId,
    decision,
    ...(decision === 'edit' ? { args: b.args as Record<string, unknown> } : {}),
    ...(typeof b.text === 'string' && b.text.trim() ? { text: b.text } : {}),
  };
}

export type DecisionResult =
  | { ok: true; outcome: ResolutionOutcome }
  | { ok: false; status: number; error: string };

/**
 * Sends the person's decision. With `signer` (the inbox's issuer key), the resolution is signed as a trusted
 * issuer's assertion that `by` made it: agents with approver keys accept nothing else.
 */
export async function decide(
  client: AgentClient,
  workflowId: string,
  decision: { request: DecisionRequest; by: string; signer?: ResolutionSigner },
): Promise<DecisionResult> {
  const { request, by, signer } = decision;
  const resolution: Resolution = { ...request, by };
  try {
    const run = await client.run(workflowId);
    // The Update waits for a worker to run the validator and the handler; without one it would wait indefinitely.
    const outcome = await withTimeout(run.resolve(resolution, { signer }), 30_000);
    return { ok: true, outcome };
  } catch (err) {
    if (err instanceof ResolutionRejectedError) return { ok: false, status: 409, error: err.message };
    if (err instanceof RunNotFoundError) return { ok: false, status: 404, error: err.message };
    if (err instanceof NoWorkerError) return { ok: false, status: 504, error: err.message };
    const undecodable = classifyUndecodable(err);
    if (undecodable) return { ok: false, status: 422, error: undecodableMessage(workflowId, undecodable) };
    return { ok: false, status: 502, error: firstLine(err) };
  }
}

class NoWorkerError extends Error {
  override name = 'NoWorkerError';
}

function withTimeout<T>(promise: Promise<T>, ms = WORKER_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new NoWorkerError('no worker answered (is `durable-agent worker` running?)')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0] ?? message;
}
