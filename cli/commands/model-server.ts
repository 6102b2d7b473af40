/** `durable-agent model-server`: the scripted model server on its own, for workers started with DURABLE_AGENT_MODEL_URL. */
import { Command } from 'commander';
import { exampleScenarioDirs } from '../../examples';
import { startScriptedModelServer } from '../../scripted-model/server';
import { print } from '../output';
import { untilSignal } from '../wait';
import { SCRIPTED_MODEL_DEFAULTS } from '../../common/defaults';
import { portArgument } from '../numbers';

interface ModelServerOptions {
  port: number;
  host: string;
  scenarios: string[];
  defaultScenario?: string;
}

export function modelServerCommand(): Command {
  return new Command('model-server')
    .description('run the scripted model server (an Anthropic Messages API stand-in that plays scenario files)')
    .option('--port <port>', 'port to listen on (0 picks a free one)', portArgument(), SCRIPTED_MODEL_DEFAULTS.port)
    .option('--host <host>', 'address to listen on (keep it loopback)', '127.0.0.1')
    .option(
      '--scenarios <dir>',
      'more scenario directories, searched before the examples (repeatable)',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option('--default-scenario <name>', 'scenario played when a request names none')
    .action(async (opts: ModelServerOptions) => {
      const server = await startScriptedModelServer({
        host: opts.host,
        port: opts.port,
        scenarioDirs: [...opts.scenarios, ...exampleScenarioDirs],
        defaultScenario: opts.defaultScenario,
      });
      print(`scripted model listening on ${server.url}`);
      print(`  use it: DURABLE_AGENT_MODEL_URL=${server.url} durable-agent worker`);
      await untilSignal();
      await server.close();
    });
}
