/**
 * Benchmark 1: per-step overhead. The same scripted scenario (N steps, no model latency) on every contender, one
 * run at a time, contenders interleaved round-robin. A step is the interval between consecutive tool calls of a
 * run (step-clock.ts), so run start-up and completion are left out; the mean run wall time per step is shown
 * beside it.
 */
import { mapLimit } from '../async-pool';
import { TemporalContender } from '../contenders/temporal-contender';
import type { Contender, RunOutcome } from '../contenders/types';
import { stepIntervals } from '../step-clock';
import { formatTable, ms, ratio, summarize, type Summary } from '../stats';
import { chainScheduleToStart, fetchExecutions } from '../temporal-history';
import { runId, runSpec, startContenders, stopAll, unavailableNotes, type BenchContext, type Unavailable } from './common';

interface Measured {
  contender: Contender;
  steps: Summary;
  wallPerStep: Summary;
  /** Temporal contenders: time tasks waited on the server to be dispatched to the worker, per step. */
  dispatchPerStep?: Summary;
  /** Run wall time minus that wait, per step: what the worker side (framework, SDK, model call) costs. */
  workerPerStep: Summary;
  failures: string[];
}

export async function overheadBench(ctx: BenchContext): Promise<string> {
  const { steps, warmup, rounds } = ctx.sizes.overhead;
  const { started, unavailable } = await startContenders(ctx, ['a', 'b', 'c', 'd', 'e']);
  const outcomes = new Map<Contender, RunOutcome[]>(started.map((c) => [c, []]));
  let n = 0;
  try {
    for (const contender of started) {
      for (let i = 0; i < warmup; i++) {
        const outcome = await contender.run(runSpec(ctx, runId('warmup', contender.id, n++), { steps }));
        await contender.takeMarks([outcome.markKey]);
      }
    }
    for (let round = 0; round < rounds; round++) {
      for (const contender of started) {
        outcomes.get(contender)?.push(await contender.run(runSpec(ctx, runId('overhead', contender.id, n++), { steps })));
      }
    }
    const measured: Measured[] = [];
    for (const contender of started) {
      const runs = outcomes.get(contender) ?? [];
      const ok = runs.filter((r) => r.ok);
      const marks = await contender.takeMarks(runs.map((r) => r.markKey));
      const dispatch = contender instanceof TemporalContender ? await dispatchWaits(ctx, ok) : undefined;
      measured.push({
        contender,
        steps: summarize(stepIntervals(marks)),
        wallPerStep: summarize(ok.map((r) => r.wallMs / steps)),
        ...(dispatch ? { dispatchPerStep: summarize(dispatch.map((d) => d / steps)) } : {}),
        workerPerStep: summarize(ok.map((r, i) => (r.wallMs - (dispatch?.[i] ?? 0)) / steps)),
        failures: runs.filter((r) => !r.ok).map((r) => `${r.status}: ${r.detail ?? ''}`),
      });
    }
    return render(ctx, measured, unavailable);
  } finally {
    await stopAll(started);
  }
}

/** Per run, the total schedule → start wait of its workflow tasks and activities, from its history. */
async function dispatchWaits(ctx: BenchContext, runs: RunOutcome[]): Promise<number[]> {
  return mapLimit(runs, 4, async (run) => {
    const { workflowTasks, activities } = chainScheduleToStart(await fetchExecutions(ctx.env.client, run.markKey));
    return [...workflowTasks, ...activities].reduce((sum, v) => sum + v, 0);
  });
}

function render(ctx: BenchContext, measured: Measured[], unavailable: Unavailable[]): string {
  const { steps, rounds } = ctx.sizes.overhead;
  const rows = measured.map((m) => [
    m.contender.label,
    `${rounds - m.failures.length}/${rounds}`,
    m.steps.n,
    ms(m.steps.p50),
    ms(m.steps.p99),
    ms(m.steps.mean),
    ms(m.wallPerStep.p50),
    m.dispatchPerStep ? ms(m.dispatchPerStep.p50) : '—',
    ms(m.workerPerStep.p50),
  ]);
  const by = (id: string): Measured | undefined => measured.find((m) => m.contender.id === id);
  const c = by('c');
  const notes = [
    `${steps} model calls per run (${steps - 1} tool calls), no model latency; ${rounds} measured runs per contender, one at a time.`,
    'step = time between consecutive tool calls of a run (tool result → next model call → next tool call).',
    'dispatch/step = schedule→start waits of the run\'s workflow tasks and activities (history timestamps) ÷ steps; worker side/step = run wall/step minus that.',
    ...(c
      ? [
          `c/b: p50 ${ratio(c.steps.p50, by('b')?.steps.p50 ?? NaN)}, p99 ${ratio(c.steps.p99, by('b')?.steps.p99 ?? NaN)} (target: ≤ 1.15×)`,
          `c/a: p50 ${ratio(c.steps.p50, by('a')?.steps.p50 ?? NaN)}, p99 ${ratio(c.steps.p99, by('a')?.steps.p99 ?? NaN)}`,
          `c/b without the server's dispatch wait (run wall − schedule→start waits, per step, p50): ${ratio(c.workerPerStep.p50, by('b')?.workerPerStep.p50 ?? NaN)}`,
        ]
      : []),
    ...measured.flatMap((m) => m.failures.slice(0, 3).map((f) => `${m.contender.label} failed a run: ${f.slice(0, 300)}`)),
    ...unavailableNotes(unavailable),
  ];
  return formatTable(
    'Per-step overhead',
    ['contender', 'runs ok', 'steps', 'p50/step', 'p99/step', 'mean/step', 'run wall/step', 'dispatch/step', 'worker side/step'],
    rows,
    notes,
  );
}
