/**
 * The header every bench run prints: the machine (cores, CPU model, RAM, load at start) and the versions of
 * everything measured, so a table is never read without its context.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Node22 } from './env/node22';
import { BENCH_DIR, PROJECT_DIR } from './env/paths';

function cpuModel(): string {
  try {
    const line = fs.readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'));
    return line?.split(':')[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  } catch {
    return os.cpus()[0]?.model ?? 'unknown';
  }
}

function packageVersion(name: string, from = BENCH_DIR): string {
  try {
    const file = path.join(from, 'node_modules', name, 'package.json');
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

function gitCommit(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: PROJECT_DIR, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: PROJECT_DIR, encoding: 'utf8' }).trim();
    return dirty ? `${sha} (with uncommitted changes in the working tree)` : sha;
  } catch {
    return 'unknown';
  }
}

export function machineHeader(o: { node22: Node22; temporalCli: string; pragmas: Record<string, string>; dynamicConfig: Record<string, unknown>; mode: string }): string {
  const root = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, 'package.json'), 'utf8')) as { version: string };
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  return [
    `## durable-agent bench (${o.mode})`,
    '',
    `- machine: ${os.cpus().length} cores, ${cpuModel()}, ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB RAM; load average at start ${load}`,
    `- started: ${new Date().toISOString()}`,
    `- Node ${process.version} (bench, contenders a b c e); ${o.node22.ok ? `Node ${o.node22.version} for (d)` : `no Node 22: ${o.node22.reason}`}`,
    `- durable-agent ${root.version} at ${gitCommit()}, @temporalio/* ${packageVersion('@temporalio/worker', PROJECT_DIR)} (project), ${packageVersion('@temporalio/worker')} (bench)`,
    `- Temporal dev server: temporal CLI ${o.temporalCli}, SQLite file with ${Object.entries(o.pragmas).map(([k, v]) => `${k}=${v}`).join(', ')}; dynamic config ${Object.entries(o.dynamicConfig).map(([k, v]) => `${k}=${String(v)}`).join(', ') || 'none'}`,
    `- @temporalio/ai-sdk ${packageVersion('@temporalio/ai-sdk')}, ai ${packageVersion('ai')}, @ai-sdk/anthropic ${packageVersion('@ai-sdk/anthropic')}`,
    `- @langchain/langgraph ${packageVersion('@langchain/langgraph')}, @langchain/langgraph-checkpoint-sqlite ${packageVersion('@langchain/langgraph-checkpoint-sqlite')}, @langchain/anthropic ${packageVersion('@langchain/anthropic')}`,
    `- @anthropic-ai/sdk ${packageVersion('@anthropic-ai/sdk')}, against the project's scripted model (own process, loopback HTTP)`,
    '',
  ].join('\n');
}
