/**
 * Real Temporal dev servers as `durable-agent server`, the demo and the soak start them (temporal-config/): free
 * ports, registered search attributes, persistence to a SQLite file, detached start/stop via pid file; and the CLI
 * provisioning routes. The server arguments and settings are test/temporal-settings.unit.test.ts.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { AGENT_NAME } from '../common/search-attributes';
import {
  isAlive,
  isServerReachable,
  readDetachedServer,
  startDevServer,
  stopDetachedServer,
  type DevServer,
} from '../temporal-config/dev-server';
import { provisionTemporalCli, resolveTemporalCliPathSync } from '../temporal-config/provision-cli';
import { TEMPORAL_CLI_VERSION } from '../temporal-config/settings';

const { INDEXED_VALUE_TYPE_BOOL: BOOL, INDEXED_VALUE_TYPE_KEYWORD: KEYWORD } = temporal.api.enums.v1.IndexedValueType;

jest.setTimeout(180_000);

let cliPath: string;
let tmp: string;

beforeAll(async () => {
  // Normally a warm-cache no-op (globalSetup provisions first); makes this file runnable on its own.
  cliPath = (await provisionTemporalCli()).path;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dev-server-test-'));
});

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Resolves true if something accepts TCP connections on host:port. */
function portOpen(address: string): Promise<boolean> {
  const [host, port] = address.split(':');
  return new Promise((resolve) => {
    const socket = net.connect({ host, port: Number(port) });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** Status of a GET, on a fresh connection (fetch's keep-alive socket would hold jest open after the tests). */
function httpStatus(url: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    http
      .get(url, { agent: false }, (res) => (res.resume(), resolve(res.statusCode)))
      .once('error', () => resolve(undefined));
  });
}

describe('in-memory dev server on free ports', () => {
  let server: DevServer | undefined;
  afterEach(async () => server?.stop());

  test('serves the namespace with the search attributes registered, and stop() closes the port', async () => {
    server = await startDevServer({ cliPath });
    expect(server.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(server.address).not.toBe('127.0.0.1:7233'); // a free port, not the default one

    const connection = await Connection.connect({ address: server.address });
    try {
      const ns = await connection.workflowService.describeNamespace({ namespace: server.namespace });
      expect(ns.namespaceInfo?.name).toBe('default');
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      expect(customAttributes).toMatchObject({
        AgentName: KEYWORD,
        AgentStatus: KEYWORD,
        CorrelationId: KEYWORD,
        EscalationPending: BOOL,
      });
    } finally {
      await connection.close();
    }
    expect(await isServerReachable(server.address, 'default')).toBe(true);
    expect(await isServerReachable(server.address, 'no-such-namespace')).toBe(false);

    // The UI is served on its own free port.
    expect(server.uiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await httpStatus(server.uiUrl as string)).toBe(200);

    const { address, pid } = server;
    await server.stop();
    server = undefined;
    expect(isAlive(pid)).toBe(false);
    expect(await portOpen(address)).toBe(false);
    expect(await isServerReachable(address, 'default', 500)).toBe(false);
  });

  test('a port already in use fails fast with the server output in the error', async () => {
    // Hang up on whoever connects (our readiness probe will): an unread accepted socket would keep jest alive.
    const blocker = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      await expect(startDevServer({ cliPath, port, headless: true })).rejects.toThrow(
        /exited \(code 1.*\n[\s\S]*can't set frontend port/,
      );
    } finally {
      blocker.close();
    }
  });
});

describe('detached dev server on a SQLite file', () => {
  let db: string;
  let pidFile: string;
  beforeEach(() => {
    db = path.join(tmp, 'state', 'temporal.sqlite'); // parent dir does not exist yet: startDevServer makes it
    pidFile = `${db}.pid`;
  });
  // A detached server outlives jest: if an assertion fails midway, stop it here rather than leak it.
  afterEach(async () => void (await stopDetachedServer(pidFile)));

  test('persists workflows across a restart, and stopDetachedServer stops it via the pid file', async () => {
    const first = await startDevServer({ cliPath, dbFilename: db, headless: true, detached: true });
    expect(first.pidFile).toBe(pidFile);
    expect(await readDetachedServer(pidFile)).toMatchObject({ pid: first.pid, address: first.address });
    // journal_mode=wal took effect: SQLite keeps a -wal file beside the database while it is open.
    expect(fs.existsSync(`${db}-wal`)).toBe(true);

    // A second server on the same file is refused while the first runs.
    await expect(startDevServer({ cliPath, dbFilename: db, headless: true, detached: true })).rejects.toThrow(
      /already uses/,
    );

    const workflowId = `persist-${Date.now()}`;
    let connection = await Connection.connect({ address: first.address });
    try {
      // No worker: the execution just stays open, which is all persistence needs.
      await new Client({ connection }).workflow.start('neverRuns', {
        taskQueue: 'nobody-polls',
        workflowId,
        typedSearchAttributes: [{ key: AGENT_NAME, value: 'triage' }],
      });
    } finally {
      await connection.close();
    }

    expect(await stopDetachedServer(pidFile)).toBe(true);
    expect(fs.existsSync(pidFile)).toBe(false);
    // The server is one process (a static Go binary, no children), so a dead pid means its sockets are gone. No
    // port check here: the freed port is an ephemeral one, and a suite running in parallel may already have been
    // given it (a clean-clone CI saw exactly that). The restart on the same file below proves the lock was released.
    expect(isAlive(first.pid)).toBe(false);
    expect(await stopDetachedServer(pidFile)).toBe(false); // nothing left to stop

    const second = await startDevServer({ cliPath, dbFilename: db, headless: true, detached: true });
    try {
      connection = await Connection.connect({ address: second.address });
      try {
        const description = await new Client({ connection }).workflow.getHandle(workflowId).describe();
        expect(description.status.name).toBe('RUNNING');
        expect(description.typedSearchAttributes.get(AGENT_NAME)).toBe('triage');
      } finally {
        await connection.close();
      }
    } finally {
      await second.stop();
    }
    expect(fs.existsSync(pidFile)).toBe(false);
    expect(isAlive(second.pid)).toBe(false);
  });
});

describe('provisioning the temporal CLI', () => {
  const baseEnv = { ...process.env };
  delete baseEnv.TEMPORAL_CLI_PATH;

  test('a TEMPORAL_CLI_PATH that does not execute is reported as failed and the next route is used', async () => {
    const notExecutable = path.join(tmp, 'temporal');
    fs.writeFileSync(notExecutable, '#!/bin/sh\necho temporal version 9.9.9\n', { mode: 0o644 });
    const lines: string[] = [];
    const result = await provisionTemporalCli({
      env: { ...baseEnv, TEMPORAL_CLI_PATH: notExecutable },
      log: (line) => lines.push(line),
    });
    expect(result.attempts[0]).toMatchObject({ route: 'env', outcome: 'failed' });
    expect(result.attempts[0]?.detail).toMatch(/EACCES/);
    expect(result.route).not.toBe('env');
    expect(result.path).not.toBe(notExecutable);
    expect(lines[0]).toMatch(/route env: failed/);
    // The sync resolver skips it too, rather than handing out a path that cannot run.
    expect(resolveTemporalCliPathSync({ ...baseEnv, TEMPORAL_CLI_PATH: notExecutable })).not.toBe(notExecutable);
  });

  test('TEMPORAL_CLI_PATH pointing at a real binary is taken as route env', async () => {
    const result = await provisionTemporalCli({ env: { ...baseEnv, TEMPORAL_CLI_PATH: cliPath } });
    expect(result.route).toBe('env');
    expect(result.path).toBe(cliPath);
    expect(result.attempts).toHaveLength(1);
  });

  test('a warm cache provisions the pinned version in well under a second', async () => {
    const result = await provisionTemporalCli({ env: baseEnv });
    expect(['path', 'cache']).toContain(result.route);
    if (result.route === 'cache') expect(result.version).toBe(TEMPORAL_CLI_VERSION);
    expect(result.seconds).toBeLessThan(1);
  });
});
