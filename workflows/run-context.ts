/**
 * The state one agent run carries, and the two moves every part of the loop needs: record a status change (kept
 * in the search attributes, so visibility queries find the run) and escalate to a person.
 */
import { patched, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { ALLOWED_DECISIONS, type DuplicateOf, type Escalation, type EscalationKind, type ProposedCall, type RefusedCall, type Resolution } from '../common/escalation';
import type { AuthorityMode } from '../common/policy';
import type { AgentRunInput, AgentSpec, LedgerEntry, Recommendation, RunLimits, RunState, RunStatus, ToolSpec } from '../common/run';
import { AGENT_STATUS, ESCALATION_PENDING } from '../common/search-attributes';
import type { ArchivedRecord, ActionMark } from '../common/run-record';
import { NOTHING_ARCHIVED } from '../common/run-record';
import type { ToolCallError } from '../common/trace';
import { agentActivities } from './activity-stubs';
import { traceApproval } from './approval-span';
import { requiresProof } from '../common/approval-proof';
import { Conversation } from './conversation';
import { EscalationDesk } from './escalation-desk';
import { TraceLog } from './trace-log';
import { UiDetails } from './ui-details';

/**
 * How a run ends: thrown from deep inside the loop (by the functions whose names end in `OrEnd`), caught once at
 * the top of the workflow. Never reaches Temporal: the top turns it into the run's result or failure.
 */
export class RunEnded extends Error {
  override readonly name = 'RunEnded';
  constructor(
    readonly status: 'completed' | 'failed' | 'timed_out' | 'cancelled',
    readonly text: string,
    readonly errorType?: string,
  ) {
    super(text);
  }
}

/** Runs started before policy came only from the registry let options loosen it; they replay that way. */
export const POLICY_FROM_REGISTRY_PATCH = 'policy-from-registry';

export class RunContext {
  readonly workflowId: string;
  readonly runId: string;
  readonly state: RunState;
  readonly trace: TraceLog;
  readonly desk: EscalationDesk;
  /** What the Temporal UI shows as the run's current details (workflows/ui-details.ts). */
  readonly details: UiDetails;
  readonly conversation: Conversation;
  readonly recommendations: Recommendation[] = [];
  /**
   * Every action this execution ran (write, irreversible), as it ran; with a run continued before records were
   * archived, every action of the run. Earlier executions' entries are in the store (`archivedBefore.ledger`).
   */
  readonly ledger: LedgerEntry[] = [];
  /** The trace and ledger of earlier executions, in the store: `trace.offset` events and this many entries. */
  readonly archivedBefore: ArchivedRecord;
  /** What earlier executions did and asked, for duplicate detection (workflows/duplicates.ts). */
  readonly earlierActions: readonly ActionMark[];
  /** The record in the store as this execution archives its own part (workflows/record-archive.ts). */
  archivedNow: ArchivedRecord;
  /** How many of this execution's events and entries are in `archivedNow`. */
  unarchived = { trace: 0, ledger: 0 };
  spec!: AgentSpec;
  limits!: RunLimits;
  private escalations = 0;
  /**
   * Policy from the worker's registry only (workflows/run-policy.ts): options narrow, never loosen, and continued
   * executions re-read the agent. Runs started before that replay with the rules they ran under.
   */
  readonly policyFromRegistry: boolean;
  /** The run's step count when this execution started: what continue-as-new carried in. */
  readonly stepAtStart: number;
  /** Failed turns in a row, for the corrective budget (workflows/corrective-rule.ts); crosses continue-as-new. */
  failureStreak = 0;

  constructor(readonly input: AgentRunInput) {
    ({ workflowId: this.workflowId, runId: this.runId } = workflowInfo());
    this.policyFromRegistry = patched(POLICY_FROM_REGISTRY_PATCH);
    this.state = {
      status: 'running',
      mode: input.options?.mode ?? 'act',
      agent: input.agent,
      correlationId: input.correlationId,
      step: 0,
      usage: { inputTokens: 0, outputTokens: 0 },
      costUsd: 0,
      pendingEscalation: null,
    };
    const carried = input.continued;
    this.archivedBefore = carried?.record?.archived ?? NOTHING_ARCHIVED;
    this.archivedNow = this.archivedBefore;
    this.earlierActions = carried?.record?.actions ?? [];
    this.trace = new TraceLog(
      { correlationId: input.correlationId, workflowId: this.workflowId, runId: this.runId },
      () => this.state.step,
      input.agent,
      carried?.trace,
      () => (this.spec ? this.spec.tools.map((t) => t.name) : []),
      this.archivedBefore.trace?.count ?? 0,
    );
    this.desk = new EscalationDesk(this.trace);
    this.details = new UiDetails(() => ({ ...this.state, pendingEscalation: this.desk.current }), carried?.trace, carried?.record);
    this.trace.listen((event) => this.details.observe(event));
    this.conversation = carried ? new Conversation(carried.conversation) : Conversation.start(input.prompt);
    if (carried) {
      // Continued as new: the same run goes on, with what it had spent and done.
      Object.assign(this.state, { step: carried.step, usage: carried.usage, costUsd: carried.costUsd });
      this.ledger.push(...carried.ledger);
      this.recommendations.push(...carried.recommendations);
      this.escalations = carried.escalations;
      this.failureStreak = carried.failureStreak;
      // The spec the run recorded at its start. Carried state reaches here only from the execution's own
      // predecessor (agentWorkflow refuses it otherwise: workflows/carried-state.ts), and before any step the
      // workflow reads the agent from this worker's registry again and keeps the stricter of the two
      // (retakePolicy, workflows/run-policy.ts): the record fixes the model, prompt and tools, never a looser policy.
      this.spec = carried.spec;
      this.limits = carried.limits;
    }
    this.stepAtStart = this.state.step;
  }

  /** Actions the run has taken so far, across its executions. */
  get actionCount(): number {
    return (this.archivedBefore.ledger?.count ?? 0) + this.ledger.length;
  }

  /** Escalations raised so far in the run (across its executions). */
  get escalationCount(): number {
    return this.escalations;
  }

  get mode(): AuthorityMode {
    return this.state.mode;
  }

  /** The agent's corrective budget, or the run's when that is lower. */
  get correctiveRetries(): number {
    const requested = this.input.options?.correctiveRetries;
    if (!this.policyFromRegistry) return requested ?? this.spec.correctiveRetries;
    return Math.min(requested ?? this.spec.correctiveRetries, this.spec.correctiveRetries);
  }

  get escalationTimeoutMs(): number {
    return this.input.options?.escalationTimeoutMs ?? this.spec.escalationTimeoutMs;
  }

  tool(name: string): ToolSpec | undefined {
    return this.spec.tools.find((t) => t.name === name);
  }

  /** The tools this run may use: the run's scope, or all the agent's. */
  inScope(name: string): boolean {
    const scope = this.input.options?.scope;
    return !scope || scope.includes(name);
  }

  /** The strictest of the tool's, the agent's and the run's thresholds (a run may raise it, never lower it). */
  minConfidence(tool: ToolSpec): number {
    const requested = this.input.options?.minConfidence;
    if (!this.policyFromRegistry) return Math.max(tool.minConfidence ?? 0, requested ?? this.spec.minConfidence);
    return Math.max(tool.minConfidence ?? 0, this.spec.minConfidence, requested ?? 0);
  }

  setStatus(status: RunStatus): void {
    this.state.status = status;
    upsertSearchAttributes([
      { key: AGENT_STATUS, value: status },
      { key: ESCALATION_PENDING, value: status === 'escalated' },
    ]);
    this.details.refresh();
  }

  /** Raises an escalation and returns the person's decision; a timeout or an abort ends the run (RunEnded). */
  async escalateOrEnd(
    kind: EscalationKind,
    reason: string,
    extra: { proposedCall?: ProposedCall; errors?: ToolCallError[]; refusedCalls?: RefusedCall[]; duplicateOf?: DuplicateOf } = {},
  ): Promise<Resolution> {
    const now = Date.now();
    const timeoutMs = this.escalationTimeoutMs;
    const tool = extra.proposedCall && this.tool(extra.proposedCall.tool);
    const escalation: Escalation = {
      id: `${this.workflowId}/esc-${++this.escalations}`,
      kind,
      reason,
      step: this.state.step,
      raisedAt: new Date(now).toISOString(),
      deadline: new Date(now + timeoutMs).toISOString(),
      ...extra,
      allowedDecisions: ALLOWED_DECISIONS[kind].filter((d) => d !== 'edit' || extra.proposedCall !== undefined),
      approvers: narrowedByRun(tool?.approvers ?? this.spec.approvers, this.input.options?.approvers),
      ...(requiresProof(this.spec.approverKeys) ? { approverKeys: this.spec.approverKeys } : {}),
    };
    this.setStatus('escalated');
    // An accepted edit runs with the arguments its check returned: exactly the keys the tool's schema declares, so
    // the ledger records what ran and not whatever else the person (or whoever sent the Update) put in.
    const checked = new Map<Resolution, Record<string, unknown>>();
    const waiting = this.desk.waitFor(escalation, async (resolution) => {
      if (resolution.decision !== 'edit' || !escalation.proposedCall) return undefined;
      // Corrected arguments go through the tool's schema too: a person's typo is not executed either.
      const check = await agentActivities['agent.checkToolArgs']({
        agent: this.spec.name,
        tool: escalation.proposedCall.tool,
        toolUseId: escalation.proposedCall.toolUseId,
        args: resolution.args,
      });
      if (check.ok) {
        checked.set(resolution, check.args);
        return undefined;
      }
      const fields = check.error.fields?.map((f) => `${f.path}: expected ${f.expected}, got ${f.received}`).join('; ');
      return `edited arguments rejected: ${fields ?? check.error.message}`;
    });
    traceApproval(escalation, this.input, waiting);
    const outcome = await waiting;
    if (outcome === 'timeout') {
      throw new RunEnded('timed_out', `escalation ${escalation.id} (${kind}) waited ${timeoutMs} ms with no decision; no action was taken`);
    }
    if (outcome.decision === 'abort') {
      throw new RunEnded('cancelled', `aborted by ${outcome.by}${outcome.text ? `: ${outcome.text}` : ''}`);
    }
    this.setStatus('running');
    const args = checked.get(outcome);
    return args ? { ...outcome, args } : outcome;
  }
}

/**
 * The approvers of an escalation, narrowed by the run's `approvers` option: the people on both lists. The option
 * never widens: an agent list that is empty (anyone) becomes the run's list; a run list that shares no one with
 * the agent's leaves the agent's (no list at all would mean anyone).
 */
export function narrowedByRun(agent: string[], run: string[] | undefined): string[] {
  if (!run || run.length === 0) return agent;
  if (agent.length === 0) return [...run];
  const both = agent.filter((p) => run.includes(p));
  return both.length > 0 ? both : agent;
}
