/**
 * Which Node the Temporal contenders' workers run under (`--workers-on`); (d) always runs on Node 22, and gets the
 * flags too. The choice matters at scale: on Node 20,
 * and on Node 22 without `--experimental-async-context-frame`, AsyncLocalStorage is built on async hooks, and every
 * promise created in a worker gets a slot for every enabled storage in the process. The workflow sandbox makes
 * several storages per cached run (Temporal's cancellation and update scopes, the tracing context), so the cost of
 * each promise grows with the number of cached runs (bench/RESULTS.md, "AsyncLocalStorage, not our state, is what a cached run costs at scale";
 * bench/scripts/async-context-cost.js).
 */
import type { Node22 } from './node22';

export const WORKERS_ON = ['default', 'node22', 'node22-frames'] as const;
export type WorkersOn = (typeof WORKERS_ON)[number];

export interface WorkerRuntime {
  /** The Node binary; undefined: the bench's own. */
  execPath?: string;
  /** Flags added to every worker process. */
  execArgv: string[];
  label: string;
}

export const ASYNC_CONTEXT_FRAME_FLAG = '--experimental-async-context-frame';

export function workerRuntime(choice: WorkersOn, node22: Node22): WorkerRuntime {
  if (choice === 'default') return { execArgv: [], label: `the bench's Node (${process.version})` };
  if (!node22.ok) throw new Error(`--workers-on ${choice}: ${node22.reason}`);
  if (choice === 'node22') return { execPath: node22.path, execArgv: [], label: `Node ${node22.version} (bench/node22)` };
  return { execPath: node22.path, execArgv: [ASYNC_CONTEXT_FRAME_FLAG], label: `Node ${node22.version} (bench/node22) with ${ASYNC_CONTEXT_FRAME_FLAG}` };
}
