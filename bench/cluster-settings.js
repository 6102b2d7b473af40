/**
 * What the production cluster's server settings do to an agent step: the same scripted run on the project's
 * production-shaped cluster (temporal-config/cluster.ts: PostgreSQL, four services, mTLS), once per setting.
 * Prints numbers, asserts nothing.
 *
 *   npm run build && node bench/cluster-settings.js [--runs 10] [--steps 20] [--concurrent 20]
 *
 * Per setting: a fresh cluster, one worker in this process, `runs` sequential runs of `steps` steps (each step
 * is a model call and a tool call: four task dispatches), then `concurrent` runs at once. Reports the step
 * latency (p50, p90 of per-run wall time / steps) and the concurrent throughput, with the load average.
 */
'use strict';
const os = require('node:os');
const fs = require('node:fs');
const path = require('node:path');
// The project's copies, the ones ../dist loads: bench/node_modules has its own SDK, and a second native runtime
// made the worker panic ("there is no reactor running").
const fromRoot = (m) => require(require.resolve(m, { paths: [path.join(__dirname, '..')] }));
const { Client, Connection } = fromRoot('@temporalio/client');
const { DefaultLogger, NativeConnection, Runtime } = fromRoot('@temporalio/worker');
const { loadClientConnectConfig } = fromRoot('@temporalio/envconfig');
const { z } = fromRoot('zod');
const dist = (p) => require(path.join(__dirname, '..', 'dist', p));
const { startCluster, stopCluster } = dist('temporal-config/cluster');
const { AgentClient } = dist('client/agent-client');
const { createAgentWorker } = dist('workers/agent-worker');
const { bundleAgentWorkflows } = dist('workers/workflow-bundle');
const { startScriptedModelServer } = dist('scripted-model/server');
const { LocalBlobStore } = dist('stores/local-store');
const { defineAgent, defineTool } = dist('index');

// Each over the cluster's own dynamic config (temporal-config/cluster-config.ts), which turns eager activities on.
const SETTINGS = {
  "the server's default (eager activities off)": { 'system.enableActivityEagerExecution': false },
  'eager activities on': { 'system.enableActivityEagerExecution': true },
  // The dev servers' other setting (temporal-config/settings.ts DEV_SERVER_DYNAMIC_CONFIG): does the transfer
  // queue's per-shard load limit (20/s, burst 20) slow a run here too? (docs/tuning.md, "Dispatch tick")
  'eager on, transfer loads unthrottled': { 'system.enableActivityEagerExecution': true, 'history.transferProcessorMaxPollRPS': 10_000 },
};

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const RUNS = arg('runs', 10);
const STEPS = arg('steps', 20);
const CONCURRENT = arg('concurrent', 20);

const lookup = defineTool({
  name: 'lookup',
  description: 'Look a record up.',
  input: z.object({ n: z.number().int() }),
  effect: 'read',
  run: async ({ n }) => ({ n, ok: true }),
});
const agent = defineAgent({ name: 'stepper', model: 'claude-test', system: 'You look records up.', tools: [lookup], limits: { maxSteps: 10_000 } });

function pct(values, p) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

async function measure(name, dynamicConfig, scratch, code, model, scenario) {
  const dir = fs.mkdtempSync(path.join(scratch, 'cluster-'));
  const { state } = await startCluster({ dir, dynamicConfig });
  const { connectionOptions, namespace } = loadClientConnectConfig({ profile: state.profile, configSource: { path: state.profileFile }, disableEnv: true });
  const native = await NativeConnection.connect(connectionOptions);
  const connection = await Connection.connect(connectionOptions);
  const store = await LocalBlobStore.open(path.join(dir, 'blobs'));
  const taskQueue = 'bench';
  const worker = await createAgentWorker({ agents: [agent], connection: native, namespace, taskQueue, model: { baseURL: model.url }, workflowBundle: { code }, store });
  // The store too: a closed run's trace is archived there, and result() reads it.
  const client = new AgentClient(new Client({ connection, namespace }), { address: state.address, namespace, taskQueue, uiUrl: '' }, [], store);
  try {
    return await worker.runUntil(async () => {
      const one = async () => {
        const t = performance.now();
        const run = await client.start('stepper', 'Look them up.', { scenario });
        const result = await run.result();
        if (result.status !== 'completed') throw new Error(`run ended ${result.status}: ${result.text}`);
        return (performance.now() - t) / STEPS;
      };
      for (let i = 0; i < 2; i++) await one(); // warm-up: caches, connections, the namespace's first tasks
      const perStep = [];
      for (let i = 0; i < RUNS; i++) perStep.push(await one());
      const t = performance.now();
      await Promise.all(Array.from({ length: CONCURRENT }, one));
      const throughput = (CONCURRENT * STEPS) / ((performance.now() - t) / 1000);
      return { name, p50: pct(perStep, 50), p90: pct(perStep, 90), throughput };
    });
  } finally {
    await connection.close();
    await native.close();
    await stopCluster(dir);
  }
}

async function main() {
  // The numbers are what this prints; the worker's INFO lines would bury them.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'durable-agent-cluster-bench-'));
  // PostgreSQL runs as its own OS user (as root we are), and must pass through this directory.
  fs.chmodSync(scratch, 0o711);
  const scenario = path.join(scratch, 'steps.json');
  const turns = Array.from({ length: STEPS - 1 }, (_, n) => ({ toolCalls: [{ name: 'lookup', input: { n } }] }));
  fs.writeFileSync(scenario, JSON.stringify({ name: 'steps', turns: [...turns, { text: 'Done.' }] }));
  const model = await startScriptedModelServer({ scenarioDirs: [], maxRecordedRequests: 5 });
  const { code } = await bundleAgentWorkflows({ logger: new DefaultLogger('WARN') });
  console.log(`cluster settings bench: ${RUNS} sequential runs and ${CONCURRENT} concurrent runs of ${STEPS} steps per setting`);
  console.log(`load average at start: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (${os.cpus().length} cores)`);
  const rows = [];
  try {
    for (const [name, config] of Object.entries(SETTINGS)) rows.push(await measure(name, config, scratch, code, model, scenario));
  } finally {
    await model.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  console.log('| setting | step p50 | step p90 | steps/s, concurrent |');
  console.log('| --- | --- | --- | --- |');
  for (const r of rows) console.log(`| ${r.name} | ${r.p50.toFixed(1)} ms | ${r.p90.toFixed(1)} ms | ${r.throughput.toFixed(1)} |`);
  console.log(`load average at end: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`cluster settings bench failed: ${err.stack ?? err}`);
    process.exit(1);
  },
);
