/** Stops the cluster the setup started and deletes its directory (data, certificates, logs). */
import { rmSync } from 'node:fs';
import { stopCluster } from '../../temporal-config/cluster';

export default async function clusterTeardown(): Promise<void> {
  const dir = process.env.DURABLE_AGENT_TEST_CLUSTER_DIR;
  if (!dir) return;
  await stopCluster(dir);
  if (!process.env.DURABLE_AGENT_KEEP_CLUSTER) rmSync(dir, { recursive: true, force: true });
}
