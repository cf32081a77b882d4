/**
 * The parts of a Google service account's JSON key that the JWT bearer grant (RFC 7523) needs.
 * Used by loadConfig, to refuse a wrong file at start, and by the token provider.
 */
import { createPrivateKey } from 'node:crypto';
import { isLoopbackUrl } from '../core/loopback.js';

export interface ServiceAccountKey {
  clientEmail: string;
  privateKey: string;
  privateKeyId?: string;
  tokenUri: string;
}

export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

/** The key, or why it is not one. The reason never quotes the key's content. */
export function parseServiceAccountKey(json: unknown): ServiceAccountKey | string {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return 'not a JSON object';
  const key = json as Record<string, unknown>;
  if (key['type'] !== 'service_account') {
    return 'not a service account key (its "type" is not "service_account")';
  }
  const clientEmail = key['client_email'];
  const privateKey = key['private_key'];
  if (typeof clientEmail !== 'string' || clientEmail === '') return 'the key has no "client_email"';
  if (typeof privateKey !== 'string' || privateKey === '') return 'the key has no "private_key"';
  try {
    createPrivateKey(privateKey);
  } catch {
    return 'the key\'s "private_key" is not a PEM private key';
  }
  const tokenUri = typeof key['token_uri'] === 'string' ? key['token_uri'] : GOOGLE_TOKEN_URL;
  // A key file names its own token endpoint, which gets the signed assertion.
  if (!isGoogleOrLoopbackTokenUrl(tokenUri)) {
    return 'the key\'s "token_uri" is neither a Google https:// endpoint nor on loopback';
  }
  const privateKeyId = typeof key['private_key_id'] === 'string' ? key['private_key_id'] : undefined;
  return { clientEmail, privateKey, tokenUri, ...(privateKeyId ? { privateKeyId } : {}) };
}

/**
 * Where a Google credential (a signed assertion, or a client secret with a refresh token) may be
 * sent: Google's token endpoint over https, or loopback (a local token proxy, or the integration
 * tests' server), never another remote host.
 */
export function isGoogleOrLoopbackTokenUrl(text: string): boolean {
  const url = URL.canParse(text) ? new URL(text) : undefined;
  return url !== undefined && (isGoogleTokenUrl(url) || isLoopbackUrl(url));
}

/** Parsed rather than matched as text: `https://host.example#.googleapis.com/` is host.example. */
function isGoogleTokenUrl(url: URL): boolean {
  if (url.protocol !== 'https:' || url.username !== '' || url.password !== '') return false;
  return (
    url.hostname.endsWith('.googleapis.com') || url.href === 'https://accounts.google.com/o/oauth2/token'
  );
}
