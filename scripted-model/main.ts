#!/usr/bin/env node
/**
 * Runs the scripted model server on its own, e.g. for the demo or to poke at a scenario with curl:
 *   node dist/scripted-model/main.js --port 8787 --scenarios examples/scenarios
 * Prints one line, `scripted model listening on URL`, once it accepts requests (scripts wait for it).
 */
import { Command, InvalidArgumentError } from 'commander';
import { parsePort, portRangeWords } from '../common/port';
import { SCRIPTED_MODEL_DEFAULTS } from '../common/defaults';
import { startScriptedModelServer } from './server';

function portArgument(value: string): number {
  const port = parsePort(value);
  if (port === undefined) throw new InvalidArgumentError(`not a port number (${portRangeWords()})`);
  return port;
}

/** `--scenarios` may be given several times; names are looked up in the dirs in that order. */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

async function main(): Promise<void> {
  const program = new Command()
    .name('scripted-model')
    .description('An Anthropic Messages API stand-in that plays scenario files (see docs/scenarios.md).')
    .option('--host <host>', 'address to listen on', SCRIPTED_MODEL_DEFAULTS.host)
    .option('--port <port>', 'port to listen on (0 picks a free one)', portArgument, SCRIPTED_MODEL_DEFAULTS.port)
    .option('--scenarios <dir>', 'directory of <name>.json scenario files (repeatable)', collect, [] as string[])
    .option('--default-scenario <name>', 'scenario played when a request names none')
    .parse(process.argv);
  const opts = program.opts<{ host: string; port: number; scenarios: string[]; defaultScenario?: string }>();

  const server = await startScriptedModelServer({
    host: opts.host,
    port: opts.port,
    scenarioDirs: opts.scenarios,
    defaultScenario: opts.defaultScenario,
  });
  console.log(`scripted model listening on ${server.url}`);

  const stop = (): void => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`scripted model failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
