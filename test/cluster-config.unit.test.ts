/**
 * The cluster's server configuration and the Worker Versioning options, as data: what the production-shaped
 * cluster promises (mTLS required everywhere a client connects, PostgreSQL for both stores, ports the server can
 * record) and the one-line refusals for a deployment half given.
 */
import { dynamicConfigText, serverConfig, SERVICES } from '../temporal-config/cluster-config';
import { deploymentOptions } from '../workers/agent-worker';
import { deploymentFrom } from '../cli/commands/worker';

const certs = {
  dir: '/c',
  caCert: '/c/ca.pem',
  serverCert: '/c/server.pem',
  serverKey: '/c/server.key',
  clientCert: '/c/client.pem',
  clientKey: '/c/client.key',
  systemWorkerCert: '/c/sw.pem',
  systemWorkerKey: '/c/sw.key',
  serverName: 'localhost',
};
const ports = {
  frontendGrpc: 21000,
  frontendHttp: 21001,
  grpc: { history: 21002, matching: 21003, frontend: 21004, worker: 21005 },
  membership: { history: 21006, matching: 21007, frontend: 21008, worker: 21009 },
};
const db = { port: 21010, user: 'temporal', password: 'pw', databases: { default: 'temporal', visibility: 'temporal_visibility' } };

describe('the cluster configuration', () => {
  const config = serverConfig({ ports, db, certs, dynamicConfigFile: '/c/dynamic.yaml' });

  test('mTLS is required on the frontend and between the services, with the CA as the only trust root', () => {
    for (const group of [config.global.tls.frontend, config.global.tls.internode]) {
      expect(group.server).toMatchObject({ requireClientAuth: true, clientCaFiles: ['/c/ca.pem'] });
      expect(group.client).toEqual({ serverName: 'localhost', rootCaFiles: ['/c/ca.pem'] });
    }
    expect(config.global.tls.systemWorker).toMatchObject({ certFile: '/c/sw.pem', keyFile: '/c/sw.key' });
  });

  test('PostgreSQL holds persistence and visibility; every service binds 127.0.0.1 only', () => {
    expect(Object.values(config.persistence.datastores).map((d) => [d.sql.pluginName, d.sql.databaseName, d.sql.connectAddr])).toEqual([
      ['postgres12', 'temporal', '127.0.0.1:21010'],
      ['postgres12', 'temporal_visibility', '127.0.0.1:21010'],
    ]);
    expect(Object.keys(config.services).sort()).toEqual([...SERVICES].sort());
    for (const s of Object.values(config.services)) expect(s.rpc.bindOnIP).toBe('127.0.0.1');
    expect(config.services.frontend.rpc.grpcPort).toBe(21000);
  });

  test('the dynamic config file is in the server format: a list of values per key', () => {
    expect(JSON.parse(dynamicConfigText({ 'a.b': true }))).toEqual({ 'a.b': [{ value: true }] });
  });
});

describe('Worker Versioning options', () => {
  test('a deployment becomes the SDK options, AUTO_UPGRADE unless PINNED is asked for', () => {
    expect(deploymentOptions({ deployment: { name: 'agents', buildId: 'b1' } }).workerDeploymentOptions).toEqual({
      version: { deploymentName: 'agents', buildId: 'b1' },
      useWorkerVersioning: true,
      defaultVersioningBehavior: 'AUTO_UPGRADE',
    });
    expect(deploymentOptions({ deployment: { name: 'agents', buildId: 'b1' }, versioningBehavior: 'PINNED' }).workerDeploymentOptions?.defaultVersioningBehavior).toBe('PINNED');
    expect(deploymentOptions({})).toEqual({});
  });

  test('half a deployment is refused in one line, from the API and from the CLI', () => {
    expect(() => deploymentOptions({ versioningBehavior: 'PINNED' })).toThrow('versioningBehavior needs deployment');
    expect(() => deploymentOptions({ deployment: { name: ' ', buildId: 'b1' } })).toThrow('non-empty name and buildId');
    expect(() => deploymentFrom({ buildId: 'b1' })).toThrow('--deployment-name and --build-id go together');
    expect(() => deploymentFrom({ versioningBehavior: 'pinned' })).toThrow('--versioning-behavior needs');
    expect(deploymentFrom({ deploymentName: 'agents', buildId: 'b1', versioningBehavior: 'pinned' })).toEqual({
      deployment: { name: 'agents', buildId: 'b1' },
      versioningBehavior: 'PINNED',
    });
  });
});
