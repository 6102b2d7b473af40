/**
 * Once per `npm run test:cluster`: the dev-server suites' setup (the pinned CLI, the workflow bundle), then the
 * production-shaped cluster (temporal-config/cluster.ts) in a temporary directory, and a database on the cluster's
 * PostgreSQL for the blob store. The tests find the cluster the way a user's process does, through Temporal's
 * environment configuration: TEMPORAL_CONFIG_FILE and TEMPORAL_PROFILE (set here, inherited by jest's workers and
 * every process they start), never an address of their own.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { startCluster } from '../../temporal-config/cluster';
import devServerSuitesSetup from '../global-setup';

export const STORE_DATABASE = 'durable_agent';

export default async function clusterSetup(): Promise<void> {
  await devServerSuitesSetup();
  const dir = mkdtempSync(join(tmpdir(), 'durable-agent-cluster-'));
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const { state, timings } = await startCluster({ dir, log });
  log(
    `cluster: ${timings.provisionSeconds > 5 ? `server built in ${timings.provisionSeconds.toFixed(0)} s; ` : ''}` +
      `created and serving over mTLS in ${timings.startSeconds.toFixed(1)} s at ${state.address}`,
  );
  const password = (await readFile(join(dir, 'postgres.password'), 'utf8')).trim();
  const admin = new Client({ host: '127.0.0.1', port: state.ports.postgres, user: 'temporal', password, database: 'postgres' });
  await admin.connect();
  await admin.query(`create database ${STORE_DATABASE}`);
  await admin.end();
  process.env.TEMPORAL_CONFIG_FILE = state.profileFile;
  process.env.TEMPORAL_PROFILE = state.profile;
  process.env.DURABLE_AGENT_TEST_CLUSTER_DIR = dir;
  process.env.DURABLE_AGENT_TEST_CLUSTER_STORE = `postgresql://temporal:${encodeURIComponent(password)}@127.0.0.1:${state.ports.postgres}/${STORE_DATABASE}`;
  // For the closing note: the figures of this run's cluster.
  writeFileSync(join(dir, 'timings.json'), JSON.stringify(timings));
}
