/**
 * The runs whose histories are committed under test/histories/ and replayed on every change. Each plays one
 * scenario and, where it escalates, the person's part; together they cover every branch of the workflow.
 */
import type { Resolution } from '../../common/escalation';
import type { StartRunOptions } from '../../client/agent-client';

export interface RecordedRun {
  /** File name under test/histories/ (without .json). */
  name: string;
  agent: 'ops' | 'tester';
  prompt: string;
  start: Omit<StartRunOptions, 'correlationId'>;
  /** Decisions a person makes, in order, one per escalation (escalationId filled in when it happens). */
  decisions?: Omit<Resolution, 'escalationId'>[];
}

export const RECORDED_RUNS: RecordedRun[] = [
  {
    name: 'ops-demo',
    agent: 'ops',
    prompt: 'Ana (ana@example.com) says her teapot from order ord_1001 arrived broken. Book a callback next Tuesday at 3pm and refund the order.',
    start: { scenario: 'demo' },
    decisions: [{ decision: 'approve', by: 'demo-operator' }],
  },
  { name: 'happy', agent: 'tester', prompt: 'say hi', start: { scenario: 'happy' } },
  // Three reads of one response dispatched together (workflows/turn.ts, PARALLEL_READS_PATCH).
  { name: 'parallel-reads', agent: 'tester', prompt: 'echo three', start: { scenario: 'parallel-echo' } },
  { name: 'corrective-success', agent: 'tester', prompt: 'book it', start: { scenario: 'corrective-success' } },
  {
    name: 'two-failures-edit',
    agent: 'tester',
    prompt: 'book it',
    start: { scenario: 'two-failures' },
    decisions: [{ decision: 'edit', by: 'pat', args: { startsAt: '2026-12-02T09:00:00Z', minutes: 30 } }],
  },
  {
    name: 'tool-refuses-answer',
    agent: 'tester',
    prompt: 'try',
    start: { scenario: 'tool-nonretryable' },
    decisions: [{ decision: 'answer', by: 'pat', text: 'stop' }],
  },
  { name: 'unknown-tool', agent: 'tester', prompt: 'clean up', start: { scenario: 'unknown-tool' } },
  { name: 'bad-output', agent: 'tester', prompt: 'count', start: { scenario: 'bad-output' } },
  { name: 'tool-retryable', agent: 'tester', prompt: 'try', start: { scenario: 'tool-retryable' } },
  {
    name: 'approval-reject',
    agent: 'tester',
    prompt: 'pay acme',
    start: { scenario: 'approval' },
    decisions: [{ decision: 'reject', by: 'pat', text: 'wrong vendor' }],
  },
  {
    name: 'approval-abort',
    agent: 'tester',
    prompt: 'pay acme',
    start: { scenario: 'approval' },
    decisions: [{ decision: 'abort', by: 'pat' }],
  },
  { name: 'approval-timeout', agent: 'tester', prompt: 'pay acme', start: { scenario: 'approval', options: { escalationTimeoutMs: 1000 } } },
  {
    name: 'step-limit-approve',
    agent: 'tester',
    prompt: 'loop',
    start: { scenario: 'step-limit', options: { limits: { maxSteps: 3 } } },
    decisions: [{ decision: 'approve', by: 'pat' }],
  },
  { name: 'model-429', agent: 'tester', prompt: 'hello', start: { scenario: 'model-429' } },
  { name: 'model-400', agent: 'tester', prompt: 'hello', start: { scenario: 'model-400' } },
  {
    name: 'advise-approve',
    agent: 'tester',
    prompt: 'book',
    start: { scenario: 'advise', options: { mode: 'advise' } },
    decisions: [{ decision: 'approve', by: 'pat' }],
  },
  {
    name: 'out-of-scope-reject',
    agent: 'tester',
    prompt: 'pay acme',
    start: { scenario: 'out-of-scope', options: { scope: ['echo'] } },
    decisions: [{ decision: 'reject', by: 'pat' }],
  },
  {
    name: 'low-confidence-reject',
    agent: 'tester',
    prompt: 'book',
    start: { scenario: 'low-confidence' },
    decisions: [{ decision: 'reject', by: 'pat', text: 'ask the user' }],
  },
  {
    name: 'tightened-approve',
    agent: 'tester',
    prompt: 'move',
    start: { scenario: 'tightened' },
    decisions: [{ decision: 'approve', by: 'pat' }],
  },
  {
    name: 'verification-failed-answer',
    agent: 'tester',
    prompt: 'write',
    start: { scenario: 'leaky-write' },
    decisions: [{ decision: 'answer', by: 'pat', text: 'check the store by hand' }],
  },
  {
    name: 'model-spend-limit-approve',
    agent: 'tester',
    prompt: 'hello',
    start: { scenario: 'model-spend-limit' },
    decisions: [{ decision: 'approve', by: 'pat' }],
  },
  {
    name: 'model-overloaded-answer',
    agent: 'tester',
    prompt: 'hello',
    // Overload past a small rate-limit budget (the recording before the budget, five 529s and no budget, is in
    // before-rate-limit-budget/).
    start: { scenario: 'model-overloaded-budget', options: { modelRetry: { initialIntervalMs: 200, maximumIntervalMs: 400, rateLimitBudgetMs: 300 } } },
    decisions: [{ decision: 'answer', by: 'pat', text: 'the API is back' }],
  },
  // Five 429s ridden out within the budget: the step reports its attempts.
  { name: 'model-429-burst', agent: 'tester', prompt: 'hello', start: { scenario: 'model-429-burst' } },
  // A tool retried twice, reporting its attempts (tool-retryable is the same run recorded before that).
  { name: 'tool-retryable-attempts', agent: 'tester', prompt: 'call flaky', start: { scenario: 'tool-retryable' } },
  {
    name: 'max-tokens-cut-reject',
    agent: 'tester',
    prompt: 'book',
    start: { scenario: 'max-tokens-cut' },
    decisions: [{ decision: 'reject', by: 'pat' }],
  },
  {
    name: 'unknown-block-reject',
    agent: 'tester',
    prompt: 'pay',
    start: { scenario: 'unknown-block' },
    decisions: [{ decision: 'reject', by: 'pat' }],
  },
  {
    name: 'cost-limit-abort',
    agent: 'tester',
    prompt: 'loop',
    start: { scenario: 'step-limit', options: { limits: { maxCostUsd: 0.0000001 } } },
    decisions: [{ decision: 'abort', by: 'pat' }],
  },
  {
    // Continues as new after its first step and again after the person's edit: one file per execution
    // (continued-two-failures-edit~1.json, ~2, ...), the first ones ending in ContinuedAsNew, the later ones starting
    // from what the earlier carried (conversation reference, trace, ledger, corrective streak).
    name: 'continued-two-failures-edit',
    agent: 'tester',
    prompt: 'book it',
    start: { scenario: 'two-failures', options: { continueAsNew: { maxEvents: 10 } } },
    decisions: [{ decision: 'edit', by: 'pat', args: { startsAt: '2026-12-02T09:00:00Z', minutes: 30 } }],
  },
  {
    // The same run since executions archive their record (workflows/record-archive.ts): each execution ends with
    // agent.archiveRecord, the continued inputs carry the heads and the duplicate marks, the result the final heads.
    name: 'archived-two-failures-edit',
    agent: 'tester',
    prompt: 'book it',
    start: { scenario: 'two-failures', options: { continueAsNew: { maxEvents: 10 } } },
    decisions: [{ decision: 'edit', by: 'pat', args: { startsAt: '2026-12-02T09:00:00Z', minutes: 30 } }],
  },
  {
    // A failed turn with an unusable block beside the failed call, edited by a person: the edited call's result
    // goes back in the one user message the turn builds.
    name: 'edit-after-unusable-block',
    agent: 'tester',
    prompt: 'book it',
    start: { scenario: 'edit-after-unusable-block' },
    decisions: [{ decision: 'edit', by: 'pat', args: { startsAt: '2026-12-02T09:00:00Z', minutes: 30 } }],
  },
];

/** A run that continued as new is committed as one file per execution: `<name>~<n>.json`, n from 1. */
export const EXECUTION_SEPARATOR = '~';
