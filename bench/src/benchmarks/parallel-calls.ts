/**
 * Benchmark: several reads in one model response (issue 15 §3). durable-agent alone: the scenario asks for
 * `calls` reads of a 200 ms tool at once, and the tool marks when each call started and ended, where it runs. The
 * tool phase is first start to last end: about 200 ms when the calls run concurrently, `calls` × 200 ms when they
 * run one after another.
 */
import { performance } from 'node:perf_hooks';
import { SLOW_LOOKUP, SLOW_LOOKUP_MS } from '../contenders/durable-agent/agent';
import { TemporalContender } from '../contenders/temporal-contender';
import { writeParallelScenario } from '../scenario';
import { formatTable, ms, percentile } from '../stats';
import { runId, startContenders, stopAll, unavailableNotes, type BenchContext } from './common';

export async function parallelBench(ctx: BenchContext): Promise<string> {
  const { started, unavailable } = await startContenders(ctx, ['c']);
  const phases: number[] = [];
  const walls: number[] = [];
  const failures: string[] = [];
  try {
    const contender = started.find((c): c is TemporalContender => c instanceof TemporalContender);
    const { calls, rounds } = ctx.sizes.parallel;
    const scenario = writeParallelScenario(ctx.env.dirs.scenarios, { calls, tool: SLOW_LOOKUP });
    for (let round = 0; contender && round <= rounds; round++) {
      const spec = { runId: runId('parallel', contender.id, round), scenario, steps: 2, prompt: `Look up ${calls} items at once.` };
      const t0 = performance.now();
      const outcome = await contender.run(spec);
      const wall = performance.now() - t0;
      const marks = await contender.takeMarks([outcome.markKey, `${outcome.markKey}#end`]);
      const starts = marks[outcome.markKey] ?? [];
      const ends = marks[`${outcome.markKey}#end`] ?? [];
      if (!outcome.ok || starts.length !== calls || ends.length !== calls) {
        failures.push(`round ${round}: ${outcome.status}, ${starts.length} calls started, ${ends.length} ended`);
        continue;
      }
      // Round 0 warms the worker (bundle, connections, workflow cache) and is not counted.
      if (round === 0) continue;
      phases.push(Math.max(...ends) - Math.min(...starts));
      walls.push(wall);
    }
    return formatTable(
      `Parallel tool calls: ${calls} reads of a ${SLOW_LOOKUP_MS} ms tool in one response`,
      ['contender', 'runs', 'tool phase p50', 'tool phase max', 'run wall p50', 'one after another would be'],
      started.length === 0
        ? []
        : [['(c) durable-agent', phases.length, ms(percentile(phases, 50)), ms(Math.max(...phases)), ms(percentile(walls, 50)), ms(calls * SLOW_LOOKUP_MS)]],
      [
        'tool phase: from the first call starting to the last one ending, timed where the tool runs (the worker).',
        `target: about ${SLOW_LOOKUP_MS} ms, not ${calls * SLOW_LOOKUP_MS} (reads of one response run concurrently, workflows/turn.ts).`,
        ...failures,
        ...unavailableNotes(unavailable),
      ],
    );
  } finally {
    await stopAll(started);
  }
}
