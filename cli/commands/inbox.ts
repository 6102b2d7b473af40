/** `durable-agent inbox`: serves the escalation inbox, a web page where a person decides escalated runs. */
import { loadSigner, type ResolutionSigner } from '../../client/sign-resolution';
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { parsePublicOrigin } from '../../http/guard';
import { startInboxServer, type InboxIdentity } from '../../inbox/server';
import { settingsFrom, withClient } from '../connect';
import { CliError } from '../errors';
import { portOption } from '../numbers';
import { uiBase } from '../ui-link';
import { print } from '../output';

interface InboxOptions {
  host: string;
  port: string;
  as?: string;
  identityHeader?: string;
  proxySecretHeader?: string;
  proxySecretFile?: string;
  publicOrigin?: string;
  signingKeyFile?: string;
  issuer?: string;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const HEADER_NAME = /^[A-Za-z0-9-]+$/;

/**
 * Who decides: a configured name, or a header set by an authenticating proxy; never both. A header is trusted only
 * with the proxy's shared secret: `--proxy-secret-header` names the header the proxy adds, and its value comes
 * from DURABLE_AGENT_INBOX_PROXY_SECRET or `--proxy-secret-file`, never from the command line (where `ps` shows it).
 */
export function identityFromOptions(opts: InboxOptions, env: NodeJS.ProcessEnv = process.env): InboxIdentity {
  const name = (opts.as ?? env.DURABLE_AGENT_INBOX_USER)?.trim();
  const header = opts.identityHeader?.trim();
  if (opts.as !== undefined && !name) throw new CliError('--as must name a person');
  if (header !== undefined && !HEADER_NAME.test(header)) throw new CliError(`--identity-header must be a header name, got "${opts.identityHeader}"`);
  if (name && header) throw new CliError('use --as (one person, on their machine) or --identity-header (behind a proxy), not both');
  if (!LOOPBACK.has(opts.host) && !header) {
    // Off loopback, anyone who reaches the port would act under the configured name.
    throw new CliError(`--host ${opts.host} is reachable by others: put the inbox behind an authenticating proxy and pass --identity-header`);
  }
  if (header) return { header, proxySecret: proxySecretFromOptions(opts, env) };
  if (opts.proxySecretHeader !== undefined) throw new CliError('--proxy-secret-header goes with --identity-header');
  if (name) return { name };
  return {};
}

function proxySecretFromOptions(opts: InboxOptions, env: NodeJS.ProcessEnv): { header: string; value: string } {
  const header = opts.proxySecretHeader?.trim();
  if (!header) {
    throw new CliError('--identity-header needs --proxy-secret-header <name>: the header your proxy adds with a shared secret, so that only the proxy can name a person');
  }
  if (!HEADER_NAME.test(header)) throw new CliError(`--proxy-secret-header must be a header name, got "${opts.proxySecretHeader}"`);
  if (header.toLowerCase() === opts.identityHeader?.trim().toLowerCase()) throw new CliError('--proxy-secret-header and --identity-header must be different headers');
  const fromEnv = env.DURABLE_AGENT_INBOX_PROXY_SECRET;
  if (fromEnv && opts.proxySecretFile) throw new CliError('set DURABLE_AGENT_INBOX_PROXY_SECRET or --proxy-secret-file, not both');
  let value = fromEnv;
  if (opts.proxySecretFile) {
    try {
      value = readFileSync(opts.proxySecretFile, 'utf8').trim();
    } catch (err) {
      throw new CliError(`cannot read --proxy-secret-file ${opts.proxySecretFile}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  }
  if (!value || value.length < 16) {
    throw new CliError('the proxy secret must be at least 16 characters: set DURABLE_AGENT_INBOX_PROXY_SECRET or --proxy-secret-file <path> (openssl rand -hex 32)');
  }
  return { header, value };
}

/** `--public-origin`, checked: scheme://host[:port]. */
export function publicOriginFromOptions(opts: InboxOptions): string | undefined {
  if (opts.publicOrigin === undefined) return undefined;
  try {
    return parsePublicOrigin(opts.publicOrigin);
  } catch (err) {
    throw new CliError(`--public-origin: ${(err as Error).message}`);
  }
}

export function inboxCommand(): Command {
  return new Command('inbox')
    .description('serve the escalation inbox: a page listing escalated runs, where a person approves, rejects, edits, answers or aborts')
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port (0 picks a free one)', '8234')
    .option('--as <name>', 'who decides on this page (env DURABLE_AGENT_INBOX_USER)')
    .option('--identity-header <name>', 'take who decides from this request header, set by a proxy in front (e.g. X-Forwarded-User)')
    .option('--proxy-secret-header <name>', 'with --identity-header: the header the proxy adds holding the shared secret (env DURABLE_AGENT_INBOX_PROXY_SECRET)')
    .option('--proxy-secret-file <path>', 'read the proxy secret from this file instead of DURABLE_AGENT_INBOX_PROXY_SECRET')
    .option('--public-origin <url>', 'the origin people open the inbox at behind a proxy, e.g. https://inbox.example.com')
    .option('--signing-key-file <path>', "sign each decision with this ed25519 key, as the issuer --issuer names in the agents' approverKeys.issuers")
    .option('--issuer <name>', 'the issuer name the signing key is configured under (default: inbox)')
    .action(async (opts: InboxOptions, command: Command) => {
      const port = portOption('--port', opts.port);
      const identity = identityFromOptions(opts);
      const publicOrigin = publicOriginFromOptions(opts);
      if (opts.issuer !== undefined && opts.signingKeyFile === undefined) throw new CliError('--issuer needs --signing-key-file');
      const signer = opts.signingKeyFile === undefined ? undefined : issuerSigner(opts.issuer ?? 'inbox', opts.signingKeyFile);
      await withClient(settingsFrom(command), async (client) => {
        const uiUrl = (await uiBase(client.settings)) ?? null;
        const server = await startInboxServer({ client, identity, host: opts.host, port, publicOrigin, signer, uiUrl }).catch((err: NodeJS.ErrnoException) => {
          throw new CliError(err.code === 'EADDRINUSE' ? `port ${port} is in use (try --port 0)` : err.message);
        });
        print(`escalation inbox at ${server.url}${publicOrigin ? ` (and ${publicOrigin} through the proxy)` : ''}`);
        if (identity.name) print(`decisions are taken as ${identity.name}`);
        else if (identity.header) print(`decisions are taken as the person named in the ${identity.header} header, on requests with the proxy's ${identity.proxySecret.header}`);
        else print('no identity configured: the page shows escalations but refuses decisions (use --as <name>)');
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await server.close();
      });
    });
}

/** The inbox's issuer key, read before anything starts: a bad file is one line and no server. */
function issuerSigner(name: string, keyFile: string): ResolutionSigner {
  try {
    return loadSigner(name, keyFile);
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err));
  }
}
