/**
 * Workflow tracing cost (issue 15 §2): what a traced workflow bundle adds to a replay and to a cached run. Three
 * bundles of the same build: `untraced` (no interceptor modules), `temporal` (Temporal's v1 workflow interceptors,
 * `@temporalio/interceptors-opentelemetry`, with our labels: the traced bundle before issue 15) and `ours` (the
 * traced bundle now: the same spans over the tracer in workflows/workflow-tracer.ts).
 *
 *   npm run bench:tracing-cost                      # both parts
 *   npm run bench:tracing-cost -- --only replay --rounds 9 --copies 4
 *   npm run bench:tracing-cost -- --only cache --runs 200
 *
 * (a) replay: every committed history (test/histories/*.json) `copies` times per round, each bundle in turn (the
 *     order rotates per round), `rounds` rounds. The figure is the process's CPU time (user + system) per replay,
 *     median over rounds: replay workers run workflows on the main thread (the SDK's debug mode), so that CPU is the
 *     replay's, and CPU time is less disturbed than wall time by others on a shared machine.
 * (b) cached runs: one child process per bundle (fresh heap) runs a worker with workflows on its main thread and
 *     room in its cache for every run, parks `warmup` runs of the ops demo on their escalation, takes the V8 heap
 *     after a forced GC and the RSS, parks `runs` more, and reports the growth per run.
 * The load average is printed before and after each part: figures taken at a load of 1 or more (2 cores) are
 * provisional.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as TemporalWorker from '@temporalio/worker';
import type * as ProtoUtils from '@temporalio/common/lib/proto-utils';
import type * as WorkflowBundleModule from '../../dist/workers/workflow-bundle';
import type * as WorkerModule from '../../dist/worker';
import type * as ClientModule from '../../dist/client/agent-client';
import type * as ModelServerModule from '../../dist/scripted-model/server';
import type * as DevServerModule from '../../dist/temporal-config/dev-server';
import type * as ExamplesModule from '../../dist/examples';
import type * as OpsAgentModule from '../../dist/examples/ops-agent/agent';
import { assertProjectBuilt, PROJECT_DIR, PROJECT_DIST } from './env/paths';

const VARIANTS = ['untraced', 'temporal', 'ours'] as const;
type Variant = (typeof VARIANTS)[number];

const projectRequire = createRequire(path.join(PROJECT_DIST, 'index.js'));
const dist = <T>(file: string) => require(path.join(PROJECT_DIST, file)) as T;

// The project's own copy of the SDK: one Rust core, and the bundler the project's bundles are made with.
const sdk = () => projectRequire('@temporalio/worker') as typeof TemporalWorker;

interface Options {
  only?: 'replay' | 'cache';
  rounds: number;
  copies: number;
  runs: number;
  warmup: number;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { rounds: 7, copies: 3, runs: 100, warmup: 10 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--only' && (value === 'replay' || value === 'cache')) opts.only = value;
    else if (flag === '--rounds') opts.rounds = Number(value);
    else if (flag === '--copies') opts.copies = Number(value);
    else if (flag === '--runs') opts.runs = Number(value);
    else if (flag === '--warmup') opts.warmup = Number(value);
    else continue;
    i++;
  }
  return opts;
}

const load = () => os.loadavg().map((l) => l.toFixed(2)).join(', ');
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

async function bundles(): Promise<Record<Variant, string>> {
  const wb = dist<typeof WorkflowBundleModule>('workers/workflow-bundle.js');
  const { bundleWorkflowCode, DefaultLogger } = sdk();
  const logger = new DefaultLogger('WARN');
  const make = async (modules: string[]) =>
    (await bundleWorkflowCode({ logger, workflowsPath: wb.WORKFLOWS_PATH, workflowInterceptorModules: modules, failureConverterPath: wb.FAILURE_CONVERTER_PATH })).code;
  return {
    untraced: await make([]),
    temporal: await make([wb.TEMPORAL_TRACING_MODULE, wb.RUN_LABELS_MODULE]),
    ours: await make([...wb.WORKFLOW_INTERCEPTOR_MODULES]),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// (a) replay

async function replayBench(opts: Options, code: Record<Variant, string>): Promise<void> {
  const { Worker } = sdk();
  const { historyFromJSON } = projectRequire('@temporalio/common/lib/proto-utils') as typeof ProtoUtils;
  const { SILENT_SINKS } = dist<typeof WorkflowBundleModule>('workers/workflow-bundle.js');
  const dir = path.join(PROJECT_DIR, 'test', 'histories');
  const histories = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const json = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
      // The recorded workflow id: a run's escalation ids derive from it, so replay must see the same one.
      return { workflowId: json.events[0].workflowExecutionStartedEventAttributes.workflowId as string, history: historyFromJSON(json) };
    });
  const perRound = histories.length * opts.copies;
  console.log(`\n### (a) Replay: ${histories.length} committed histories × ${opts.copies} per round, ${opts.rounds} rounds (load average before: ${load()})\n`);
  const cpu: Record<Variant, number[]> = { untraced: [], temporal: [], ours: [] };
  const wall: Record<Variant, number[]> = { untraced: [], temporal: [], ours: [] };
  const failures: string[] = [];
  // One round untimed first: the bundles' first workers, and V8's code for them, are not what is measured.
  for (let round = -1; round < opts.rounds; round++) {
    const order = VARIANTS.map((_, i) => VARIANTS[(i + Math.max(round, 0)) % VARIANTS.length] as Variant);
    for (const variant of order) {
      const batch = Array.from({ length: opts.copies }, () => histories).flat();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      for await (const result of Worker.runReplayHistories({ workflowBundle: { code: code[variant] }, sinks: SILENT_SINKS }, batch)) {
        if (result.error) failures.push(`${variant}: ${result.workflowId}: ${result.error.message.split('\n')[0]}`);
      }
      const used = process.cpuUsage(c0);
      if (round < 0) continue;
      cpu[variant].push((used.user + used.system) / 1000 / perRound);
      wall[variant].push((performance.now() - t0) / perRound);
    }
  }
  const base = median(cpu.untraced);
  console.log('| bundle | CPU per replay, median | min–max over rounds | × untraced | wall per replay, median |');
  console.log('|---|---:|---:|---:|---:|');
  for (const v of VARIANTS) {
    const m = median(cpu[v]);
    console.log(`| ${v} | ${m.toFixed(1)} ms | ${Math.min(...cpu[v]).toFixed(1)}–${Math.max(...cpu[v]).toFixed(1)} ms | ${(m / base).toFixed(2)} | ${median(wall[v]).toFixed(1)} ms |`);
  }
  console.log(`\nload average after: ${load()}; replays that failed: ${failures.length}`);
  for (const f of [...new Set(failures)].slice(0, 5)) console.log(`  ${f}`);
}

// ---------------------------------------------------------------------------------------------------------------
// (b) cached runs

interface CacheResult {
  variant: Variant;
  runs: number;
  cached: number;
  heapPerRunKB: number;
  rssPerRunKB: number;
  externalPerRunKB: number;
  parkSeconds: number;
}

async function cacheBench(opts: Options, code: Record<Variant, string>): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tracing-cost-'));
  const { startDevServer } = dist<typeof DevServerModule>('temporal-config/dev-server.js');
  const { startScriptedModelServer } = dist<typeof ModelServerModule>('scripted-model/server.js');
  const { exampleScenarioDirs } = dist<typeof ExamplesModule>('examples/index.js');
  console.log(`\n### (b) Cached runs: ${opts.warmup} + ${opts.runs} runs of the ops demo parked on their escalation, per bundle (load average before: ${load()})\n`);
  const server = await startDevServer({ dbFilename: path.join(work, 'temporal.sqlite'), headless: true, logFile: path.join(work, 'temporal.log') });
  const model = await startScriptedModelServer({ scenarioDirs: exampleScenarioDirs });
  const results: CacheResult[] = [];
  try {
    for (const variant of VARIANTS) {
      const bundlePath = path.join(work, `${variant}.js`);
      fs.writeFileSync(bundlePath, code[variant]);
      const args = ['--expose-gc', __filename, '--child', variant, bundlePath, server.address, server.namespace, model.url, String(opts.warmup), String(opts.runs)];
      results.push(await child(args, path.join(work, variant)));
    }
  } finally {
    await model.close();
    await server.stop();
  }
  console.log('| bundle | runs parked (cached) | V8 heap per cached run | RSS per cached run | external per run | time to park |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of results) {
    console.log(`| ${r.variant} | ${r.runs} (${r.cached}) | ${r.heapPerRunKB.toFixed(0)} KB | ${r.rssPerRunKB.toFixed(0)} KB | ${r.externalPerRunKB.toFixed(0)} KB | ${r.parkSeconds.toFixed(1)} s |`);
  }
  console.log(`\nload average after: ${load()}`);
}

function child(args: string[], dataDir: string): Promise<CacheResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, args, {
      env: { ...process.env, DURABLE_AGENT_DATA_DIR: dataDir, DURABLE_AGENT_TRACES: 'off' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.on('error', reject);
    proc.on('exit', (status) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      if (status === 0 && line.startsWith('{')) resolve(JSON.parse(line) as CacheResult);
      else reject(new Error(`child ${args[3]} exited ${status}: ${out.slice(-2000)}`));
    });
  });
}

/** The child: one worker, runs parked in its cache, memory measured around them. */
async function childMain(argv: string[]): Promise<void> {
  const [variant, bundlePath, address, namespace, modelUrl, warmupText, runsText] = argv as [Variant, string, string, string, string, string, string];
  const warmup = Number(warmupText);
  const runs = Number(runsText);
  const { Runtime, DefaultLogger } = sdk();
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const { createAgentWorker, startTracing } = dist<typeof WorkerModule>('worker.js');
  const { AgentClient } = dist<typeof ClientModule>('client/agent-client.js');
  const { opsAgent } = dist<typeof OpsAgentModule>('examples/ops-agent/agent.js');
  // Unique per child: children with one bundle name can share a server.
  const taskQueue = `tracing-cost-${variant}-${process.pid}`;
  // Traced bundles get a traced worker, whose spans go to an exporter that drops them.
  const tracing = variant === 'untraced' ? undefined : startTracing({ exporter: { export: (_spans, done) => done({ code: 0 }), shutdown: async () => undefined } });
  const worker = await createAgentWorker({
    agents: [opsAgent],
    address,
    namespace,
    taskQueue,
    model: { baseURL: modelUrl, apiKey: 'scripted-model' },
    workflowBundle: { codePath: bundlePath },
    maxCachedWorkflows: warmup + runs + 50,
    ...(tracing ? { tracing: tracing.worker } : {}),
    // Workflows on this thread, so that gc() reaches their heap and memoryUsage() counts it.
    workerOptions: { debugMode: true },
  });
  const client = await AgentClient.connect({ address, namespace, taskQueue });
  const prompt = 'Ana (ana@example.com) says her teapot from order ord_1001 arrived broken. Book a callback next Tuesday at 3pm and refund the order.';
  let n = 0;
  const park = async (count: number) => {
    const started = await Promise.all(
      Array.from({ length: count }, () => client.start('ops', prompt, { correlationId: `${taskQueue}-${n++}`, scenario: 'demo' })),
    );
    const waiting = new Set(started);
    const deadline = Date.now() + 300_000;
    while (waiting.size > 0) {
      if (Date.now() > deadline) throw new Error(`${waiting.size} runs did not escalate within 300 s`);
      for (const run of [...waiting]) if (await run.pendingEscalation()) waiting.delete(run);
      if (waiting.size > 0) await new Promise((r) => setTimeout(r, 250));
    }
  };
  const measure = async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    for (let i = 0; i < 3; i++) {
      gc?.();
      await new Promise((r) => setTimeout(r, 200));
    }
    return process.memoryUsage();
  };
  let result: CacheResult | undefined;
  await worker.runUntil(async () => {
    await park(warmup);
    const before = await measure();
    const t0 = performance.now();
    await park(runs);
    const parkSeconds = (performance.now() - t0) / 1000;
    const after = await measure();
    const perRun = (field: 'heapUsed' | 'rss' | 'external') => (after[field] - before[field]) / 1024 / runs;
    result = {
      variant,
      runs,
      cached: worker.getStatus().numCachedWorkflows,
      heapPerRunKB: perRun('heapUsed'),
      rssPerRunKB: perRun('rss'),
      externalPerRunKB: perRun('external'),
      parkSeconds,
    };
  });
  await client.close();
  await tracing?.shutdown();
  console.log(JSON.stringify(result));
}

async function main(): Promise<void> {
  assertProjectBuilt();
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') return childMain(argv.slice(1));
  const opts = parseArgs(argv);
  const { Runtime, DefaultLogger } = sdk();
  // Replay workers log their start and stop at INFO, once per batch.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  console.log(`## Workflow tracing cost (issue 15 §2)\n\n${new Date().toISOString()}, ${os.cpus().length} cores, Node ${process.version}, load average ${load()}`);
  const code = await bundles();
  const mb = (v: Variant) => (code[v].length / 1024 / 1024).toFixed(2);
  console.log(`bundles: untraced ${mb('untraced')} MB, temporal ${mb('temporal')} MB, ours ${mb('ours')} MB`);
  if (opts.only !== 'cache') await replayBench(opts, code);
  if (opts.only !== 'replay') await cacheBench(opts, code);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.stack : String(err));
    process.exit(1);
  },
);
