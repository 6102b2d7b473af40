/**
 * Benchmark 2: what durability stores per step. For each run length, one run per contender, then: Temporal
 * contenders, the history's size (the server's `historySizeBytes`, checked against the proto-encoded events);
 * LangGraph, the bytes of the checkpoints and pending writes stored for the run's thread. A run that takes longer
 * than the cap is terminated and reported as capped; one the server terminates (history limits) is reported
 * with the size it reached.
 */
import { performance } from 'node:perf_hooks';
import { LangGraphAgent } from '../contenders/langgraph';
import { directoryBytes } from '../env/paths';
import { TemporalContender } from '../contenders/temporal-contender';
import type { Contender, RunOutcome, RunSpec } from '../contenders/types';
import { bytes, formatTable, ratio, type Cell } from '../stats';
import { historySize } from '../temporal-history';
import { runId, runSpec, startContenders, stopAll, unavailableNotes, type BenchContext, type Unavailable } from './common';

interface Row {
  contender: Contender;
  steps: number;
  /** Model steps the run actually took (tool calls seen, plus the final answer): less than `steps` if it was cut short. */
  stepsDone: number;
  outcome: RunOutcome;
  total: number;
  /** durable-agent only: bytes its blob store grew by during the run (conversation segments, offloaded payloads). */
  store?: number;
  executions?: number;
  events?: number;
  largestExecution?: number;
  largestEvent?: number;
  /** The other measure of the same thing: proto-encoded events (Temporal) or checkpoint rows (LangGraph). */
  check?: string;
}

export async function historyBench(ctx: BenchContext): Promise<string> {
  const { started, unavailable } = await startContenders(ctx, ['c', 'd', 'e']);
  const rows: Row[] = [];
  try {
    let n = 0;
    for (const steps of ctx.sizes.history.steps) {
      for (const contender of started) {
        const spec = runSpec(ctx, runId('history', contender.id, n++), { steps });
        const row = await measure(ctx, contender, spec).catch((err: unknown) => failedRow(contender, spec, err));
        const marks = await contender.takeMarks([row.outcome.markKey]);
        row.stepsDone = (marks[row.outcome.markKey]?.length ?? 0) + (row.outcome.ok ? 1 : 0);
        rows.push(row);
      }
    }
    const durable = started.find((c): c is TemporalContender => c.id === 'c' && c instanceof TemporalContender);
    const long = ctx.sizes.history.long && durable ? await longRun(ctx, durable, ctx.sizes.history.long) : undefined;
    return [render(ctx, rows, unavailable), ...(long ? [renderLong(long, rows)] : [])].join('\n');
  } finally {
    await stopAll(started);
  }
}

async function measure(ctx: BenchContext, contender: Contender, spec: RunSpec): Promise<Row> {
  if (contender instanceof TemporalContender) {
    // Only durable-agent writes to the blob store, and runs here go one at a time: its growth is this run's.
    const storeBefore = directoryBytes(ctx.env.dirs.blobs);
    const startedAt = performance.now();
    const workflowId = await contender.startRun(spec);
    const outcome = await withCap(ctx, workflowId, ctx.sizes.history.capMs, () => contender.awaitRun(workflowId, spec, startedAt));
    const size = await historySize(ctx.env.client, workflowId);
    const store = directoryBytes(ctx.env.dirs.blobs) - storeBefore;
    return {
      contender,
      steps: spec.steps,
      stepsDone: spec.steps,
      outcome,
      total: size.serverBytes,
      ...(contender.id === 'c' ? { store } : {}),
      executions: size.executions,
      events: size.events,
      largestExecution: size.largestExecutionBytes,
      largestEvent: size.largestEventBytes,
      check: `${bytes(size.encodedBytes)} encoded`,
    };
  }
  if (contender instanceof LangGraphAgent) {
    const outcome = await contender.run(spec);
    const stored = contender.checkpointBytes(spec.runId);
    return { contender, steps: spec.steps, stepsDone: spec.steps, outcome, total: stored.rowBytes, check: `${stored.checkpoints} checkpoints, ${stored.writes} writes` };
  }
  throw new Error(`${contender.label} stores nothing to measure`);
}

interface MemorySample {
  step: number;
  rss: number;
  heapUsed: number;
}

interface LongRow {
  steps: number;
  stepsDone: number;
  outcome: RunOutcome;
  history: number;
  store: number;
  executions: number;
  largestExecution: number;
  largestContinuedInput: { bytes: number; offloaded: boolean } | null;
  samples: MemorySample[];
}

/**
 * One long durable-agent run (issue 15 §1: 10,000 steps in the full bench), with the worker's memory sampled every
 * `sampleEvery` tool calls (RSS, and the heap left after a full collection): flat if the run's state is constant.
 */
async function longRun(ctx: BenchContext, contender: TemporalContender, sizes: { steps: number; sampleEvery: number }): Promise<LongRow> {
  const spec = runSpec(ctx, runId('history-long', contender.id, 0), { steps: sizes.steps });
  const storeBefore = directoryBytes(ctx.env.dirs.blobs);
  const callsBefore = await contender.toolCalls();
  const samples: MemorySample[] = [];
  let sampling = true;
  const sampler = (async () => {
    let next = sizes.sampleEvery;
    while (sampling) {
      const step = (await contender.toolCalls()) - callsBefore;
      if (step >= next) {
        samples.push({ step, ...(await contender.workerMemory()) });
        next += sizes.sampleEvery;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  const startedAt = performance.now();
  const workflowId = await contender.startRun(spec);
  const outcome = await withCap(ctx, workflowId, ctx.sizes.history.capMs, () => contender.awaitRun(workflowId, spec, startedAt));
  sampling = false;
  await sampler;
  const size = await historySize(ctx.env.client, workflowId);
  const marks = await contender.takeMarks([outcome.markKey]);
  return {
    steps: sizes.steps,
    stepsDone: (marks[outcome.markKey]?.length ?? 0) + (outcome.ok ? 1 : 0),
    outcome,
    history: size.serverBytes,
    store: directoryBytes(ctx.env.dirs.blobs) - storeBefore,
    executions: size.executions,
    largestExecution: size.largestExecutionBytes,
    largestContinuedInput: size.largestContinuedInput,
    samples,
  };
}

function renderLong(long: LongRow, rows: Row[]): string {
  const perStep = (long.history + long.store) / long.stepsDone;
  const base = rows.find((r) => r.contender.id === 'c' && r.steps === 100 && r.outcome.ok);
  const basePerStep = base ? (base.total + (base.store ?? 0)) / base.stepsDone : Number.NaN;
  const first = long.samples[0];
  const last = long.samples.at(-1);
  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  const input = long.largestContinuedInput;
  return formatTable(
    `Long run: durable-agent, ${long.steps.toLocaleString('en')} steps`,
    ['steps', 'run', 'history + store/step', 'vs 100 steps', 'executions', 'largest execution', 'largest continued input', `worker heap at steps ${long.samples.map((m) => m.step).join(', ')}`, 'worker RSS, first → last sample'],
    [
      [
        long.stepsDone === long.steps ? long.steps : `${long.stepsDone} of ${long.steps}`,
        long.outcome.ok ? `completed in ${(long.outcome.wallMs / 1000).toFixed(0)} s` : long.outcome.status,
        bytes(perStep),
        ratio(perStep, basePerStep),
        long.executions,
        bytes(long.largestExecution),
        input ? `${bytes(input.bytes)}${input.offloaded ? ' (offloaded to the store)' : ''}` : '—',
        long.samples.map((m) => mib(m.heapUsed)).join(', '),
        first && last ? `${mib(first.rss)} → ${mib(last.rss)}` : '—',
      ],
    ],
    [
      'history + store/step: the server\'s historySizeBytes over all executions plus what the blob store grew by, per step.',
      'vs 100 steps: the same figure for the 100-step run above (target ≤ 1.2×).',
      'worker heap: used heap after a full collection (--expose-gc), sampled as the run passed each step count; target flat from the first sample on.',
      ...(long.outcome.ok ? [] : [`the run did not complete: ${long.outcome.status}: ${(long.outcome.detail ?? '').slice(0, 400)}`]),
    ],
  );
}

/** A measurement that threw is a row saying why, not the end of the benchmark. */
function failedRow(contender: Contender, spec: RunSpec, err: unknown): Row {
  const detail = err instanceof Error ? err.message : String(err);
  return { contender, steps: spec.steps, stepsDone: 0, total: Number.NaN, outcome: { runId: spec.runId, markKey: spec.runId, ok: false, status: 'not measured', wallMs: 0, detail } };
}

/** Terminates a run still going after `capMs`, so one slow contender cannot hang the bench. */
async function withCap(ctx: BenchContext, workflowId: string, capMs: number, wait: () => Promise<RunOutcome>): Promise<RunOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const capped = new Promise<'capped'>((resolve) => (timer = setTimeout(() => resolve('capped'), capMs)));
  const result = await Promise.race([wait(), capped]);
  clearTimeout(timer);
  if (result !== 'capped') return result;
  await ctx.env.client.workflow.getHandle(workflowId).terminate(`bench: capped after ${capMs / 1000} s`);
  const outcome = await wait();
  return { ...outcome, status: `capped at ${capMs / 1000} s`, ok: false };
}

function render(ctx: BenchContext, rows: Row[], unavailable: Unavailable[]): string {
  const table: Cell[][] = rows.map((r) => [
    r.contender.label,
    r.stepsDone === r.steps ? r.steps : `${r.stepsDone} of ${r.steps}`,
    r.outcome.ok ? 'completed' : r.outcome.status,
    bytes(r.total),
    bytes(r.total / r.stepsDone),
    r.store === undefined ? '—' : bytes(r.store / r.stepsDone),
    r.executions ?? '—',
    r.events ?? '—',
    r.largestExecution === undefined ? '—' : bytes(r.largestExecution),
    r.largestEvent === undefined ? '—' : bytes(r.largestEvent),
    r.check ?? '',
  ]);
  const growth: string[] = [];
  const lengths = ctx.sizes.history.steps;
  const shortest = Math.min(...lengths);
  const longest = Math.max(...lengths);
  for (const label of new Set(rows.map((r) => r.contender.label))) {
    const at = (steps: number): Row | undefined => rows.find((r) => r.contender.label === label && r.steps === steps);
    const first = at(shortest);
    const last = at(longest);
    if (first && last) {
      const partial = last.outcome.ok ? '' : ` (the ${longest}-step run stopped after ${last.stepsDone} steps: ${last.outcome.status})`;
      growth.push(`${label}: bytes/step at ${longest} steps ÷ at ${shortest} = ${ratio(last.total / last.stepsDone, first.total / first.stepsDone)}${partial}`);
      if (first.store !== undefined && last.store !== undefined) {
        const withStore = (r: Row): number => (r.total + (r.store ?? 0)) / r.stepsDone;
        growth.push(`${label}, history + blob store: ${bytes(withStore(first))}/step at ${shortest} steps, ${bytes(withStore(last))}/step at ${longest} (${ratio(withStore(last), withStore(first))})`);
      }
    }
  }
  const failures = rows
    .filter((r) => !r.outcome.ok || r.outcome.detail)
    .map((r) => `${r.contender.label}, ${r.steps} steps: ${r.outcome.status}: ${(r.outcome.detail ?? '').slice(0, 400)}`);
  return formatTable(
    'History / checkpoint bytes per step',
    ['contender', 'steps', 'run', 'stored', 'per step', 'blob store/step', 'executions', 'events', 'largest execution', 'largest event', 'cross-check'],
    table,
    [
      'per step = stored ÷ steps the run took (its tool calls + the final answer; fewer than asked when a run was cut short).',
      'stored: Temporal = the server\'s historySizeBytes summed over the run\'s executions (continue-as-new makes several); LangGraph = checkpoint + metadata + pending-write blobs for the thread in SQLite.',
      'blob store/step: what durable-agent wrote outside history for the run (its local blob store: conversation segments, offloaded payloads), per step.',
      ...growth,
      `target for (c): bytes/step flat from 10 to 1,000 steps (within 2×), and below (d) and (e) at 1,000 steps.`,
      ...failures,
      ...unavailableNotes(unavailable),
    ],
  );
}
