/**
 * `durable-agent cluster start|stop|status`: the production-shaped Temporal cluster (temporal-config/cluster.ts):
 * the pinned server built from the Go module proxy, PostgreSQL, four services, mTLS. `start` leaves it running
 * and prints how to connect with Temporal's own profile variables; `stop` stops it and keeps its data.
 */
import { Command } from 'commander';
import { ClusterError, connectHelp, defaultClusterDir, runningCluster, startCluster, stopCluster } from '../../temporal-config/cluster';
import { ServerBinariesError } from '../../temporal-config/server-binaries';
import { CliError } from '../errors';
import { print } from '../output';

const ACTIONS = ['start', 'stop', 'status'] as const;

export function clusterCommand(): Command {
  return new Command('cluster')
    .description('start or stop a production-shaped Temporal cluster here (PostgreSQL, 4 services, mTLS)')
    .argument('<action>', ACTIONS.join(' | '))
    .option('--dir <dir>', `the cluster's directory: data, certificates, logs, client profile (default: ${defaultClusterDir()})`)
    .action(async (action: string, opts: { dir?: string }) => {
      const dir = opts.dir ?? defaultClusterDir();
      if (action === 'start') return start(dir);
      if (action === 'stop') return print((await stopCluster(dir)) ? `stopped the cluster in ${dir} (its data is kept)` : `no cluster is running in ${dir}`);
      if (action === 'status') {
        const state = await runningCluster(dir);
        if (!state) throw new CliError(`no cluster is running in ${dir}`);
        return print(connectHelp(state));
      }
      throw new CliError(`unknown cluster action "${action}" (expected ${ACTIONS.join(', ')})`, 2);
    });
}

async function start(dir: string): Promise<void> {
  try {
    const { state, timings } = await startCluster({ dir, log: (line) => process.stderr.write(`${line}\n`) });
    const built = timings.provisionSeconds > 5 ? `server built in ${timings.provisionSeconds.toFixed(0)} s, ` : '';
    print(connectHelp(state));
    print(`  (${built}${timings.created ? 'created and ' : ''}started in ${timings.startSeconds.toFixed(1)} s; logs in ${state.dir}/logs)`);
  } catch (err) {
    if (err instanceof ClusterError || err instanceof ServerBinariesError) throw new CliError(err.message);
    throw err;
  }
}
