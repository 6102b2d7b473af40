/**
 * Where durable-agent keeps its data when nothing says otherwise: one directory per user, in the user's XDG state
 * directory, never inside the package. Installed as a dependency, the package lives in `node_modules/`, which the
 * next `npm ci` deletes; blobs that runs in flight reference, and the dev server's database, must outlive that.
 *
 * Per user rather than per working directory: the embedded dev server listens on one port per machine
 * (127.0.0.1:7233), and its histories reference blobs in the local store, so every process that talks to that server
 * (a worker started in one folder, the CLI in another) must find the same store and the same database.
 *
 * The cache directories (server-binaries.ts, provision-cli.ts) and the cluster's (cluster.ts) follow XDG the same way.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { DATA_DIR_ENV } from '../common/config';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The data directory `env`, a home directory and a working directory give, in this order: `DURABLE_AGENT_DATA_DIR`
 * (resolved against `cwd`); `$XDG_STATE_HOME/durable-agent` when XDG_STATE_HOME is an absolute path (the XDG spec
 * says to ignore a relative one); `<homedir>/.local/state/durable-agent`; with no home at all,
 * `<cwd>/.durable-agent`. Pure: `defaultDataDir()` passes this machine's values.
 *
 * @example
 * dataDirFrom({ XDG_STATE_HOME: '/var/state' }, '/home/pat', '/srv/app'); // '/var/state/durable-agent'
 * dataDirFrom({}, '/home/pat', '/srv/app'); // '/home/pat/.local/state/durable-agent'
 */
export function dataDirFrom(env: Env, homedir: string | undefined, cwd: string): string {
  const explicit = env[DATA_DIR_ENV]?.trim();
  if (explicit) return path.resolve(cwd, explicit);
  const stateHome = env.XDG_STATE_HOME;
  if (stateHome && path.isAbsolute(stateHome)) return path.join(stateHome, 'durable-agent');
  // A relative HOME would make the directory depend on the cwd after all; it counts as no home.
  if (homedir && path.isAbsolute(homedir)) return path.join(homedir, '.local', 'state', 'durable-agent');
  return path.join(path.resolve(cwd), '.durable-agent');
}

/**
 * This process's data directory (`dataDirFrom` with the user's home and the current directory): the dev server's
 * database, the default blob store and the example's SQLite file live under it.
 *
 * @example
 * defaultDataDir(); // '/home/pat/.local/state/durable-agent'
 * defaultDataDir({ DURABLE_AGENT_DATA_DIR: '/srv/agent' }); // '/srv/agent'
 */
export function defaultDataDir(env: Env = process.env): string {
  return dataDirFrom(env, homedirOrNone(), process.cwd());
}

/** os.homedir() throws when neither HOME nor the password database has one (a bare container user). */
function homedirOrNone(): string | undefined {
  try {
    return os.homedir() || undefined;
  } catch {
    return undefined;
  }
}
