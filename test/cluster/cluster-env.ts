/**
 * How the cluster tests reach the cluster: only through what test/cluster/setup.ts put in the environment
 * (TEMPORAL_CONFIG_FILE + TEMPORAL_PROFILE, Temporal's own environment configuration, and the PostgreSQL store),
 * exactly as a user's processes would. Nothing from the host's environment leaks in (hermeticEnv).
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { hermeticEnv } from '../../soak/hermetic-env';

export const CLI = join(__dirname, '..', '..', 'dist', 'cli', 'main.js');

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the cluster tests with \`npm run test:cluster\` (its global setup starts the cluster)`);
  return value;
}

/** A user's environment pointed at the cluster by profile; `extra` adds (or, with undefined, removes) variables. */
export function clusterEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return hermeticEnv({
    CI: 'true',
    TEMPORAL_CONFIG_FILE: required('TEMPORAL_CONFIG_FILE'),
    TEMPORAL_PROFILE: required('TEMPORAL_PROFILE'),
    DURABLE_AGENT_STORE: required('DURABLE_AGENT_TEST_CLUSTER_STORE'),
    // The bundle jest's global setup built: a worker starts in a second instead of running webpack.
    DURABLE_AGENT_WORKFLOW_BUNDLE: process.env.DURABLE_AGENT_TEST_BUNDLE,
    DURABLE_AGENT_TRACES: 'off',
    ...extra,
  });
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv, opts: { cwd?: string; timeoutMs?: number; children?: Set<ChildProcess> } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI, ...args], { env, cwd: opts.cwd, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      opts.children?.delete(child);
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
    opts.children?.add(child);
  });
}

/** Polls `read` until `done` holds (visibility on the cluster is eventually consistent), or fails after `ms`. */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: T = await read();
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`not reached within ${ms} ms; last: ${JSON.stringify(last).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 300));
    last = await read();
  }
  return last;
}
