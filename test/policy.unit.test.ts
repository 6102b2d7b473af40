/**
 * The policy table per mode and effect, and rules that tighten it (test/authority.test.ts runs it in workflows).
 */
import { decide, POLICY_TABLE } from '../common/policy';

describe('the policy table', () => {
  test('read always runs; write runs in act and is recommended in advise; irreversible never runs unapproved', () => {
    expect(POLICY_TABLE).toEqual({
      act: { read: 'run', write: 'run', irreversible: 'approve' },
      advise: { read: 'run', write: 'recommend', irreversible: 'recommend' },
    });
  });
  test('a rule can tighten a decision but never loosen one', () => {
    expect(decide('act', 'write', 'over the limit')).toBe('approve');
    expect(decide('act', 'read', 'sensitive')).toBe('approve');
    expect(decide('act', 'irreversible', undefined)).toBe('approve');
    expect(decide('advise', 'write', 'over the limit')).toBe('recommend');
  });
});
