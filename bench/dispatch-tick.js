/**
 * What each candidate dev server setting does to dispatch (issue 15 §4, docs/tuning.md "Dispatch tick"): per
 * variant a fresh in-memory `temporal server start-dev` with only that dynamic config, one worker in this process,
 * then a bare workflow of 40 activity steps three times, a 5-iteration `sleep(1)` loop twice, and five times the
 * delay before `list` sees a just-closed run; last, the server's CPU time over 10 s idle. Prints numbers, asserts
 * nothing.
 *
 *   npm run build && node bench/dispatch-tick.js [variant ...]
 */
'use strict';
const os = require('node:os');
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { Client, Connection } = require('@temporalio/client');
const { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } = require('@temporalio/worker');
const dist = (p) => require(path.join(__dirname, '..', 'dist', p));
const { getFreePort } = dist('temporal-config/dev-server');
const { resolveTemporalCliPathSync } = dist('temporal-config/provision-cli');
const { DEV_SERVER_DYNAMIC_CONFIG } = dist('temporal-config/settings');

const EAGER = { 'system.enableActivityEagerExecution': true };
// The project's table (transfer loads unthrottled); every other variant is measured on top of it.
const OURS = DEV_SERVER_DYNAMIC_CONFIG;
const VARIANTS = {
  "the server's defaults": {},
  'eager activities': EAGER,
  'DEV_SERVER_DYNAMIC_CONFIG': OURS,
  'ours + eager activities': { ...OURS, ...EAGER },
  'ours + timer loads unthrottled': { ...OURS, 'history.timerProcessorMaxPollRPS': 10_000 },
  'ours + visibility loads unthrottled': { ...OURS, 'history.visibilityProcessorMaxPollRPS': 10_000 },
  'ours + one task queue partition': { ...OURS, 'matching.numTaskqueueReadPartitions': 1, 'matching.numTaskqueueWritePartitions': 1 },
};
const STEPS = 40;
const SLEEPS = 5;

const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const fmt = (a) => a.map((x) => x.toFixed(1)).join(', ');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The process's user + system CPU time in ms (Linux). */
function cpuMs(pid) {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * (1000 / 100);
}

async function measure(name, dynamicConfig, cli, code) {
  const port = await getFreePort();
  const address = `127.0.0.1:${port}`;
  const flags = Object.entries(dynamicConfig).flatMap(([k, v]) => ['--dynamic-config-value', `${k}=${JSON.stringify(v)}`]);
  const server = spawn(cli, ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'error', ...flags], { stdio: 'ignore' });
  let connection;
  try {
    for (let i = 0; !connection; i++) {
      try {
        const c = await Connection.connect({ address, connectTimeout: 1000 });
        await c.workflowService.describeNamespace({ namespace: 'default' });
        connection = c;
      } catch (err) {
        if (i > 150) throw err;
        await sleep(200);
      }
    }
    const native = await NativeConnection.connect({ address });
    const taskQueue = 'tick';
    const worker = await Worker.create({ connection: native, taskQueue, workflowBundle: { code }, activities: { noop: async (n) => n } });
    const client = new Client({ connection });
    const r = await worker.runUntil(async () => {
      await client.workflow.execute('stepsWorkflow', { taskQueue, workflowId: 'warm-up', args: [5] });
      const steps = [];
      const sleeps = [];
      const lags = [];
      for (let i = 0; i < 3; i++) {
        const t = performance.now();
        await client.workflow.execute('stepsWorkflow', { taskQueue, workflowId: `steps-${i}`, args: [STEPS] });
        steps.push((performance.now() - t) / STEPS);
      }
      for (let i = 0; i < 2; i++) {
        const t = performance.now();
        await client.workflow.execute('sleepsWorkflow', { taskQueue, workflowId: `sleeps-${i}`, args: [SLEEPS] });
        sleeps.push((performance.now() - t) / SLEEPS);
      }
      for (let i = 0; i < 5; i++) {
        const workflowId = `listed-${i}`;
        await client.workflow.execute('stepsWorkflow', { taskQueue, workflowId, args: [1] });
        const t = performance.now();
        const query = `WorkflowId = '${workflowId}' AND ExecutionStatus = 'Completed'`;
        while ((await client.workflow.count(query)).count === 0) await sleep(1);
        lags.push(performance.now() - t);
      }
      return { steps, sleeps, lags };
    });
    await native.close();
    const before = cpuMs(server.pid);
    await sleep(10_000);
    const idle = cpuMs(server.pid) - before;
    const load = os.loadavg()[0].toFixed(2);
    return `| ${name} | ${fmt(r.steps)} | ${fmt(r.sleeps)} | ${median(r.lags).toFixed(0)} (${r.lags.map((x) => x.toFixed(0)).join(', ')}) | ${idle.toFixed(0)} | ${load} |`;
  } finally {
    await connection?.close();
    server.kill('SIGKILL');
  }
}

async function main() {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const cli = resolveTemporalCliPathSync();
  if (!cli) throw new Error('no temporal CLI: run `npm run provision`');
  const fixture = path.join(__dirname, '..', 'test', 'fixtures', 'steps-workflow.ts');
  const { code } = await bundleWorkflowCode({ workflowsPath: fixture, logger: new DefaultLogger('WARN') });
  const only = process.argv.slice(2);
  console.log(`dispatch tick variants; load average at start ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (${os.cpus().length} cores)`);
  console.log(`| variant | ms per step (${STEPS} steps, 3 runs) | ms per sleep(1) | list lag ms, median (all) | idle server CPU, ms per 10 s | load (1 min) |`);
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const [name, config] of Object.entries(VARIANTS)) {
    if (only.length && !only.some((o) => name.includes(o))) continue;
    console.log(await measure(name, config, cli, code));
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`dispatch tick bench failed: ${err.stack ?? err}`);
    process.exit(1);
  },
);
