/** The GenAI conventions' attributes and the approval span's, from plain inputs (test/opentelemetry.test.ts traces real runs). */
import type { Escalation } from '../../common/escalation';
import { chatResultAttributes, errorType, operationAttributes } from '../../common/gen-ai-attributes';
import { APPROVAL_ATTR, outcomeAttributes } from '../../workflows/approval-span';

test('model.call is a chat with the model requested; tool.<name> an execute_tool with the tool_use id; verify neither', () => {
  expect(operationAttributes('model.call', [{ model: 'claude-x', step: 1 }])).toEqual({
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'anthropic',
    'gen_ai.request.model': 'claude-x',
  });
  expect(operationAttributes('tool.refund', [{ args: {}, context: { toolUseId: 'toolu_1' } }])).toEqual({
    'gen_ai.operation.name': 'execute_tool',
    'gen_ai.tool.name': 'refund',
    'gen_ai.tool.type': 'function',
    'gen_ai.tool.call.id': 'toolu_1',
  });
  expect(operationAttributes('tool.refund.verify', [{ context: { toolUseId: 'toolu_1' } }])).toEqual({});
  expect(operationAttributes('agent.describe', [])).toEqual({});
});

test('a chat result gives the answering model, the stop reason and the usage; a failure its type, bounded', () => {
  expect(chatResultAttributes({ model: 'claude-x-1', stopReason: 'tool_use', usage: { inputTokens: 12, outputTokens: 3 } })).toEqual({
    'gen_ai.response.model': 'claude-x-1',
    'gen_ai.response.finish_reasons': ['tool_use'],
    'gen_ai.usage.input_tokens': 12,
    'gen_ai.usage.output_tokens': 3,
  });
  expect(errorType({ name: 'ActivityFailure', cause: { type: 'ModelRateLimited' } })).toBe('ModelRateLimited');
  expect(errorType({ name: 'CancelledFailure' })).toBe('CancelledFailure');
  expect(errorType({ name: 'ActivityFailure', cause: { type: 'x'.repeat(1000) } })).toHaveLength(64);
});

describe('who resolved: the verified identity only', () => {
  const escalation = (keys?: Escalation['approverKeys']) => ({ id: 'wf/esc-1', kind: 'approval_required', approverKeys: keys }) as Escalation;
  const keys = { people: { pat: 'cHVibGlj' } };

  test('an unsigned `by` is a claim: recorded as unverified, and nobody is named', () => {
    const attrs = outcomeAttributes(escalation(), { escalationId: 'wf/esc-1', decision: 'approve', by: 'cfo' });
    expect(attrs).toEqual({ [APPROVAL_ATTR.decision]: 'approve', [APPROVAL_ATTR.verified]: false });
    expect(JSON.stringify(attrs)).not.toContain('cfo');
  });

  test('a resolution the workflow accepted with keys configured names who decided and whose key proved it', () => {
    const proof = { signer: 'inbox', signature: 'sig' };
    expect(outcomeAttributes(escalation(keys), { escalationId: 'wf/esc-1', decision: 'edit', by: 'sam', proof })).toEqual({
      [APPROVAL_ATTR.decision]: 'edit',
      [APPROVAL_ATTR.verified]: true,
      [APPROVAL_ATTR.resolvedBy]: 'sam',
      [APPROVAL_ATTR.signer]: 'inbox',
    });
  });

  test('no decision before the deadline is a timeout', () => {
    expect(outcomeAttributes(escalation(keys), 'timeout')).toEqual({ [APPROVAL_ATTR.decision]: 'timeout', [APPROVAL_ATTR.verified]: false, 'error.type': 'timeout' });
  });
});
