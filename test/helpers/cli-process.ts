/**
 * Runs the built `durable-agent` CLI (dist/cli/main.js) as a child process, the way a person runs it, pointed at a
 * test server with nothing from the host's environment leaking in.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { hermeticEnv } from './hermetic-env';

export const CLI = join(__dirname, '..', '..', 'dist', 'cli', 'main.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** How long the command took. */
  ms: number;
}

export interface CliTarget {
  address: string;
  namespace: string;
  taskQueue: string;
  /** Working directory and home of anything the CLI persists. */
  scratch: string;
  /** The Web UI's address, for the links the CLI prints. */
  uiUrl?: string;
}

export function cliEnv(target: CliTarget, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return hermeticEnv({
    CI: 'true',
    TEMPORAL_ADDRESS: target.address,
    TEMPORAL_NAMESPACE: target.namespace,
    DURABLE_AGENT_TASK_QUEUE: target.taskQueue,
    ...(target.uiUrl ? { TEMPORAL_UI_URL: target.uiUrl } : {}),
    DURABLE_AGENT_DATA_DIR: join(target.scratch, 'data'),
    DURABLE_AGENT_TEMPORAL_DB: join(target.scratch, 'temporal', 'temporal.sqlite'),
    ...extra,
  });
}

/** `children`, when given, holds the process while it runs (a test kills what is left when it ends). */
export function runCli(
  target: CliTarget,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; children?: Set<ChildProcess> } = {},
): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [CLI, ...args],
      { env: cliEnv(target, opts.env), cwd: target.scratch, timeout: opts.timeoutMs ?? 30_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        opts.children?.delete(child);
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        resolve({ code, stdout, stderr, ms: Date.now() - started });
      },
    );
    opts.children?.add(child);
  });
}

/** The CLI's failure form: a non-zero exit, nothing on stdout, one line on stderr. */
export function oneLineError(result: CliResult): string | undefined {
  const lines = result.stderr.split('\n').filter(Boolean);
  if (result.code === 0 || result.code === null || result.stdout !== '' || lines.length !== 1) return undefined;
  return /^durable-agent: error: /.test(lines[0] ?? '') ? lines[0] : undefined;
}
