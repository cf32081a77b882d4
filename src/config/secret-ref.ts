/**
 * A secret by reference (`pass` and the OAuth2 secrets): which forms it may take, and the messages
 * for the others. Its value is never shown in a message, only its kind.
 */
import * as z from 'zod';
import { kindOf, unknownKeyMessage } from './errors.js';
import { isPlainObject } from './fields.js';
import { Secret } from './secret.js';
import type { SecretRef } from './types.js';

export const SECRET_FORMS = '{ env: NAME }, { file: PATH } or { credential: NAME }';
const SECRET_KEYS = ['env', 'file', 'credential'] as const;

/**
 * A secret by reference: `pass`, and the OAuth2 secrets. Its value is never echoed in a message:
 * only its kind is named. A plain string is accepted here as `{ plaintext }`; parseConfig refuses
 * it unless `allowPlaintextPassword: true`, because that rule spans two keys.
 */
function secretRef(key: string, what: string, example: string) {
  return z
    .unknown()
    .optional()
    .transform((value, ctx): SecretRef => {
      const issue = (message: string, path?: PropertyKey[]) => {
        ctx.addIssue({ code: 'custom', message, ...(path ? { path } : {}) });
        return z.NEVER;
      };
      if (value === undefined) return issue(`missing; add ${key}: ${SECRET_FORMS}`);
      if (typeof value === 'string') {
        return value === ''
          ? issue(`expected ${SECRET_FORMS}, got an empty text`)
          : { plaintext: new Secret(value) };
      }
      if (!isPlainObject(value)) return issue(`expected ${SECRET_FORMS}, got ${kindOf(value)}`);
      const keys = Object.keys(value);
      const [form] = keys;
      if (form === undefined || keys.length > 1) {
        return issue(`expected exactly one of ${SECRET_FORMS}, got ${keys.length} keys`);
      }
      const inner = value[form];
      if (form === 'env') {
        if (typeof inner === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(inner)) return { env: inner };
        return issue(
          `expected the name of an environment variable (letters, digits, _), such as ${example}, got ${kindOf(inner)} that is not such a name`,
          ['env'],
        );
      }
      if (form === 'file') {
        if (typeof inner === 'string' && inner.trim() !== '') return { file: inner.trim() };
        return issue(`expected the path of a file that holds only ${what}, got ${kindOf(inner)}`, ['file']);
      }
      if (form === 'credential') {
        if (
          typeof inner === 'string' &&
          /^[A-Za-z0-9_.@-]+$/.test(inner) &&
          inner !== '.' &&
          inner !== '..'
        ) {
          return { credential: inner };
        }
        return issue(
          `expected the name of a systemd credential (as in LoadCredential=NAME:PATH, no slashes), got ${kindOf(inner)} that is not such a name`,
          ['credential'],
        );
      }
      return issue(unknownKeyMessage(form, SECRET_KEYS), [form]);
    });
}

/** `pass`. */
export const secretRefSchema = secretRef('pass', 'the password', 'HWC_IMAP_PASSWORD');

/** The secrets under `auth.oauth2`, by key; parseConfig applies the plain-text rule to each. */
export const OAUTH2_SECRET_KEYS = ['clientSecret', 'refreshToken', 'serviceAccountKey'] as const;
export type OAuth2SecretKey = (typeof OAUTH2_SECRET_KEYS)[number];
export const oauth2SecretSchemas: Record<OAuth2SecretKey, ReturnType<typeof secretRef>> = {
  clientSecret: secretRef('clientSecret', 'the client secret', 'HWC_OAUTH2_CLIENT_SECRET'),
  refreshToken: secretRef('refreshToken', 'the refresh token', 'HWC_OAUTH2_REFRESH_TOKEN'),
  serviceAccountKey: secretRef(
    'serviceAccountKey',
    "the service account's JSON key",
    'HWC_GOOGLE_SERVICE_ACCOUNT_KEY',
  ),
};
