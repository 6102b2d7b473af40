/**
 * Benchmark 3: many concurrent runs on one worker. For each batch size, durable-agent and bare Temporal run the
 * same 10-step scenario with 200 ms model latency, each on a fresh worker process (so its peak RSS is the batch's
 * own); bare Temporal again with no model latency gives the engine's ceiling on this machine. Wall time is from
 * the first start to the last close (server timestamps); schedule → start latencies come from the histories.
 */
import { performance } from 'node:perf_hooks';
import { mapLimit } from '../async-pool';
import { createContender } from '../contenders';
import { TemporalContender } from '../contenders/temporal-contender';
import { CONTENDER_LABELS, type ContenderId, type RunOutcome } from '../contenders/types';
import { bytes, formatTable, ms, summarize, type Cell } from '../stats';
import { chainScheduleToStart, fetchExecutions, lastEventMs, workflowTaskWork } from '../temporal-history';
import { runId, runSpec, type BenchContext } from './common';

interface Batch {
  id: ContenderId;
  runs: number;
  delayMs: number;
}

interface BatchResult extends Batch {
  completed: number;
  wallMs: number;
  peakRss: number;
  wftS2s: number[];
  activityS2s: number[];
  wftRun: number[];
  wftTimeouts: number;
  wftStickyTimeouts: number;
  failures: string[];
}

/** Starts are throttled so the client does not open 1,000 start calls at once; results are awaited as they come. */
const START_CONCURRENCY = 50;
const AWAIT_CONCURRENCY = 200;
const HISTORY_CONCURRENCY = 8;

export async function throughputBench(ctx: BenchContext): Promise<string> {
  const { runs, delayMs } = ctx.sizes.throughput;
  const batches: Batch[] = [];
  for (const n of runs) {
    batches.push({ id: 'c', runs: n, delayMs }, { id: 'b', runs: n, delayMs });
  }
  batches.push({ id: 'b', runs: Math.max(...runs), delayMs: 0 });
  const results: BatchResult[] = [];
  const notes: string[] = [];
  for (const batch of batches.filter((b) => ctx.contenders.includes(b.id))) {
    try {
      results.push(await runBatch(ctx, batch));
    } catch (err) {
      notes.push(`${CONTENDER_LABELS[batch.id]}, ${batch.runs} runs: did not run: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return render(ctx, results, notes);
}

async function runBatch(ctx: BenchContext, batch: Batch): Promise<BatchResult> {
  const { steps, capMs } = ctx.sizes.throughput;
  const contender = createContender(batch.id, ctx.env);
  if (!(contender instanceof TemporalContender)) throw new Error(`${contender.label} has no worker to measure`);
  await contender.start();
  try {
    const specs = Array.from({ length: batch.runs }, (_, i) =>
      runSpec(ctx, runId(`throughput-${batch.runs}`, batch.id, i), { steps, delayMs: batch.delayMs }),
    );
    const t0 = Date.now();
    const workflowIds = await mapLimit(specs, START_CONCURRENCY, (spec) => contender.startRun(spec));
    const cap = setTimeout(() => void terminateRunning(ctx, workflowIds, `bench: batch capped at ${capMs / 1000} s`), capMs - (Date.now() - t0));
    let outcomes: RunOutcome[];
    try {
      outcomes = await mapLimit(specs, AWAIT_CONCURRENCY, (spec, i) => contender.awaitRun(workflowIds[i] as string, spec, performance.now()));
    } finally {
      clearTimeout(cap);
    }
    const peakRss = contender.worker?.child.peakRssBytes() ?? Number.NaN;
    const wftS2s: number[] = [];
    const activityS2s: number[] = [];
    const wftRun: number[] = [];
    let wftTimeouts = 0;
    let wftStickyTimeouts = 0;
    let lastClose = t0;
    await mapLimit(workflowIds, HISTORY_CONCURRENCY, async (id) => {
      const executions = await fetchExecutions(ctx.env.client, id);
      const waits = chainScheduleToStart(executions);
      wftS2s.push(...waits.workflowTasks);
      activityS2s.push(...waits.activities);
      const work = workflowTaskWork(executions);
      wftRun.push(...work.runMs);
      wftTimeouts += work.timeouts;
      wftStickyTimeouts += work.stickyTimeouts;
      lastClose = Math.max(lastClose, lastEventMs(executions));
    });
    await contender.takeMarks(outcomes.map((o) => o.markKey));
    return {
      ...batch,
      completed: outcomes.filter((o) => o.ok).length,
      wallMs: lastClose - t0,
      peakRss,
      wftS2s,
      activityS2s,
      wftRun,
      wftTimeouts,
      wftStickyTimeouts,
      failures: outcomes.filter((o) => !o.ok).map((o) => `${o.status}: ${o.detail ?? ''}`),
    };
  } finally {
    await contender.stop();
  }
}

async function terminateRunning(ctx: BenchContext, workflowIds: string[], reason: string): Promise<void> {
  await mapLimit(workflowIds, HISTORY_CONCURRENCY, async (id) => {
    const handle = ctx.env.client.workflow.getHandle(id);
    if ((await handle.describe()).status.name === 'RUNNING') await handle.terminate(reason).catch(() => undefined);
  });
}

function render(ctx: BenchContext, results: BatchResult[], notes: string[]): string {
  const { steps } = ctx.sizes.throughput;
  const rows: Cell[][] = results.map((r) => {
    const wft = summarize(r.wftS2s);
    const act = summarize(r.activityS2s);
    const label = r.id === 'b' && r.delayMs === 0 ? `${CONTENDER_LABELS.b}, engine ceiling` : CONTENDER_LABELS[r.id];
    return [
      label,
      r.runs,
      `${r.delayMs} ms`,
      `${r.completed}/${r.runs}`,
      ms(r.wallMs),
      ((r.completed * steps) / (r.wallMs / 1000)).toFixed(1),
      bytes(r.peakRss),
      ms(wft.p50),
      ms(wft.p99),
      ms(act.p50),
      ms(summarize(r.wftRun).p99),
      `${r.wftTimeouts} / ${r.wftStickyTimeouts}`,
    ];
  });
  const failed = results.flatMap((r) => r.failures.slice(0, 3).map((f) => `${CONTENDER_LABELS[r.id]}, ${r.runs} runs, failed run: ${f.slice(0, 300)}`));
  return formatTable(
    'Throughput: concurrent runs on one worker',
    ['contender', 'runs', 'model latency', 'completed', 'wall', 'steps/s', 'worker peak RSS', 'WFT s2s p50', 'WFT s2s p99', 'activity s2s p50', 'WFT run p99', 'WFT timeouts: run / sticky'],
    rows,
    [
      `${steps} steps per run, all runs started at once (${START_CONCURRENCY} start calls in flight); one worker process per contender, with its own defaults (durable-agent: 10 workflow task slots; the others: the SDK's 40); wall = first start → last close.`,
      'worker peak RSS = the worker process\'s VmHWM (kernel high-water mark). s2s = schedule → start, from history timestamps. WFT run = started → completed (the worker\'s time on a workflow task, replay included); WFT timeouts: run = taken back from a worker that held them past the workflow task timeout (start-to-close), sticky = left on a busy worker\'s sticky queue past its schedule-to-start timeout.',
      'target: 1,000 concurrent runs of (c) with worker RSS under 1 GB.',
      ...failed,
      ...notes,
    ],
  );
}
