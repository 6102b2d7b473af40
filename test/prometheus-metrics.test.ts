/**
 * What `durable-agent worker --metrics` serves, scraped from a real worker after a real run: names and labels as
 * Prometheus operators expect them (counters end in `_total`, durations are in seconds, labels are snake_case like
 * Temporal's own), for the project's counters and for the Temporal runtime's alike.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getFreePort } from '../temporal-config/dev-server';
import { CLI, cliEnv, runCli, type CliTarget } from './helpers/cli-process';
import { startTestServer, type TestServer } from './helpers/local-server';
import { uniqueId } from './helpers/runs';

const DEMO_SCENARIO = join(__dirname, '..', 'examples', 'ops-agent', 'scenarios', 'demo.json');

let server: TestServer;
let scratch: string;
let worker: ChildProcess | undefined;
let metricsUrl = '';
const taskQueue = uniqueId('metrics');
const target = (): CliTarget => ({ address: server.address, namespace: server.namespace, taskQueue, scratch });

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  scratch = mkdtempSync(join(tmpdir(), 'durable-agent-metrics-'));
  server = await startTestServer();
  const address = `127.0.0.1:${await getFreePort()}`;
  metricsUrl = `http://${address}/metrics`;
  const started = spawn(process.execPath, [CLI, 'worker', '--metrics', address, '--no-traces'], {
    env: cliEnv(target()),
    cwd: scratch,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  worker = started;
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/worker polling[^]*\n {2}model .*\n/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    started.stdout?.on('data', onData);
    started.stderr?.on('data', onData);
    started.once('exit', (code) => reject(new Error(`worker exited (${code}):\n${output}`)));
  });
}, 120_000);

afterAll(async () => {
  worker?.kill('SIGKILL');
  await server?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}, 30_000);

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The exposition format's sample lines (`name{k="v",...} value`); label values here hold no `"` or `,`. */
function samples(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`not a sample line: ${line}`);
      const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      return { name: match[1] as string, labels, value: Number(match[3]) };
    });
}

const types = (text: string) => new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1] as string, m[2] as string]));

test("a run's counters and the runtime's metrics, named and labelled the way Prometheus operators expect", async () => {
  // The demo: a refused call and its corrective retry, a write that runs, an escalation, its resolution, tokens.
  const started = await runCli(target(), ['run', 'ops', 'Refund order ord_1001', '--scenario', DEMO_SCENARIO, '--wait', '--json', '--correlation-id', uniqueId('m')], {
    timeoutMs: 60_000,
  });
  expect(started.code).toBe(3);
  const { workflowId } = JSON.parse(started.stdout) as { workflowId: string };
  expect((await runCli(target(), ['resolve', workflowId, '--decision', 'approve', '--by', 'pat'], { timeoutMs: 30_000 })).code).toBe(0);

  let text = '';
  const deadline = Date.now() + 20_000;
  while (!/^durable_agent_resolutions_total\{/m.test(text) && Date.now() < deadline) {
    text = await (await fetch(metricsUrl)).text();
    await new Promise((r) => setTimeout(r, 250));
  }
  const all = samples(text);
  const typeOf = types(text);

  // Ours: every counter ends in `_total` once (the exporter appends it; the code names them without it).
  const ours = all.filter((s) => s.name.startsWith('durable_agent_'));
  expect([...new Set(ours.map((s) => s.name))].sort()).toEqual([
    'durable_agent_actions_total',
    'durable_agent_corrective_retries_total',
    'durable_agent_escalations_total',
    'durable_agent_resolutions_total',
    'durable_agent_tokens_total',
    'durable_agent_validation_failures_total',
  ]);
  for (const name of new Set(ours.map((s) => s.name))) expect({ name, type: typeOf.get(name) }).toEqual({ name, type: 'counter' });

  // Labelled like Temporal's own series (task_queue, workflow_type), so one query joins both; none camelCase (the
  // SDK's workflow meter would add `taskQueue` and `workflowType`: the counters go through our own sink instead).
  for (const s of ours) {
    expect({ name: s.name, keys: Object.keys(s.labels).filter((k) => !/^[a-z][a-z0-9_]*$/.test(k)) }).toEqual({ name: s.name, keys: [] });
    expect(s.labels).toMatchObject({ task_queue: taskQueue, workflow_type: 'agentWorkflow', namespace: 'default', agent: 'ops' });
  }
  const one = (name: string, labels: Record<string, string>) => ours.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  expect(one('durable_agent_validation_failures_total', { tool: 'schedule_callback', code: 'invalid_input' })[0]?.value).toBe(1);
  expect(one('durable_agent_escalations_total', { kind: 'approval_required' })[0]?.value).toBe(1);
  expect(one('durable_agent_resolutions_total', { decision: 'approve', accepted: 'true' })[0]?.value).toBe(1);
  expect(one('durable_agent_tokens_total', { direction: 'input' })[0]?.value).toBeGreaterThan(0);

  // The runtime's: counters end in `_total` too, durations are histograms in seconds with the unit in the name.
  expect(typeOf.get('temporal_request_total')).toBe('counter');
  expect(typeOf.get('temporal_worker_start_total')).toBe('counter');
  const counters = [...typeOf].filter(([, type]) => type === 'counter').map(([name]) => name);
  expect(counters.filter((name) => !name.endsWith('_total') || name.endsWith('_total_total'))).toEqual([]);
  const histograms = [...typeOf].filter(([, type]) => type === 'histogram').map(([name]) => name);
  expect(histograms).toEqual(expect.arrayContaining(['temporal_request_latency_seconds', 'temporal_activity_execution_latency_seconds']));
  for (const name of histograms) expect(name).toMatch(/_seconds$/);
  // Buckets in seconds: the smallest is a fraction of a second, not 50 (ms).
  const buckets = all.filter((s) => s.name === 'temporal_request_latency_seconds_bucket').map((s) => Number(s.labels.le)).filter(Number.isFinite);
  expect(Math.min(...buckets)).toBeLessThan(1);
  expect(all.find((s) => s.name === 'temporal_request_latency_seconds_sum' && s.value > 0)?.value).toBeLessThan(60);
});
