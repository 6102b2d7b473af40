/**
 * The soak's mix: each scenario (soak/scenarios/*.json, played by the scripted model) with what a correct run of
 * it must end as, and which side effects it must leave, exactly once each.
 */
import type { RunStatus } from '../common/run';

export interface SoakScenario {
  name: string;
  /** Share of the runs started (weights, not percentages). */
  weight: number;
  expectedStatus: RunStatus;
  /** Side effects the run must leave in the store, one row each. */
  effects: string[];
  /** How the scripted approver decides this scenario's escalation, if it has one. */
  decision?: 'approve' | 'abort';
  /** The escalation kind the approver should see; anything else is a finding. */
  escalationKind?: string;
  /** Model errors its scenario file plays, by kind (counted as injected faults). */
  modelFaults?: Record<string, number>;
}

export const SOAK_SCENARIOS: SoakScenario[] = [
  { name: 'soak-read', weight: 2, expectedStatus: 'completed', effects: [] },
  { name: 'soak-payment', weight: 3, expectedStatus: 'completed', effects: ['record_payment'] },
  { name: 'soak-corrective', weight: 2, expectedStatus: 'completed', effects: ['record_payment'] },
  {
    name: 'soak-approval',
    weight: 2,
    expectedStatus: 'completed',
    effects: ['send_wire'],
    decision: 'approve',
    escalationKind: 'approval_required',
  },
  {
    name: 'soak-model-faults',
    weight: 2,
    expectedStatus: 'completed',
    effects: ['record_payment'],
    modelFaults: { 'model 429 (retry-after 1 s)': 1, 'model 500': 1, 'model 529': 1 },
  },
  {
    name: 'soak-abort',
    weight: 1,
    expectedStatus: 'cancelled',
    effects: [],
    decision: 'abort',
    escalationKind: 'invalid_tool_calls',
  },
];

/** A deterministic weighted pick, so a seed reproduces the same mix. */
export function pickScenario(random: () => number): SoakScenario {
  const total = SOAK_SCENARIOS.reduce((n, s) => n + s.weight, 0);
  let r = random() * total;
  for (const s of SOAK_SCENARIOS) {
    r -= s.weight;
    if (r < 0) return s;
  }
  return SOAK_SCENARIOS[SOAK_SCENARIOS.length - 1] as SoakScenario;
}

/** mulberry32: a small seeded generator; Math.random cannot be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
