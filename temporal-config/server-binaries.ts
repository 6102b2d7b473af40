/**
 * The Temporal server itself (`temporal-server`) and its SQL schema tool (`temporal-sql-tool`), for the
 * production-shaped cluster (temporal-config/cluster.ts). Pinned to the server version the pinned CLI embeds
 * (settings.ts: TEMPORAL_SERVER_VERSION), so the cluster and the dev server run the same server code.
 *
 * Built with `go install` from the Go module proxy, like the CLI's go route, and cached outside the clone:
 * `${XDG_CACHE_HOME:-~/.cache}/durable-agent/temporal-server/<version>/` holds both binaries and the PostgreSQL
 * schema directory copied from the module (the SQL tool applies it). A build happens in a `.staging-*` directory
 * in the cache and is moved into place with one rename() once both binaries report the pinned version, so a build
 * killed halfway never leaves something the cache check would accept. `$TEMPORAL_SERVER_DIR` names a directory
 * laid out the same way instead (a prebuilt copy; nothing is built then).
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { TEMPORAL_SERVER_VERSION } from './settings';

export const TEMPORAL_SERVER_DIR_ENV = 'TEMPORAL_SERVER_DIR';
const MODULE = 'go.temporal.io/server';
const PACKAGES = { server: `${MODULE}/cmd/server`, sqlTool: `${MODULE}/cmd/tools/sql` } as const;
/** What `go install` names them (after their package folders), and what we name them in the cache. */
const BUILT_NAMES = { server: 'server', sqlTool: 'sql' } as const;
const NAMES = { server: 'temporal-server', sqlTool: 'temporal-sql-tool' } as const;
/** Inside the module: the PostgreSQL schemas the SQL tool applies (persistence and visibility). */
const SCHEMA_IN_MODULE = path.join('schema', 'postgresql', 'v12');

export interface ServerBinaries {
  dir: string;
  server: string;
  sqlTool: string;
  /** `<dir>/schema/postgresql/v12`, holding `temporal/versioned` and `visibility/versioned`. */
  schemaDir: string;
  version: string;
  /** How they were found: `env`, `cache` or `go` (built now), with the build's seconds. */
  route: 'env' | 'cache' | 'go';
  seconds: number;
}

export class ServerBinariesError extends Error {
  override readonly name = 'ServerBinariesError';
}

export function serverCacheDir(env: NodeJS.ProcessEnv = process.env, version = TEMPORAL_SERVER_VERSION): string {
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'durable-agent', 'temporal-server', version);
}

function layout(dir: string): Pick<ServerBinaries, 'dir' | 'server' | 'sqlTool' | 'schemaDir'> {
  return {
    dir,
    server: path.join(dir, NAMES.server),
    sqlTool: path.join(dir, NAMES.sqlTool),
    schemaDir: path.join(dir, SCHEMA_IN_MODULE),
  };
}

function run(file: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs: number }): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env: opts.env, timeout: opts.timeoutMs, maxBuffer: 32 << 20, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const how = err.killed ? `killed after ${opts.timeoutMs} ms` : typeof err.code === 'number' ? `exit code ${err.code}` : String(err.code);
      const last = stderr.trim().split('\n').filter(Boolean).slice(-1)[0];
      reject(new ServerBinariesError(`\`${path.basename(file)} ${args.join(' ')}\` failed (${how})${last ? `: ${last}` : ''}`));
    });
  });
}

/** Both binaries run here and report `version`, and the schema is there; otherwise says what is wrong. */
async function check(dir: string, version: string): Promise<string | undefined> {
  const at = layout(dir);
  for (const [bin, pattern] of [
    [at.server, /^temporal version (\S+)/m],
    [at.sqlTool, /^temporal-sql-tool version (\S+)/m],
  ] as const) {
    if (!fs.existsSync(bin)) return `no ${bin}`;
    const printed = await run(bin, ['--version'], { timeoutMs: 15_000 }).catch((err: Error) => err.message);
    const got = pattern.exec(printed)?.[1];
    if (got !== version) return `${bin} reports ${got ?? JSON.stringify(printed.trim().slice(0, 80))}, want ${version}`;
  }
  if (!fs.existsSync(path.join(at.schemaDir, 'temporal', 'versioned'))) return `no schema at ${at.schemaDir}`;
  return undefined;
}

function findGo(env: NodeJS.ProcessEnv): string | undefined {
  const dirs = [...(env.PATH ?? '').split(path.delimiter).filter(Boolean), '/usr/local/go/bin'];
  return dirs.map((d) => path.join(d, 'go')).find((f) => fs.existsSync(f));
}

async function buildInto(staging: string, version: string, env: NodeJS.ProcessEnv, go: string): Promise<void> {
  const goEnv = { ...env, GOBIN: staging, CGO_ENABLED: '0' };
  // Both packages in one `go install`: they share most of their dependencies, so one build compiles them once.
  await run(go, ['install', '-ldflags', '-s -w', `${PACKAGES.server}@v${version}`, `${PACKAGES.sqlTool}@v${version}`], {
    env: goEnv,
    timeoutMs: 40 * 60_000,
  });
  await fsp.rename(path.join(staging, BUILT_NAMES.server), path.join(staging, NAMES.server));
  await fsp.rename(path.join(staging, BUILT_NAMES.sqlTool), path.join(staging, NAMES.sqlTool));
  // `go install` left the module in the module cache; its schema files are read-only there, so copy them.
  const modCache = (await run(go, ['env', 'GOMODCACHE'], { env: goEnv, timeoutMs: 15_000 })).trim();
  const schema = path.join(modCache, `${MODULE}@v${version}`, SCHEMA_IN_MODULE);
  await fsp.cp(schema, path.join(staging, SCHEMA_IN_MODULE), { recursive: true });
  await chmodTree(path.join(staging, 'schema'));
}

async function chmodTree(dir: string): Promise<void> {
  await fsp.chmod(dir, 0o755);
  for (const entry of await fsp.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) await chmodTree(p);
    else await fsp.chmod(p, 0o644);
  }
}

/**
 * Finds or builds the pinned server and SQL tool. Routes: `$TEMPORAL_SERVER_DIR`, the cache, `go install`
 * (about 3 min on 2 cores with a warm module cache and the CLI's build cache; see docs/production.md).
 *
 * @example
 * const bins = await provisionTemporalServer({ log: console.log });
 * spawn(bins.server, ['--root', root, 'start', '--service', 'frontend']);
 */
export async function provisionTemporalServer(
  opts: { env?: NodeJS.ProcessEnv; log?: (line: string) => void; version?: string } = {},
): Promise<ServerBinaries> {
  const env = opts.env ?? process.env;
  const version = opts.version ?? TEMPORAL_SERVER_VERSION;
  const log = opts.log ?? (() => undefined);
  const started = performance.now();
  const seconds = (): number => Math.round((performance.now() - started) / 100) / 10;

  const given = env[TEMPORAL_SERVER_DIR_ENV];
  if (given) {
    const wrong = await check(path.resolve(given), version);
    if (wrong) throw new ServerBinariesError(`${TEMPORAL_SERVER_DIR_ENV}=${given}: ${wrong}`);
    return { ...layout(path.resolve(given)), version, route: 'env', seconds: seconds() };
  }

  const cached = serverCacheDir(env, version);
  const wrongCached = await check(cached, version);
  if (!wrongCached) return { ...layout(cached), version, route: 'cache', seconds: seconds() };

  const go = findGo(env);
  if (!go) {
    throw new ServerBinariesError(`the Temporal server ${version} is not cached (${wrongCached}) and there is no \`go\` to build it (install Go, or set ${TEMPORAL_SERVER_DIR_ENV})`);
  }
  log(`temporal server: building ${MODULE} v${version} (server and SQL tool) with ${go}; a few minutes on 2 cores...`);
  const root = path.dirname(cached);
  await fsp.mkdir(root, { recursive: true });
  const staging = await fsp.mkdtemp(path.join(root, '.staging-'));
  try {
    await buildInto(staging, version, env, go);
    const wrong = await check(staging, version);
    if (wrong) throw new ServerBinariesError(`the build is not usable: ${wrong}`);
    await fsp.rm(cached, { recursive: true, force: true });
    await fsp.rename(staging, cached);
  } finally {
    await fsp.rm(staging, { recursive: true, force: true });
  }
  log(`temporal server: built in ${seconds()} s into ${cached}`);
  return { ...layout(cached), version, route: 'go', seconds: seconds() };
}
