/**
 * The cluster's PostgreSQL: Debian's server binaries (found like the store's test cluster, stores/postgres-dev.ts),
 * a data directory inside the cluster directory that outlives `cluster stop` (the cluster's runs are kept), password
 * authentication (scram-sha-256) even on loopback, as a shared server would have, and a server process in its own
 * process group, so it outlives the command that started it. As root it runs as the `postgres` OS user, since
 * PostgreSQL refuses root.
 */
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { findPostgresBinDir, isRoot, osUserIds, postgresUnavailableReason, waitUntilReady } from '../stores/postgres-dev';

const OS_USER = 'postgres';
export const CLUSTER_DB_USER = 'temporal';

export interface ClusterPostgres {
  pid: number;
  port: number;
  user: string;
  password: string;
  dataDir: string;
  logFile: string;
}

function asPostgresUser(): { uid: number; gid: number } | undefined {
  if (!isRoot()) return undefined;
  const ids = osUserIds(OS_USER);
  if (!ids) throw new Error(`running as root, and PostgreSQL refuses root, but there is no "${OS_USER}" OS user to run it as`);
  return ids;
}

function command(binDir: string, bin: string, args: string[], asUser: boolean): [string, string[]] {
  const file = path.join(binDir, bin);
  return asUser ? ['runuser', ['-u', OS_USER, '--', file, ...args]] : [file, args];
}

function runToEnd(cmd: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${path.basename(args[2] ?? cmd)} failed: ${(stderr || stdout).trim().split('\n').slice(-3).join(' | ')}`));
      else resolve();
    });
  });
}

/**
 * Starts (creating on first use) the cluster's PostgreSQL in `dir`/postgres, on `port`, and waits until the
 * `temporal` role can log in with `password`.
 */
export async function startClusterPostgres(dir: string, port: number, password: string): Promise<ClusterPostgres> {
  const unavailable = postgresUnavailableReason();
  if (unavailable) throw new Error(unavailable);
  const binDir = findPostgresBinDir() as string;
  const ids = asPostgresUser();
  const pgDir = path.join(dir, 'postgres');
  const dataDir = path.join(pgDir, 'data');
  const logFile = path.join(pgDir, 'postgres.log');
  await fsp.mkdir(pgDir, { recursive: true, mode: 0o700 });
  if (ids) {
    const blocked = unreachableAncestor(dir, ids.uid);
    if (blocked) throw new Error(`PostgreSQL runs as the "${OS_USER}" OS user, which cannot enter ${blocked} (no execute permission for others): choose a cluster directory it can reach (--dir)`);
    await fsp.chown(pgDir, ids.uid, ids.gid);
  }

  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    // The superuser's password goes through a file readable only by the server's user, never a command line.
    const pwFile = path.join(pgDir, 'initdb.pw');
    await fsp.writeFile(pwFile, `${password}\n`, { mode: 0o600 });
    if (ids) await fsp.chown(pwFile, ids.uid, ids.gid);
    try {
      const [cmd, args] = command(binDir, 'initdb', ['-D', dataDir, '-U', CLUSTER_DB_USER, `--pwfile=${pwFile}`, '-A', 'scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-instructions'], Boolean(ids));
      await runToEnd(cmd, args, pgDir);
    } finally {
      await fsp.rm(pwFile, { force: true });
    }
  }

  const [cmd, args] = command(
    binDir,
    'postgres',
    ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${pgDir}`, '-c', 'max_connections=200', '-c', 'shared_buffers=128MB'],
    Boolean(ids),
  );
  const log = fs.openSync(logFile, 'a');
  if (ids) fs.fchownSync(log, ids.uid, ids.gid);
  const child = spawn(cmd, args, { cwd: pgDir, stdio: ['ignore', log, log], detached: true });
  fs.closeSync(log);
  child.unref();
  const url = `postgresql://${CLUSTER_DB_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  await waitUntilReady(url, child, logFile, 60_000);
  const pid = postmasterPid(dataDir) ?? child.pid ?? 0;
  return { pid, port, user: CLUSTER_DB_USER, password, dataDir, logFile };
}

/** The first directory on the way to `dir` that `uid` may not pass through, if any (owner or others' x bit). */
function unreachableAncestor(dir: string, uid: number): string | undefined {
  const parts = path.resolve(dir).split(path.sep).filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    const at = path.sep + parts.slice(0, i).join(path.sep);
    const st = fs.statSync(at);
    const passable = st.uid === uid ? (st.mode & 0o100) !== 0 : (st.mode & 0o001) !== 0;
    if (!passable) return at;
  }
  return undefined;
}

export function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
