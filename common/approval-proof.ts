/**
 * Approvals with a proven identity. A resolution's `by` is only a claim: any client with write access to the
 * namespace can send an Update naming anyone. When an agent configures keys, a resolution must carry a proof: an
 * ed25519 signature over the decision, bound to the one escalation it answers (its id, which names the workflow,
 * and the time it was raised), made by the person named in `by`, or by an issuer the agent trusts to vouch for
 * who is behind a request (the inbox behind an authenticating proxy, an identity provider's bridge).
 *
 * Verified inside the workflow (the Update validator, the Signal handler and the loop all call
 * `resolutionProblem`), with a pure, deterministic library (@noble/curves), so no client path can bypass it. Only
 * public keys are configured or recorded; private keys stay with the people and services that sign.
 */
import { ed25519 } from '@noble/curves/ed25519';
import type { Escalation, Resolution } from './escalation';
import { clip } from './text';

const bounded = (text: string) => clip(text, 64);

/** Public keys (32 raw bytes, base64url) of who may sign resolutions for an agent's escalations. */
export interface ApproverKeys {
  /** A person's own key: signs resolutions made `by` that person. */
  people?: Record<string, string>;
  /** A service's key (the inbox, an identity provider's bridge): signs resolutions for any person it authenticated. */
  issuers?: Record<string, string>;
}

export interface ResolutionProof {
  /** Who signed: the person in `by`, or a configured issuer. */
  signer: string;
  /** ed25519 signature over `resolutionPayload`, base64url. */
  signature: string;
}

/** Whether an escalation asks for signed resolutions. */
export function requiresProof(keys: ApproverKeys | undefined): boolean {
  return Object.keys(keys?.people ?? {}).length + Object.keys(keys?.issuers ?? {}).length > 0;
}

/**
 * The bytes a signer signs: the decision and everything it carries, and the escalation it answers. Canonical
 * (sorted keys, no whitespace), so the signer and the workflow build the same bytes.
 */
export function resolutionPayload(escalation: Pick<Escalation, 'id' | 'raisedAt'>, resolution: Resolution): Uint8Array {
  const signed = {
    v: 1,
    escalationId: escalation.id,
    raisedAt: escalation.raisedAt,
    decision: resolution.decision,
    by: resolution.by,
    ...(resolution.args !== undefined ? { args: resolution.args } : {}),
    ...(resolution.text !== undefined ? { text: resolution.text } : {}),
    ...(resolution.duplicateOf !== undefined ? { duplicateOf: resolution.duplicateOf } : {}),
  };
  return new TextEncoder().encode(`durable-agent resolution\n${canonicalJson(signed)}`);
}

/** Why the resolution's proof does not hold for this escalation, or undefined when it does (or none is needed). */
export function proofProblem(escalation: Escalation, resolution: Resolution): string | undefined {
  const keys = escalation.approverKeys;
  if (!requiresProof(keys)) return undefined;
  const proof = resolution.proof;
  if (!proof || typeof proof !== 'object' || typeof proof.signer !== 'string' || typeof proof.signature !== 'string') {
    return `a resolution of this escalation must be signed (by "${resolution.by}" or a trusted issuer)`;
  }
  const personal = proof.signer === resolution.by ? keys?.people?.[proof.signer] : undefined;
  const key = personal ?? keys?.issuers?.[proof.signer];
  if (!key) return `"${bounded(proof.signer)}" is not a configured signer for "${bounded(resolution.by)}"`;
  let valid = false;
  try {
    valid = ed25519.verify(fromBase64url(proof.signature), resolutionPayload(escalation, resolution), fromBase64url(key));
  } catch {
    valid = false;
  }
  return valid ? undefined : `the signature of "${bounded(proof.signer)}" does not match this resolution of ${escalation.id}`;
}

/** JSON with object keys sorted at every level: one byte string per value. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** base64url (or base64) to bytes, without Node's Buffer (this module runs in the workflow sandbox too). */
export function fromBase64url(text: string): Uint8Array {
  const clean = text.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  if (!/^[A-Za-z0-9_-]*$/.test(clean) || clean.length > 4096) throw new Error('not base64url');
  const bytes: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of clean) {
    buffer = ((buffer << 6) | B64URL.indexOf(char)) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((buffer >> bits) & 0xff);
    }
  }
  return Uint8Array.from(bytes);
}
