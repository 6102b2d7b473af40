/**
 * A throwaway certificate authority for the production-shaped cluster, made with the system's `openssl`: the
 * cluster's services present `server` (to clients and to each other), require a certificate signed by the CA
 * from every client, and clients present `client`. Temporal's system worker (its own workflows) gets a client
 * certificate of its own, as it would in a real deployment. P-256 keys in PKCS#8 (both Go and the SDK's Rust core
 * read them); valid 30 days; the CA's key never leaves the cluster directory (mode 0600).
 */
import { execFile } from 'node:child_process';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';

export interface ClusterCerts {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  systemWorkerCert: string;
  systemWorkerKey: string;
  /** The name the server certificate is issued to; clients check it (`tls.server_name`). */
  serverName: string;
}

export const SERVER_NAME = 'localhost';
const DAYS = '30';

function openssl(args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { cwd, timeout: 30_000 }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'openssl is not installed (apt-get install -y openssl)' : stderr.trim().split('\n').slice(-1)[0];
      reject(new Error(`openssl ${args[0]} failed: ${why}`));
    });
  });
}

async function key(name: string, cwd: string): Promise<string> {
  await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`], cwd);
  await fsp.chmod(path.join(cwd, `${name}.key`), 0o600);
  return path.join(cwd, `${name}.key`);
}

/** A certificate for `name`, signed by the CA in `cwd`, with the extensions in `ext` (an openssl config section). */
async function issue(name: string, subject: string, ext: string, cwd: string): Promise<{ cert: string; key: string }> {
  const keyFile = await key(name, cwd);
  await fsp.writeFile(path.join(cwd, `${name}.ext`), ext);
  await openssl(['req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`], cwd);
  await openssl(
    ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', DAYS, '-sha256', '-extfile', `${name}.ext`, '-out', `${name}.pem`],
    cwd,
  );
  await fsp.rm(path.join(cwd, `${name}.csr`));
  await fsp.rm(path.join(cwd, `${name}.ext`));
  return { cert: path.join(cwd, `${name}.pem`), key: keyFile };
}

/**
 * Makes the CA and the three certificates in `dir` (created 0700).
 *
 * @example
 * const certs = await makeClusterCerts('/tmp/cluster/tls');
 * // temporal.toml: client_cert_path = certs.clientCert, server_ca_cert_path = certs.caCert
 */
export async function makeClusterCerts(dir: string): Promise<ClusterCerts> {
  await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
  await key('ca', dir);
  await openssl(
    ['req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=durable-agent throwaway cluster CA', '-days', DAYS, '-sha256',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', 'ca.pem'],
    dir,
  );
  const leaf = (usage: string): string => `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=${usage}\n`;
  // The services use one certificate both as servers and as clients of each other (internode TLS).
  const server = await issue('server', `/CN=${SERVER_NAME}`, `${leaf('serverAuth,clientAuth')}subjectAltName=DNS:${SERVER_NAME},IP:127.0.0.1\n`, dir);
  const client = await issue('client', '/CN=durable-agent', leaf('clientAuth'), dir);
  const systemWorker = await issue('system-worker', '/CN=temporal-system-worker', leaf('clientAuth'), dir);
  return {
    dir,
    caCert: path.join(dir, 'ca.pem'),
    serverCert: server.cert,
    serverKey: server.key,
    clientCert: client.cert,
    clientKey: client.key,
    systemWorkerCert: systemWorker.cert,
    systemWorkerKey: systemWorker.key,
    serverName: SERVER_NAME,
  };
}
