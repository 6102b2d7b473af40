/** The rules `explain` tells a run by (common/explain-run.ts), on traces built here; test/explain-long-run.test.ts runs one. */
import { explainRun, size } from '../common/explain-run';
import type { AgentRunInput } from '../common/run';
import type { TraceEvent, TraceEventBody } from '../common/trace';

const input = { agent: 'auditor', prompt: 'Audit.', correlationId: 'c-1' } as AgentRunInput;

function trace(...steps: TraceEventBody[][]): TraceEvent[] {
  const events: TraceEvent[] = [];
  steps.forEach((bodies, i) =>
    bodies.forEach((body) =>
      events.push({ v: 1, seq: events.length, correlationId: 'c-1', workflowId: 'w', runId: 'r', step: i + 1, at: '2026-12-02T10:00:00.000Z', ...body } as TraceEvent),
    ),
  );
  return events;
}

function readStep(page: number, extra: Partial<Extract<TraceEventBody, { kind: 'tool_result' }>> = {}): TraceEventBody[] {
  const id = `t${page}`;
  return [
    { kind: 'model_response', text: `Page ${page}.`, stopReason: 'tool_use', toolCalls: [{ toolUseId: id, name: 'read_page' }], usage: { inputTokens: 1, outputTokens: 1 } },
    { kind: 'tool_call', toolUseId: id, tool: 'read_page', args: { page }, reasoning: '', effect: 'read' },
    { kind: 'tool_result', toolUseId: id, tool: 'read_page', result: { page }, ...extra },
  ];
}
const done: TraceEventBody[] = [{ kind: 'completion', status: 'completed', text: 'Done.' }];

test('fewer than four alike steps are each told; four or more keep the first and last and tell the middle once', () => {
  const three = explainRun(input, trace(readStep(0), readStep(1), readStep(2), done));
  expect(three).not.toContain('went the same way');
  expect(three).toContain('Step 3: read_page ran and returned {"page":2}.');

  const four = explainRun(input, trace(readStep(0), readStep(1), readStep(2), readStep(3), done)).split('\n');
  expect(four).toContain('Step 1: read_page ran and returned {"page":0}.');
  expect(four).toContain('Steps 2–3 (2 steps) went the same way: the model proposed read_page and they ran 2 times.');
  expect(four).toContain('Step 4: read_page ran and returned {"page":3}.');
  expect(four.some((l) => l.startsWith('Step 2:'))).toBe(false);
});

test('a retried call, a stored result inside the row and an approved action break it or are counted, never hidden', () => {
  const retried = readStep(5, { attempts: { count: 3, reasons: [{ attempt: 1, kind: 'worker_lost' }, { attempt: 2, kind: 'worker_lost' }], waitedMs: 0 } });
  const told = explainRun(input, trace(readStep(0), readStep(1), readStep(2), readStep(3), readStep(4), retried, done));
  expect(told).toContain('Steps 2–4 (3 steps) went the same way');
  expect(told).toContain('Step 6: read_page ran and returned {"page":5}; the call took 3 attempts: the workers of attempts 1, 2 were lost');

  const stored = readStep(2, { result: { $offloaded: { key: 'f'.repeat(64), bytes: 3 * 1024 * 1024, preview: '{"page":2' } } });
  const counted = explainRun(input, trace(readStep(0), readStep(1), stored, readStep(3), readStep(4), done));
  expect(counted).toContain('Steps 2–4 (3 steps) went the same way: the model proposed read_page and they ran 3 times; one result was large and stored (3.0 MB in all).');
  expect(counted).not.toContain('f'.repeat(64));

  const action = (approvedBy?: string): TraceEventBody => ({
    kind: 'action',
    entry: { toolUseId: 't', tool: 'read_page', effect: 'write', args: {}, result: {}, idempotencyKey: 'k', at: '', ...(approvedBy ? { approvedBy } : {}) },
  } as TraceEventBody);
  const writes = [0, 1, 2, 3, 4].map((p) => [...readStep(p), action(p === 3 ? 'pat' : undefined)]);
  const approved = explainRun(input, trace(...writes, done));
  expect(approved).not.toContain('went the same way'); // steps 1-3 and 5 are alike, but step 4 breaks the row at three
  expect(approved).toContain('Step 4: that was an action (write), recorded in the ledger under key k, approved by pat.');
  const unapproved = explainRun(input, trace(...[0, 1, 2, 3, 4].map((p) => [...readStep(p), action()]), done));
  expect(unapproved).toContain('Steps 2–4 (3 steps) went the same way: the model proposed read_page and they ran 3 times; 3 actions recorded in the ledger');
});

test('a stored value inside arguments is named by its size; the step before an escalation is quoted whole', () => {
  const long = 'x'.repeat(1_000);
  const steps = [
    ...[0, 1, 2, 3, 4].map((p) => readStep(p)),
    [{ kind: 'tool_result', toolUseId: 'n', tool: 'read_note', result: { note: long } } as TraceEventBody],
    [
      {
        kind: 'escalation',
        escalation: {
          id: 'w/esc-1', kind: 'approval_required', reason: 'needs a person', step: 7, raisedAt: '', deadline: '', allowedDecisions: ['approve', 'reject'], approvers: [],
          proposedCall: { toolUseId: 'c', tool: 'send', args: { body: { $offloaded: { key: 'a'.repeat(64), bytes: 51_200, preview: 'x' } } }, reasoning: '' },
        },
      } as TraceEventBody,
    ],
  ];
  const told = explainRun(input, trace(...steps));
  expect(told).toContain(`Step 6: read_note ran and returned {"note":"${long}"}.`);
  expect(told).toContain('proposed send {"body":"<a 50 KB value, stored>"}.');
  // A routine step's result is clipped: the same note two steps earlier would not be whole.
  expect(explainRun(input, trace([{ kind: 'tool_result', toolUseId: 'n', tool: 'read_note', result: { note: long } }], readStep(1), readStep(2), done))).toContain('Step 1: read_note ran and returned {"note":"xxx');
  expect(explainRun(input, trace([{ kind: 'tool_result', toolUseId: 'n', tool: 'read_note', result: { note: long } }], readStep(1), readStep(2), done))).not.toContain(long);
});

test('sizes read as people say them', () => {
  expect([size(312), size(51_200), size(3 * 1024 * 1024)]).toEqual(['312 B', '50 KB', '3.0 MB']);
});
