/** `durable-agent codec-server`: decodes encrypted payloads for the Temporal Web UI. */
import { Command } from 'commander';
import { startCodecServer } from '../../codec-server/server';
import { payloadCodecs } from '../../data-converter/keys-from-env';
import { CliError } from '../errors';
import { portOption } from '../numbers';
import { print } from '../output';

export function codecServerCommand(): Command {
  return new Command('codec-server')
    .description('serve a Codec Server so the Temporal UI shows encrypted payloads decoded (needs DURABLE_AGENT_PAYLOAD_KEY and DURABLE_AGENT_CODEC_TOKEN)')
    .option('--port <port>', 'port on 127.0.0.1', '8888')
    .option('--origin <url>', "the Temporal UI's origin, the only one allowed", 'http://127.0.0.1:8233')
    .action(async (opts: { port: string; origin: string }) => {
      const token = process.env.DURABLE_AGENT_CODEC_TOKEN;
      if (!token || token.length < 16) throw new CliError('set DURABLE_AGENT_CODEC_TOKEN to a secret of at least 16 characters');
      // It only displays what a history holds, which may include payloads written before encryption was on.
      const codecs = payloadCodecs(process.env, { acceptPlain: true });
      if (codecs.length === 0) throw new CliError('no payload key: set DURABLE_AGENT_PAYLOAD_KEY (the same as the workers use)');
      const port = portOption('--port', opts.port);
      const server = await startCodecServer({ codecs, token, allowedOrigin: opts.origin, port });
      print(`codec server at ${server.url} for ${opts.origin}`);
      // The Web UI's codec settings can send only its signed-in user's own access token, not ours: the token goes in
      // its path. The CLI and a proxy in front can send it as a header instead, which keeps it out of URLs and logs.
      print(`start the UI with: temporal server start-dev --ui-codec-endpoint ${server.url}/<DURABLE_AGENT_CODEC_TOKEN>`);
      print(`from the CLI: temporal workflow show --codec-endpoint ${server.url} --codec-auth "Bearer $DURABLE_AGENT_CODEC_TOKEN" ...`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await server.close();
    });
}
