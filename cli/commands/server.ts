/**
 * `durable-agent server`: the Temporal dev server with its Web UI, file-backed so runs survive a restart.
 * In the foreground by default (Ctrl-C stops it); `--detach` leaves it running, `server stop` stops that one.
 */
import { Command, InvalidArgumentError } from 'commander';
import { provisionTemporalCli } from '../../temporal-config/provision-cli';
import {
  isAlive,
  isServerReachable,
  pidFileOf,
  readDetachedServer,
  startDevServer,
  stopDetachedServer,
  type DevServer,
} from '../../temporal-config/dev-server';
import { DEFAULT_FRONTEND_PORT, DEFAULT_UI_PORT, defaultDbFilename } from '../../temporal-config/settings';
import { settingsFrom } from '../connect';
import { CliError } from '../errors';
import { print } from '../output';
import { sleep, untilSignal } from '../wait';

interface ServerOptions {
  detach?: boolean;
  stop?: boolean;
  port?: number;
  uiPort?: number;
}

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new InvalidArgumentError('not a port number');
  return port;
}

/** The port of a `host:port` address, so `TEMPORAL_ADDRESS=127.0.0.1:7300 durable-agent server` serves there. */
export function portOf(address: string): number | undefined {
  const match = /:(\d+)$/.exec(address);
  return match?.[1] ? Number(match[1]) : undefined;
}

/** The temporal CLI's own convention: the UI listens 1000 above the frontend (7233 → 8233). */
export function uiPortFor(frontendPort: number): number {
  return frontendPort + 1000 <= 65535 ? frontendPort + 1000 : DEFAULT_UI_PORT;
}

// The demo finds the detached server through the same pid file.
export { pidFileOf };

/** Finds the `temporal` binary, saying which route it took (and anything slow it does, like a Go build). */
export async function findTemporalCli(log: (line: string) => void): Promise<string> {
  const found = await provisionTemporalCli({
    log: (line) => {
      if (!line.includes(': skipped: ') && !line.includes(': ok: ')) log(line);
    },
  });
  log(`temporal CLI ${found.version} (route: ${found.route}): ${found.path}`);
  return found.path;
}

export async function stopServer(): Promise<void> {
  const pidFile = pidFileOf(defaultDbFilename());
  const info = await readDetachedServer(pidFile);
  const stopped = await stopDetachedServer(pidFile);
  print(
    stopped && info ? `stopped the dev server (pid ${info.pid}, ${info.address})` : 'no detached dev server is running',
  );
}

export function serverCommand(): Command {
  return new Command('server')
    .description('start the Temporal dev server with its Web UI (file-backed: runs survive a restart)')
    .argument('[action]', '"stop": stop a server started with --detach')
    .option('--detach', 'leave the server running in the background (stop it with `durable-agent server stop`)')
    .option('--stop', 'stop a server started with --detach (same as `server stop`)')
    .option(
      '--port <port>',
      `frontend port (default: the port of --address / TEMPORAL_ADDRESS, else ${DEFAULT_FRONTEND_PORT})`,
      parsePort,
    )
    .option('--ui-port <port>', `Web UI port (default: frontend port + 1000, i.e. ${DEFAULT_UI_PORT})`, parsePort)
    .action(async (action: string | undefined, opts: ServerOptions, command: Command) => {
      if (action !== undefined && action !== 'stop')
        throw new CliError(`unknown server action "${action}" (expected "stop")`, 2);
      if (action === 'stop' || opts.stop) {
        if (opts.detach) throw new CliError('--detach and stop do not go together', 2);
        await stopServer();
        return;
      }
      const settings = settingsFrom(command);
      const port = opts.port ?? portOf(settings.address) ?? DEFAULT_FRONTEND_PORT;
      const address = `127.0.0.1:${port}`;
      const dbFilename = defaultDbFilename();

      if (await isServerReachable(address, settings.namespace, 1_500)) {
        throw new CliError(`a Temporal server is already running at ${address}`);
      }
      // startDevServer refuses a db file another detached server still uses.

      const log = (line: string) => process.stderr.write(`${line}\n`);
      const cliPath = await findTemporalCli(log);
      log(`starting the Temporal dev server on ${address} (data: ${dbFilename})...`);
      const server = await startDevServer({
        port,
        uiPort: opts.uiPort ?? uiPortFor(port),
        dbFilename,
        detached: opts.detach ?? false,
        namespace: settings.namespace,
        cliPath,
      });
      printServer(server, dbFilename);
      if (opts.detach) {
        print(`left running in the background; stop it with: durable-agent server stop`);
        return;
      }
      print('Ctrl-C stops it.');
      await untilStopped(server);
    });
}

function printServer(server: DevServer, dbFilename: string): void {
  print('Temporal dev server running');
  print(`  address    ${server.address}`);
  print(`  namespace  ${server.namespace}`);
  print(`  ui         ${server.uiUrl ?? '(headless)'}`);
  print(`  data       ${dbFilename}`);
  print(`  pid        ${server.pid}`);
  if (server.logFile) print(`  log        ${server.logFile}`);
}

/** Waits for Ctrl-C / SIGTERM (then stops the server) or for the server to exit on its own. */
async function untilStopped(server: DevServer): Promise<void> {
  let signalled: NodeJS.Signals | undefined;
  void untilSignal().then((signal) => (signalled = signal));
  while (!signalled && isAlive(server.pid)) await sleep(250);
  if (!signalled) throw new CliError(`the dev server (pid ${server.pid}) exited on its own`);
  process.stderr.write('stopping the dev server...\n');
  await server.stop();
  print('stopped.');
}
