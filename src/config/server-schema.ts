/**
 * The `imap:` and `smtp:` sections: where the server is, how the connection is secured, and how
 * hwc-watcher signs in (a password by reference, or OAuth2).
 */
import * as z from 'zod';
import { kindOf, show } from './errors.js';
import { bool, expecting, field, text } from './fields.js';
import { oauth2Schema } from './oauth2.js';
import { SECRET_FORMS, secretRefSchema } from './secret-ref.js';
import type { SecretRef, ServerAuth, TlsConfig } from './types.js';

const host = (server: 'IMAP' | 'SMTP') => {
  const expected = `the ${server} server's host name, such as ${server.toLowerCase()}.example.nl`;
  return field(expected, { missing: `add the ${server} server's host name` }, (value, fail) => {
    if (typeof value !== 'string') return undefined;
    const h = value.trim();
    if (h.includes('://')) {
      fail(`expected only the host name, got ${show(h)}; remove "${h.split('://')[0]}://"`);
      return undefined;
    }
    if (/^[^:]+:\d+$/.test(h)) {
      fail(`expected only the host name, got ${show(h)}; put the port number under port:`);
      return undefined;
    }
    return h !== '' && !/[\s/@]/.test(h) ? h : undefined;
  });
};

const port = (usual: string) =>
  z
    .int({ error: expecting('a number between 1 and 65535', `add the port, usually ${usual}`) })
    .min(1, { error: expecting('a number between 1 and 65535', '') })
    .max(65535, { error: expecting('a number between 1 and 65535', '') });

const tls = () =>
  z
    .strictObject(
      {
        rejectUnauthorized: bool('').optional(),
        ca: text('the path of a PEM file with the CA certificate', '').optional(),
      },
      { error: expecting('a mapping such as { rejectUnauthorized: true }', '') },
    )
    .optional()
    .transform((t): TlsConfig => ({
      rejectUnauthorized: t?.rejectUnauthorized ?? true,
      ...(t?.ca !== undefined ? { caFile: t.ca } : {}),
    }));

const authSchema = (kind: 'IMAP' | 'SMTP') =>
  z
    .strictObject(
      {
        user: text('the login name of the mailbox', `add the ${kind} login name`),
        pass: z.unknown().optional(),
        oauth2: z.unknown().optional(),
      },
      // kindOf: a mistyped `auth: "user:password"` must not be echoed.
      {
        error: expecting(
          'a mapping with user and pass',
          `add auth: { user: …, pass: ${SECRET_FORMS} }`,
          kindOf,
        ),
      },
    )
    .transform((auth, ctx): ServerAuth<SecretRef> => {
      const nested = (key: 'pass' | 'oauth2', issues: readonly z.core.$ZodIssue[]) => {
        for (const issue of issues) {
          ctx.addIssue({ code: 'custom', message: issue.message, path: [key, ...issue.path] });
        }
        return z.NEVER;
      };
      if (auth.pass !== undefined && auth.oauth2 !== undefined) {
        ctx.addIssue({
          code: 'custom',
          message:
            'expected exactly one of pass and oauth2, got both; remove pass to sign in with OAuth2, or oauth2 to sign in with the password',
        });
        return z.NEVER;
      }
      if (auth.oauth2 !== undefined) {
        const parsed = oauth2Schema.safeParse(auth.oauth2);
        return parsed.success
          ? { user: auth.user, oauth2: parsed.data }
          : nested('oauth2', parsed.error.issues);
      }
      const parsed = secretRefSchema.safeParse(auth.pass);
      if (!parsed.success && auth.pass === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['pass'],
          message: `missing; add pass: ${SECRET_FORMS}, or oauth2: to sign in with OAuth2 (see "OAuth2 sign-in" in the README)`,
        });
        return z.NEVER;
      }
      return parsed.success ? { user: auth.user, pass: parsed.data } : nested('pass', parsed.error.issues);
    });

export const server = (kind: 'IMAP' | 'SMTP', usualPort: string) => {
  const lower = kind === 'IMAP' ? 'imap' : 'smtp';
  return z.strictObject(
    {
      host: host(kind),
      port: port(usualPort),
      secure: bool(
        `add secure: true for implicit TLS (port ${kind === 'IMAP' ? 993 : 465}) or false for STARTTLS`,
      ),
      tls: tls(),
      auth: authSchema(kind),
    },
    {
      error: expecting(
        `a mapping with host, port, secure and auth`,
        `add the ${lower}: section with host, port, secure and auth`,
      ),
    },
  );
};
