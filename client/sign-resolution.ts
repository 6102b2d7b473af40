/**
 * Signing resolutions for agents that require proof of who decided (common/approval-proof.ts). The private key
 * stays in this process: it is read from a PEM file, used for one signature, and never logged or sent.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolutionPayload } from '../common/approval-proof';
import type { Escalation, Resolution } from '../common/escalation';

/** Who signs, and with which key: a person signing their own decisions, or an issuer vouching for one. */
export interface ResolutionSigner {
  /** The person's name (as in `approverKeys.people`) or the issuer's (as in `approverKeys.issuers`). */
  name: string;
  key: KeyObject;
}

/** The resolution with its proof, bound to the escalation it answers. */
export function signResolution(escalation: Pick<Escalation, 'id' | 'raisedAt'>, resolution: Resolution, signer: ResolutionSigner): Resolution {
  const { proof: _unsigned, ...rest } = resolution;
  const signature = sign(null, resolutionPayload(escalation, rest), signer.key).toString('base64url');
  return { ...rest, proof: { signer: signer.name, signature } };
}

/** Reads an ed25519 private key (PKCS#8 PEM, as `durable-agent keygen` writes it); one line on failure. */
export function loadSigner(name: string, keyFile: string): ResolutionSigner {
  let key: KeyObject;
  try {
    key = createPrivateKey(readFileSync(keyFile));
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'not a PEM private key';
    throw new Error(`cannot read the signing key ${keyFile}: ${why}`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`the signing key ${keyFile} is ${key.asymmetricKeyType}, not ed25519`);
  return { name, key };
}

/** The public key an agent's `approverKeys` lists for a private key: 32 raw bytes, base64url. */
export function publicKeyOf(key: KeyObject): string {
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  return jwk.x as string;
}

/** A new key pair: the private key as PKCS#8 PEM (for the signer's file), the public key for the agent's config. */
export function newSigningKey(): { privateKeyPem: string; publicKey: string } {
  const { privateKey } = generateKeyPairSync('ed25519');
  return { privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, publicKey: publicKeyOf(privateKey) };
}
