/** `durable-agent inbox`: serves the escalation inbox, a web page where a person decides escalated runs. */
import { Command } from 'commander';
import { startInboxServer, type InboxIdentity } from '../../inbox/server';
import { settingsFrom, withClient } from '../connect';
import { CliError } from '../errors';
import { portOption } from '../numbers';
import { print } from '../output';

interface InboxOptions {
  host: string;
  port: string;
  as?: string;
  identityHeader?: string;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Who decides: a configured name, or a header set by an authenticating proxy; never both. */
export function identityFromOptions(opts: InboxOptions, env: NodeJS.ProcessEnv = process.env): InboxIdentity {
  const name = (opts.as ?? env.DURABLE_AGENT_INBOX_USER)?.trim();
  const header = opts.identityHeader?.trim();
  if (opts.as !== undefined && !name) throw new CliError('--as must name a person');
  if (header !== undefined && !/^[A-Za-z0-9-]+$/.test(header)) throw new CliError(`--identity-header must be a header name, got "${opts.identityHeader}"`);
  if (name && header) throw new CliError('use --as (one person, on their machine) or --identity-header (behind a proxy), not both');
  if (!LOOPBACK.has(opts.host) && !header) {
    // Off loopback, anyone who reaches the port would act under the configured name.
    throw new CliError(`--host ${opts.host} is reachable by others: put the inbox behind an authenticating proxy and pass --identity-header`);
  }
  if (header) return { header };
  if (name) return { name };
  return {};
}

export function inboxCommand(): Command {
  return new Command('inbox')
    .description('serve the escalation inbox: a page listing escalated runs, where a person approves, rejects, edits, answers or aborts')
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port (0 picks a free one)', '8234')
    .option('--as <name>', 'who decides on this page (env DURABLE_AGENT_INBOX_USER)')
    .option('--identity-header <name>', 'take who decides from this request header, set by a proxy in front (e.g. X-Forwarded-User)')
    .action(async (opts: InboxOptions, command: Command) => {
      const port = portOption('--port', opts.port);
      const identity = identityFromOptions(opts);
      await withClient(settingsFrom(command), async (client) => {
        const server = await startInboxServer({ client, identity, host: opts.host, port }).catch((err: NodeJS.ErrnoException) => {
          throw new CliError(err.code === 'EADDRINUSE' ? `port ${port} is in use (try --port 0)` : err.message);
        });
        print(`escalation inbox at ${server.url}`);
        if (identity.name) print(`decisions are taken as ${identity.name}`);
        else if (identity.header) print(`decisions are taken as the person named in the ${identity.header} header`);
        else print('no identity configured: the page shows escalations but refuses decisions (use --as <name>)');
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await server.close();
      });
    });
}
