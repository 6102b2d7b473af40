/**
 * Policy never comes from input: run options only narrow the agent's limits, and a deploy mid-run can only make
 * the run's recorded policy stricter.
 */
import type { AgentSpec } from '../../common/run';
import { narrowedLimits, stricterSpec } from '../../workflows/run-policy';

const tool = { startToCloseTimeoutMs: 30_000, maximumAttempts: 3 };
const recorded: AgentSpec = {
  name: 'ops',
  model: 'claude-test',
  approvers: ['pat', 'sam'],
  minConfidence: 0.5,
  limits: { maxSteps: 25, maxTokens: 200_000 },
  correctiveRetries: 1,
  escalationTimeoutMs: 60_000,
  tools: [
    { ...tool, name: 'lookup', effect: 'read' },
    { ...tool, name: 'refund', effect: 'write', approvers: ['pat'] },
    { ...tool, name: 'gone', effect: 'irreversible' },
  ],
};

describe('narrowedLimits', () => {
  test('an option below the ceiling lowers it', () => {
    expect(narrowedLimits({ maxSteps: 25, maxTokens: 1000 }, { maxSteps: 3 })).toEqual({ maxSteps: 3, maxTokens: 1000 });
  });
  test('an option above the ceiling does not raise it', () => {
    expect(narrowedLimits({ maxSteps: 25, maxTokens: 1000 }, { maxSteps: 1e9, maxTokens: 1e12 })).toEqual({ maxSteps: 25, maxTokens: 1000 });
  });
  test('a limit the agent does not set is the option (lower than none)', () => {
    expect(narrowedLimits({ maxSteps: 25, maxTokens: 1000 }, { maxCostUsd: 2 })).toEqual({ maxSteps: 25, maxTokens: 1000, maxCostUsd: 2 });
  });
});

describe('stricterSpec', () => {
  test('the same spec: nothing changes', () => {
    expect(stricterSpec(recorded, recorded)).toEqual({ spec: recorded, tightened: [] });
  });

  test('a deploy that made a tool stricter wins, and says so', () => {
    const current = { ...recorded, tools: recorded.tools.map((t) => (t.name === 'refund' ? { ...t, effect: 'irreversible' as const } : t)) };
    const { spec, tightened } = stricterSpec(recorded, current);
    expect(spec.tools.find((t) => t.name === 'refund')?.effect).toBe('irreversible');
    expect(tightened).toEqual(['refund.effect: "write" -> "irreversible"']);
  });

  test('a deploy that loosened everything changes nothing', () => {
    const current: AgentSpec = {
      ...recorded,
      approvers: [],
      minConfidence: 0,
      limits: { maxSteps: 1000, maxTokens: 1e9 },
      correctiveRetries: 9,
      tools: recorded.tools.map((t) => ({ ...t, effect: 'read' as const, approvers: undefined })),
    };
    const { spec, tightened } = stricterSpec(recorded, current);
    expect(tightened).toEqual([]);
    expect(spec.tools.map((t) => t.effect)).toEqual(['read', 'write', 'irreversible']);
    expect(spec).toMatchObject({ minConfidence: 0.5, correctiveRetries: 1, limits: recorded.limits, approvers: ['pat', 'sam'] });
  });

  test('thresholds rise, ceilings and budgets fall, approver lists narrow', () => {
    const current: AgentSpec = { ...recorded, approvers: ['sam'], minConfidence: 0.8, limits: { maxSteps: 10, maxTokens: 1e9 }, correctiveRetries: 0 };
    const { spec, tightened } = stricterSpec(recorded, current);
    expect(spec).toMatchObject({ approvers: ['sam'], minConfidence: 0.8, limits: { maxSteps: 10, maxTokens: 200_000 }, correctiveRetries: 0 });
    expect(tightened).toEqual([
      'minConfidence: 0.5 -> 0.8',
      'correctiveRetries: 1 -> 0',
      'limits.maxSteps: 25 -> 10',
      'approvers: ["pat","sam"] -> ["sam"]',
    ]);
  });

  test('a tool the current worker lacks keeps its record; one only it has is not added', () => {
    const current = { ...recorded, tools: [...recorded.tools.filter((t) => t.name !== 'gone'), { ...tool, name: 'new', effect: 'read' as const }] };
    expect(stricterSpec(recorded, current).spec.tools.map((t) => t.name)).toEqual(['lookup', 'refund', 'gone']);
  });
});
