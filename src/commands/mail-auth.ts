/**
 * The sign-in part of the IMAP and SMTP settings: a password, or OAuth2 with a token provider.
 *
 * Token providers are kept for the life of the process, one per sign-in, so that the daemon
 * (which wires a fresh opener and mailer for every check) reuses a token until shortly before it
 * expires instead of asking the identity provider at every check.
 */
import { createHash } from 'node:crypto';
import type { ResolvedServerConfig } from '../config/types.js';
import { revealSecret } from './config.js';
import { OAuth2TokenProvider, oauth2RefusalHint, type AccessTokenSource } from '../adapters/oauth2-token.js';

export type MailAuth =
  | { pass: string; oauth2?: undefined }
  | { oauth2: { tokens: AccessTokenSource; refusalHint: string }; pass?: undefined };

const providers = new Map<string, OAuth2TokenProvider>();

export function mailAuth(name: 'imap' | 'smtp', server: ResolvedServerConfig): MailAuth {
  const { auth } = server;
  if (auth.oauth2 === undefined) return { pass: revealSecret(auth.pass) };
  const key = `${name}.auth.oauth2`;
  // A digest, so that the map's keys hold no secret; a changed secret in the config gets a new provider.
  const fingerprint = createHash('sha256')
    .update(
      JSON.stringify([key, auth.user, auth.oauth2], (_field, value: unknown) =>
        typeof value === 'object' && value !== null && 'reveal' in value && typeof value.reveal === 'function'
          ? String(value.reveal())
          : value,
      ),
    )
    .digest('hex');
  let tokens = providers.get(fingerprint);
  if (tokens === undefined) {
    tokens = new OAuth2TokenProvider(auth.oauth2, { key, user: auth.user });
    providers.set(fingerprint, tokens);
  }
  return {
    oauth2: { tokens, refusalHint: oauth2RefusalHint(auth.oauth2, name === 'imap' ? 'IMAP' : 'SMTP', key) },
  };
}

/** Host, port, TLS and sign-in of one server, as the IMAP and SMTP adapters take them. */
export function serverSettings(name: 'imap' | 'smtp', server: ResolvedServerConfig) {
  return {
    host: server.host,
    port: server.port,
    secure: server.secure,
    user: server.auth.user,
    ...mailAuth(name, server),
    rejectUnauthorized: server.tls.rejectUnauthorized,
    ...(server.tls.ca ? { ca: server.tls.ca } : {}),
  };
}
