/**
 * The bench's command line (entry: main.ts):
 *   npm run bench [-- --full] [--only overhead,history,parallel,throughput,recovery] [--contenders a,b,c,d,e]
 *                 [--out file] [--keep] [--durable-agent-bundle project|workflows-only]
 *                 [--workers-on default|node22|node22-frames]
 * Starts a file-backed Temporal dev server (WAL) and the scripted model, runs the selected benchmarks, prints each
 * table as it is done. Numbers are printed, never asserted. Exits non-zero only if the bench itself crashed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { ContenderId } from './contenders/types';
import { DURABLE_AGENT_BUNDLES, type DurableAgentBundle } from './contenders/worker-host-options';
import { historyBench } from './benchmarks/history-bytes';
import { overheadBench } from './benchmarks/overhead';
import { parallelBench } from './benchmarks/parallel-calls';
import { recoveryBench } from './benchmarks/recovery';
import { throughputBench } from './benchmarks/throughput';
import type { BenchContext } from './benchmarks/common';
import { findNode22 } from './env/node22';
import { WORKERS_ON, workerRuntime, type WorkersOn } from './env/worker-runtime';
import { startModelServer } from './env/model-server';
import { makeWorkDirs } from './env/paths';
import { startTemporal } from './env/temporal';
import { machineHeader } from './machine';
import { FULL, SHORT } from './sizes';

const BENCHMARKS = ['overhead', 'history', 'parallel', 'throughput', 'recovery'] as const;
type BenchmarkName = (typeof BENCHMARKS)[number];
const CONTENDERS: ContenderId[] = ['a', 'b', 'c', 'd', 'e'];
/** The server's own limit on a history is 50 MB; a page of it, or a result, stays well below this. */
const MAX_RECEIVE_BYTES = 256 * 1024 * 1024;

interface Args {
  full: boolean;
  only: BenchmarkName[];
  contenders: ContenderId[];
  out?: string;
  keep: boolean;
  durableAgentBundle: DurableAgentBundle;
  workersOn: WorkersOn;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { full: false, only: [...BENCHMARKS], contenders: [...CONTENDERS], keep: false, durableAgentBundle: 'project', workersOn: 'default' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--full') args.full = true;
    else if (arg === '--keep') args.keep = true;
    else if (arg === '--out') args.out = value();
    else if (arg === '--only') args.only = listOf(value(), BENCHMARKS, '--only');
    else if (arg === '--contenders') args.contenders = listOf(value(), CONTENDERS, '--contenders');
    else if (arg === '--durable-agent-bundle') args.durableAgentBundle = oneOf(value(), DURABLE_AGENT_BUNDLES, arg);
    else if (arg === '--workers-on') args.workersOn = oneOf(value(), WORKERS_ON, arg);
    else throw new Error(`unknown argument ${arg}; see the top of bench/src/main.ts`);
  }
  return args;
}

function oneOf<T extends string>(text: string, allowed: readonly T[], flag: string): T {
  const [item, ...rest] = listOf(text, allowed, flag);
  if (!item || rest.length) throw new Error(`${flag} takes one of ${allowed.join(', ')}`);
  return item;
}

function listOf<T extends string>(text: string, allowed: readonly T[], flag: string): T[] {
  const items = text.split(',').map((s) => s.trim()).filter(Boolean);
  for (const item of items) if (!allowed.includes(item as T)) throw new Error(`${flag}: "${item}" is not one of ${allowed.join(', ')}`);
  return items as T[];
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const runners: Record<BenchmarkName, (ctx: BenchContext) => Promise<string>> = {
    overhead: overheadBench,
    history: historyBench,
    parallel: parallelBench,
    throughput: throughputBench,
    recovery: recoveryBench,
  };

  const sizes = args.full ? FULL : SHORT;
  const dirs = makeWorkDirs();
  const node22 = findNode22();
  const started = Date.now();
  const output: string[] = [];
  const emit = (text: string): void => {
    output.push(text);
    console.log(text);
    if (args.out) fs.writeFileSync(args.out, `${output.join('\n')}\n`);
  };

  // durable-agent keeps conversation segments and large payloads in a blob store; this run's own, so the history
  // bench can measure what a run writes there. Inherited by every worker process (they and the client must agree).
  process.env.DURABLE_AGENT_STORE = `local:${dirs.blobs}`;
  const temporal = await startTemporal(dirs.root);
  const model = await startModelServer(dirs.scenarios, path.join(dirs.logs, 'scripted-model.log'));
  // Histories of long runs come back in pages larger than gRPC's default 4 MB; the bench must be able to read them.
  const connection = await Connection.connect({
    address: temporal.address,
    channelArgs: { 'grpc.max_receive_message_length': MAX_RECEIVE_BYTES },
  });
  const client = new Client({ connection, namespace: temporal.namespace });
  let crashed = false;
  try {
    const runtime = workerRuntime(args.workersOn, node22);
    const mode = [
      args.full ? 'full' : 'short',
      ...(args.durableAgentBundle === 'project' ? [] : [`durable-agent bundle: ${args.durableAgentBundle}`]),
      `Temporal contenders' workers: ${runtime.label}`,
    ].join(', ');
    emit(machineHeader({ node22, temporalCli: temporal.cliVersion, pragmas: temporal.pragmas, dynamicConfig: temporal.dynamicConfig, mode }));
    const env = { address: temporal.address, namespace: temporal.namespace, modelUrl: model.url, dirs, client, node22, durableAgentBundle: args.durableAgentBundle, workerRuntime: runtime };
    for (const name of args.only) {
      const t0 = Date.now();
      try {
        emit(await runners[name]({ env, sizes, contenders: args.contenders }));
      } catch (err) {
        crashed = true;
        emit(`### ${name}: the benchmark crashed\n\n${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      }
      emit(`(${name}: ${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
    }
    emit(`Total ${((Date.now() - started) / 1000).toFixed(0)} s. Logs: ${dirs.logs}${args.keep ? '' : ' (removed at exit; --keep keeps them)'}`);
  } finally {
    await connection.close().catch(() => undefined);
    await model.child.stop().catch(() => undefined);
    await temporal.stop().catch(() => undefined);
    if (!args.keep && !crashed) fs.rmSync(dirs.root, { recursive: true, force: true });
  }
  process.exitCode = crashed ? 1 : 0;
}

export function run(): void {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exitCode = 1;
  });
}
