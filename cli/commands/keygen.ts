/**
 * `durable-agent keygen <file>`: a new ed25519 key pair for signing resolutions. The private key goes to the file
 * (mode 0600, never printed); the public key is printed, for the agent's `approverKeys`.
 */
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { newSigningKey } from '../../client/sign-resolution';
import { CliError } from '../errors';
import { print } from '../output';

export function keygenCommand(): Command {
  return new Command('keygen')
    .description('make a key pair for signing resolutions (private key to <file>, public key printed)')
    .argument('<file>', 'where to write the private key (PEM); must not exist')
    .option('--name <name>', 'the person (or issuer) the key is for, to print the config line with')
    .action((file: string, opts: { name?: string }) => {
      const { privateKeyPem, publicKey } = newSigningKey();
      try {
        // 'wx': never overwrite a key someone already uses.
        writeFileSync(file, privateKeyPem, { mode: 0o600, flag: 'wx' });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new CliError(`cannot write ${file}: ${code === 'EEXIST' ? 'the file exists (keys are never overwritten)' : code ?? String(err)}`);
      }
      print(`private key: ${file} (keep it; it never leaves this machine)`);
      print(`public key:  ${publicKey}`);
      print(`agent config: approverKeys: { people: { ${JSON.stringify(opts.name ?? 'NAME')}: '${publicKey}' } }`);
    });
}
