/**
 * What every contender offers the benchmarks: run one scripted run and say how it went; hand over the tool-call
 * marks of its runs (step-clock.ts). Temporal contenders (temporal-contender.ts) add a worker
 * in its own process and a workflow per run.
 */
import type { Client } from '@temporalio/client';
import type { Node22 } from '../env/node22';
import type { WorkDirs } from '../env/paths';
import type { WorkerRuntime } from '../env/worker-runtime';
import type { DurableAgentBundle } from './worker-host-options';

export type ContenderId = 'a' | 'b' | 'c' | 'd' | 'e';

export const CONTENDER_LABELS: Record<ContenderId, string> = {
  a: '(a) plain loop, no durability',
  b: '(b) bare Temporal workflow',
  c: '(c) durable-agent',
  d: '(d) @temporalio/ai-sdk',
  e: '(e) LangGraph + SQLite checkpointer',
};

/** What the bench set up, shared by all contenders. */
export interface BenchEnv {
  address: string;
  namespace: string;
  /** The scripted model's base URL (no `/v1`). */
  modelUrl: string;
  dirs: WorkDirs;
  /** The bench's own Temporal client: history, describe and terminate work on any contender's workflows. */
  client: Client;
  node22: Node22;
  durableAgentBundle: DurableAgentBundle;
  /** The Node binary and flags of the Temporal contenders' workers (`--workers-on`). */
  workerRuntime: WorkerRuntime;
}

export interface RunSpec {
  /** Unique per run; the workflow id or thread id is derived from it. */
  runId: string;
  scenario: string;
  steps: number;
  prompt: string;
}

export interface RunOutcome {
  runId: string;
  /** The key this run's tool calls are marked under (a workflow id, a thread id). */
  markKey: string;
  ok: boolean;
  /** completed, failed, terminated, ...: the contender's own word. */
  status: string;
  /** From the caller's start to its result, ms. */
  wallMs: number;
  detail?: string;
}

export interface Contender {
  readonly id: ContenderId;
  readonly label: string;
  start(): Promise<void>;
  run(spec: RunSpec): Promise<RunOutcome>;
  /** Removes and returns the tool-call marks recorded under these keys. */
  takeMarks(keys: string[]): Promise<Record<string, number[]>>;
  stop(): Promise<void>;
}

/** Why a contender cannot run here (printed in the tables in its place). */
export class ContenderUnavailable extends Error {
  override name = 'ContenderUnavailable';
}
