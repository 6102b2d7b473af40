/**
 * Benchmark 4: crash and resume. durable-agent's worker runs in a child process; in-flight runs of 200 steps are
 * started; once they are under way the worker is SIGKILLed (it tells the server nothing) and a new worker process
 * is started at once. For each run: the time from the new worker's spawn to the first workflow task or activity
 * that worker completed for it (history timestamps), replay included. Runs are terminated afterwards; they need
 * not finish.
 */
import { mapLimit, sleep } from '../async-pool';
import { createContender } from '../contenders';
import { TemporalContender } from '../contenders/temporal-contender';
import { formatTable, ms, summarize, type Cell, type Summary } from '../stats';
import { fetchExecutions, firstProgressBy, type Progress, type ProgressKind } from '../temporal-history';
import { runId, runSpec, type BenchContext } from './common';

const START_CONCURRENCY = 20;
const HISTORY_CONCURRENCY = 8;
/** How long the runs get to get going before the kill, at most. */
const WARM_UP_CAP_MS = 120_000;
const RESUME_TARGET_MS = 10_000;

interface Recovery {
  runs: number;
  toolCallsAtKill: number;
  killToSpawnMs: number;
  spawnToReadyMs: number;
  resumed: { ms: number; kind: Progress['kind']; availableMs?: number; startedMs?: number }[];
  notResumed: number;
}

export async function recoveryBench(ctx: BenchContext): Promise<string> {
  if (!ctx.contenders.includes('c')) return '### Recovery\n\n(skipped: durable-agent (c) not selected)\n';
  const result = await recover(ctx);
  return render(ctx, result);
}

async function recover(ctx: BenchContext): Promise<Recovery> {
  const { runs, steps, delayMs, killAfterStepsPerRun, resumeWindowMs } = ctx.sizes.recovery;
  const contender = createContender('c', ctx.env);
  if (!(contender instanceof TemporalContender)) throw new Error('durable-agent is a Temporal contender');
  await contender.start();
  const workflowIds: string[] = [];
  try {
    const specs = Array.from({ length: runs }, (_, i) => runSpec(ctx, runId('recovery', 'c', i), { steps, delayMs }));
    workflowIds.push(...(await mapLimit(specs, START_CONCURRENCY, (spec) => contender.startRun(spec))));

    // Kill once the runs are well under way (replay then has real history to go through).
    const warmDeadline = Date.now() + WARM_UP_CAP_MS;
    let toolCallsAtKill = 0;
    while (Date.now() < warmDeadline && (toolCallsAtKill = await contender.toolCalls()) < runs * killAfterStepsPerRun) await sleep(200);
    const old = contender.worker;
    if (!old) throw new Error('no worker to kill');
    await old.child.kill();
    const killedAt = Date.now();

    const fresh = await contender.startWorker();
    const spawnedAt = fresh.child.spawnedAt;
    const readyAt = Date.now();

    // Cheap progress check (the new worker's own tool calls, over IPC) instead of polling every history.
    const windowEnd = readyAt + resumeWindowMs;
    const markKeys = new Set(workflowIds);
    while (Date.now() < windowEnd) {
      const seen = new Set(await fresh.child.request<string[]>('runKeys'));
      if ([...markKeys].every((k) => seen.has(k))) break;
      await sleep(500);
    }

    const progress = await mapLimit(workflowIds, HISTORY_CONCURRENCY, async (id) =>
      firstProgressBy(await fetchExecutions(ctx.env.client, id), fresh.identity),
    );
    const resumed = progress
      .filter((p): p is Progress => p !== undefined)
      .map((p) => ({
        ms: p.atMs - spawnedAt,
        kind: p.kind,
        availableMs: p.availableAtMs === undefined ? undefined : p.availableAtMs - spawnedAt,
        startedMs: p.startedAtMs === undefined ? undefined : p.startedAtMs - spawnedAt,
      }));
    return {
      runs,
      toolCallsAtKill,
      killToSpawnMs: spawnedAt - killedAt,
      spawnToReadyMs: readyAt - spawnedAt,
      resumed,
      notResumed: progress.length - resumed.length,
    };
  } finally {
    await mapLimit(workflowIds, HISTORY_CONCURRENCY, (id) =>
      ctx.env.client.workflow.getHandle(id).terminate('bench: recovery measured').catch(() => undefined),
    );
    await contender.stop();
  }
}

function render(ctx: BenchContext, r: Recovery): string {
  const { steps, resumeWindowMs } = ctx.sizes.recovery;
  const all = summarize(r.resumed.map((x) => x.ms));
  const byKind = (kind: ProgressKind): Summary => summarize(r.resumed.filter((x) => x.kind === kind).map((x) => x.ms));
  const row = (label: string, s: Summary, within: number): Cell[] => [label, s.n, ms(s.p50), ms(s.p99), ms(s.max), `${within}/${s.n}`];
  const within = (kind?: ProgressKind): number => r.resumed.filter((x) => (!kind || x.kind === kind) && x.ms <= RESUME_TARGET_MS).length;
  const kinds: ProgressKind[] = ['workflow task', 'workflow task after a timed-out one', 'activity', 'activity retried after timeout'];
  // For workflow tasks: when the task became available to the new worker, and when that worker started it.
  const tasks = r.resumed.filter((x) => x.kind !== 'activity' && x.kind !== 'activity retried after timeout');
  const phase = (label: string, values: (number | undefined)[]): Cell[] => {
    const s = summarize(values.filter((v): v is number => v !== undefined));
    return [label, s.n, ms(s.p50), ms(s.p99), ms(s.max), ''];
  };
  const phases = tasks.length
    ? [
        phase('  workflow tasks: available to the new worker', tasks.map((x) => x.availableMs)),
        phase('  workflow tasks: started by it', tasks.map((x) => x.startedMs)),
      ]
    : [];
  return formatTable(
    'Recovery: worker SIGKILLed mid-run, new worker started at once',
    ['resumed', 'runs', 'p50', 'p99', 'max', '≤ 10 s'],
    [row('all runs', all, within()), ...kinds.filter((k) => byKind(k).n > 0).map((k) => row(`first progress: ${k}`, byKind(k), within(k))), ...phases],
    [
      `(c) durable-agent, ${r.runs} runs of ${steps} steps, ${ctx.sizes.recovery.delayMs} ms model latency; killed after ${r.toolCallsAtKill} tool calls (≈ ${(r.toolCallsAtKill / r.runs).toFixed(0)} per run).`,
      `time to resume = new worker's spawn → first workflow task or activity it completed for the run (replay included); the indented rows split a workflow task's time into when the server made it available (scheduled, or timed out on the dead worker) and when the new worker started it. New worker spawned ${ms(r.killToSpawnMs)} after the kill; ready ${ms(r.spawnToReadyMs)} after spawn (prebuilt workflow bundle).`,
      `not resumed within ${resumeWindowMs / 1000} s of the new worker being ready: ${r.notResumed}.`,
      'target: every run resumes within 10 s of a new worker starting.',
    ],
  );
}
