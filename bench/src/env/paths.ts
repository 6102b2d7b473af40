/**
 * Where things are: the bench package, the project root whose compiled code (`../dist`) the bench drives, and the
 * per-invocation scratch directory (Temporal's SQLite file, scenarios, workflow bundles, logs).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** bench/ (this file is bench/dist/env/paths.js once compiled). */
export const BENCH_DIR = path.resolve(__dirname, '..', '..');
export const PROJECT_DIR = path.resolve(BENCH_DIR, '..');
/** The root project's build output; the bench imports durable-agent from here, exactly as a user's `require` would. */
export const PROJECT_DIST = path.join(PROJECT_DIR, 'dist');

/** Fails with what to do when the root project has not been built (the bench would fail later, less clearly). */
export function assertProjectBuilt(): void {
  const entry = path.join(PROJECT_DIST, 'index.js');
  if (!fs.existsSync(entry)) {
    throw new Error(`durable-agent is not built (${entry} is missing): run \`npm ci && npm run build\` in ${PROJECT_DIR} first`);
  }
}

export interface WorkDirs {
  root: string;
  scenarios: string;
  bundles: string;
  logs: string;
  /** LangGraph's SQLite checkpoint files. */
  checkpoints: string;
  /** durable-agent's blob store (conversation segments, offloaded payloads): DURABLE_AGENT_STORE points here. */
  blobs: string;
}

/** Total size of the files under `dir` (0 if it does not exist). */
export function directoryBytes(dir: string): number {
  let total = 0;
  if (!fs.existsSync(dir)) return 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    total += entry.isDirectory() ? directoryBytes(full) : entry.isFile() ? fs.statSync(full).size : 0;
  }
  return total;
}

/** A fresh scratch directory per invocation, so no run ever reads another's Temporal state or checkpoints. */
export function makeWorkDirs(): WorkDirs {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'durable-agent-bench-'));
  const dirs = {
    root,
    scenarios: path.join(root, 'scenarios'),
    bundles: path.join(root, 'bundles'),
    logs: path.join(root, 'logs'),
    checkpoints: path.join(root, 'checkpoints'),
    blobs: path.join(root, 'blobs'),
  };
  for (const dir of Object.values(dirs)) fs.mkdirSync(dir, { recursive: true });
  return dirs;
}
