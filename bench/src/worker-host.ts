/**
 * Child process: one Temporal worker for contender b, c or d, driven by the bench over IPC. The worker runs in a
 * process of its own so the throughput bench can read its peak RSS and the recovery bench can SIGKILL it.
 * The ai-sdk worker runs under Node 22; the others under the bench's Node.
 */
import * as path from 'node:path';
import { stepClock } from './step-clock';
import { reportFatal, reportReady, serveParent } from './env/child-side';
import { WORKER_MODULES, type WorkerFactory, type WorkerHostOptions } from './contenders/worker-host-options';

async function main(): Promise<void> {
  const opts = JSON.parse(process.argv[2] ?? '{}') as WorkerHostOptions;
  const folder = WORKER_MODULES[opts.contender];
  if (!folder) throw new Error(`no worker for contender "${opts.contender}"`);
  // Required by path, not imported: each worker process loads only its own framework (the ai-sdk one needs Node 22).
  const { createWorker } = require(path.join(__dirname, 'contenders', folder, 'worker')) as { createWorker: WorkerFactory };
  const worker = await createWorker(opts);
  serveParent(
    {
      marks: (msg) => stepClock.take(msg.keys as string[] | undefined),
      count: () => stepClock.count(),
      runKeys: () => stepClock.runKeys(),
      memory: () => memoryAfterCollection(),
    },
    () => worker.shutdown(),
  );
  const running = worker.run();
  reportReady({ identity: worker.identity, pid: process.pid });
  await running;
  // The native connection would keep the process alive; the worker has drained by now.
  process.exit(0);
}

/** RSS and the heap still in use after a full collection: what the worker keeps, not its garbage. */
function memoryAfterCollection(): { rss: number; heapUsed: number } {
  (globalThis as { gc?: () => void }).gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
}

main().catch((err: unknown) => {
  reportFatal(err);
  process.exit(1);
});
