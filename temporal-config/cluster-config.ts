/**
 * The production-shaped cluster's server configuration, as data: PostgreSQL for persistence and for (SQL advanced)
 * visibility, the four services on their own ports, mTLS required on the frontend and between the services, and
 * the system worker authenticating with its own certificate. Pure: cluster.ts writes it out and starts the
 * services. The server reads YAML, and JSON is YAML, so the file is written as JSON (no YAML writer needed).
 */
import type { ClusterCerts } from './cluster-certs';

export const SERVICES = ['history', 'matching', 'frontend', 'worker'] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface ClusterPorts {
  frontendGrpc: number;
  frontendHttp: number;
  /** gRPC and membership (ringpop) ports for each service. */
  grpc: Record<ServiceName, number>;
  membership: Record<ServiceName, number>;
}

export interface ClusterDatabase {
  port: number;
  user: string;
  password: string;
  /** Persistence and visibility databases. */
  databases: { default: string; visibility: string };
}

/**
 * Dynamic configuration, applied to every service. Each value is something an agent deployment wants; see
 * docs/production.md for why and the measured effect.
 */
export const DYNAMIC_CONFIG: Readonly<Record<string, unknown>> = {
  // The test suite registers the search attributes and starts runs that set them within a second; without this
  // a history host may still hold the previous list for up to a minute. A real cluster registers them once at
  // set-up and can leave it off.
  'system.forceSearchAttributesCacheRefreshOnRead': true,
  // A model step's result schedules the tool call on the same task queue: with eager execution the server hands
  // it back in the workflow task's response instead of through matching, which halved the step time here
  // (docs/production.md, bench/cluster-settings.js). Off by default in the server.
  'system.enableActivityEagerExecution': true,
  // Many agent runs on one namespace: the default per-instance visibility rate (10/s) throttles `list`.
  'frontend.namespaceRPS.visibility': 100,
};

/** 4 is the development value: shards are fixed for a cluster's life; production clusters use 512 or more. */
export const HISTORY_SHARDS = 4;

export function serverConfig(o: { ports: ClusterPorts; db: ClusterDatabase; certs: ClusterCerts; dynamicConfigFile: string; logLevel?: string }) {
  const { ports, db, certs } = o;
  const sql = (database: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName: database,
      connectAddr: `127.0.0.1:${db.port}`,
      connectProtocol: 'tcp',
      user: db.user,
      password: db.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const serverTls = { certFile: certs.serverCert, keyFile: certs.serverKey, requireClientAuth: true, clientCaFiles: [certs.caCert] };
  const clientTls = { serverName: certs.serverName, rootCaFiles: [certs.caCert] };
  const service = (name: ServiceName) => ({
    rpc: {
      grpcPort: name === 'frontend' ? ports.frontendGrpc : ports.grpc[name],
      membershipPort: ports.membership[name],
      bindOnIP: '127.0.0.1',
      ...(name === 'frontend' ? { httpPort: ports.frontendHttp } : {}),
    },
  });
  return {
    log: { stdout: true, level: o.logLevel ?? 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: HISTORY_SHARDS,
      datastores: { 'postgres-default': sql(db.databases.default, 20), 'postgres-visibility': sql(db.databases.visibility, 10) },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
      tls: {
        // Between the services (history, matching, frontend as their client): mutual TLS with the same CA.
        internode: { server: serverTls, client: clientTls },
        // The frontend, where workers and clients connect: a certificate signed by the CA is required.
        frontend: { server: serverTls, client: clientTls },
        // Temporal's own system workflows connect to the frontend like any client, with their own certificate.
        systemWorker: { certFile: certs.systemWorkerCert, keyFile: certs.systemWorkerKey, client: clientTls },
      },
    },
    services: Object.fromEntries(SERVICES.map((name) => [name, service(name)])) as Record<ServiceName, ReturnType<typeof service>>,
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `127.0.0.1:${ports.frontendGrpc}` } },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: o.dynamicConfigFile, pollInterval: '10s' },
  };
}

/** The dynamic config file's format: each key holds a list of values with (here, no) constraints. */
export function dynamicConfigText(values: Readonly<Record<string, unknown>> = DYNAMIC_CONFIG): string {
  return JSON.stringify(Object.fromEntries(Object.entries(values).map(([k, v]) => [k, [{ value: v }]])), null, 2);
}
