/**
 * The clock that times steps. A step is the interval between two consecutive tool calls of the same run: the tool
 * result going back, the framework's bookkeeping, the next model call, the bookkeeping again, the next tool call.
 * It is read where the tool runs (the bench process or a worker process), with the same code for every
 * contender, so no framework's own timers are trusted.
 */
import { performance } from 'node:perf_hooks';

/** Tool-call times per run, in this process's monotonic clock (milliseconds). */
export class StepClock {
  private marks = new Map<string, number[]>();

  mark(runKey: string): void {
    let list = this.marks.get(runKey);
    if (!list) this.marks.set(runKey, (list = []));
    list.push(performance.now());
  }

  /** How many tool calls were seen, over all runs. */
  count(): number {
    let n = 0;
    for (const list of this.marks.values()) n += list.length;
    return n;
  }

  /** The runs seen so far (their marks stay). */
  runKeys(): string[] {
    return [...this.marks.keys()];
  }

  /** Removes and returns the marks of the given runs (all runs when none are named). */
  take(runKeys?: string[]): Record<string, number[]> {
    const out: Record<string, number[]> = {};
    for (const key of runKeys ?? [...this.marks.keys()]) {
      const list = this.marks.get(key);
      if (list) out[key] = list;
      this.marks.delete(key);
    }
    return out;
  }
}

/** One clock per process: the tool runs where the contender runs it. */
export const stepClock = new StepClock();

/** Per-step durations from tool-call marks: consecutive differences within each run. */
export function stepIntervals(marks: Record<string, number[]>): number[] {
  const out: number[] = [];
  for (const list of Object.values(marks)) {
    for (let i = 1; i < list.length; i++) out.push((list[i] as number) - (list[i - 1] as number));
  }
  return out;
}
