/**
 * durable-agent's worker (runs in worker-host.ts): `createAgentWorker` from the project's build, with its defaults,
 * given a prebuilt bundle made the way the project makes them (workers/workflow-bundle.ts).
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type * as TemporalWorker from '@temporalio/worker';
import { createAgentWorker } from '../../../../dist/worker';
import { PROJECT_DIST } from '../../env/paths';
import { cachedBundle } from '../bundle-cache';
import type { DurableAgentBundle, WorkerFactory } from '../worker-host-options';
import { benchAgent } from './agent';

type Bundler = () => Promise<{ code: string }>;

/**
 * The project's own bundler when its build has one (`bundleAgentWorkflows`: workflows plus interceptor modules);
 * otherwise, or for the `workflows-only` diagnostic, `dist/workflows` alone, bundled by the project's copy of
 * @temporalio/worker.
 */
function bundler(variant: DurableAgentBundle): Bundler {
  const file = path.join(PROJECT_DIST, 'workers', 'workflow-bundle.js');
  if (variant === 'project' && fs.existsSync(file)) {
    const mod = require(file) as { bundleAgentWorkflows?: Bundler };
    if (mod.bundleAgentWorkflows) return mod.bundleAgentWorkflows;
  }
  const projectRequire = createRequire(path.join(PROJECT_DIST, 'index.js'));
  const { bundleWorkflowCode } = projectRequire('@temporalio/worker') as typeof TemporalWorker;
  return () => bundleWorkflowCode({ workflowsPath: path.join(PROJECT_DIST, 'workflows') });
}

export const createWorker: WorkerFactory = async (opts) => {
  const variant = opts.durableAgentBundle;
  const workflowBundle = await cachedBundle(path.join(opts.bundleDir, `durable-agent-${variant}.js`), bundler(variant));
  const worker = await createAgentWorker({
    agents: [benchAgent],
    address: opts.address,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    model: { baseURL: opts.modelUrl, apiKey: 'scripted-model' },
    workflowBundle,
  });
  return { identity: worker.options.identity, run: () => worker.run(), shutdown: () => worker.shutdown() };
};
