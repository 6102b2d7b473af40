/**
 * Provides a `temporal` CLI binary (which embeds the dev server), pinned to TEMPORAL_CLI_VERSION, trying routes
 * in order and saying which one it took:
 *
 *   env      $TEMPORAL_CLI_PATH (any version; logged)
 *   path     `temporal` on PATH (any version; logged)
 *   cache    <cache>/durable-agent/temporal-cli/<version>/temporal, outside the clone, so a fresh clone on the
 *            same machine does not rebuild (<cache> = $XDG_CACHE_HOME or ~/.cache)
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
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { TEMPORAL_CLI_VERSION } from './settings';

export type Route = 'env' | 'path' | 'cache' | 'go' | 'download';
export const ROUTES: readonly Route[] = ['env', 'path', 'cache', 'go', 'download'];

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
}

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
type RouteFn = (env: NodeJS.ProcessEnv, log: (line: string) => void) => Promise<Found | string>;

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
      const result = await ROUTE_FNS[route](env, log);
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
