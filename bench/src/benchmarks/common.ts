/**
 * What the benchmarks share: starting contenders (one that cannot run here is reported, not fatal), run ids,
 * and the spec of a run.
 */
import { randomUUID } from 'node:crypto';
import { createContender } from '../contenders';
import { CONTENDER_LABELS, type BenchEnv, type Contender, type ContenderId, type RunSpec } from '../contenders/types';
import { benchPrompt, writeScenario, type ScenarioSpec } from '../scenario';
import type { Sizes } from '../sizes';

export interface BenchContext {
  env: BenchEnv;
  sizes: Sizes;
  /** Contenders the user selected (--contenders); each benchmark intersects it with the ones it compares. */
  contenders: ContenderId[];
}

export interface Unavailable {
  id: ContenderId;
  label: string;
  reason: string;
}

export async function startContenders(
  ctx: BenchContext,
  wanted: ContenderId[],
): Promise<{ started: Contender[]; unavailable: Unavailable[] }> {
  const started: Contender[] = [];
  const unavailable: Unavailable[] = [];
  for (const id of wanted.filter((w) => ctx.contenders.includes(w))) {
    const contender = createContender(id, ctx.env);
    try {
      await contender.start();
      started.push(contender);
    } catch (err) {
      unavailable.push({ id, label: CONTENDER_LABELS[id], reason: err instanceof Error ? err.message.split('\n')[0] ?? '' : String(err) });
      await contender.stop().catch(() => undefined);
    }
  }
  return { started, unavailable };
}

export async function stopAll(contenders: Contender[]): Promise<void> {
  for (const c of contenders) await c.stop().catch((err: unknown) => console.error(`stopping ${c.label}: ${String(err)}`));
}

/** Workflow ids must be unique on the server for the bench's lifetime; a short random part keeps them readable. */
export function runId(bench: string, contender: ContenderId, n: number): string {
  return `${bench}-${contender}-${n}-${randomUUID().slice(0, 8)}`;
}

export function runSpec(ctx: BenchContext, id: string, scenario: ScenarioSpec): RunSpec {
  return { runId: id, scenario: writeScenario(ctx.env.dirs.scenarios, scenario), steps: scenario.steps, prompt: benchPrompt(scenario) };
}

export function unavailableNotes(unavailable: Unavailable[]): string[] {
  return unavailable.map((u) => `${u.label} did not run: ${u.reason}`);
}
