import type { ResolvedConfig } from '../../config/schema.js';
import { connectImap, imapFailureCode, type ImapFlow } from '../../adapters/imap-client.js';
import { findFolders } from '../../adapters/imap-mailbox.js';
import { OAuth2Error } from '../../adapters/oauth2-token.js';
import { createSmtpTransport, smtpFailureCode, type SmtpTransport } from '../../adapters/smtp-transport.js';
import { composeTestMail } from '../../core/compose.js';
import { HwcError, MailboxError, MailerError } from '../../core/errors.js';
import { serverSettings } from '../mail-auth.js';
import { TIMEOUT_MS, type Finding, type Report } from './finding.js';

/**
 * Signs in to both servers the way a check does (a password or OAuth2), and with `sendTest` sends
 * one content-free test mail to both contacts.
 */
export async function loginChecks(config: ResolvedConfig, sendTest: boolean, report: Report): Promise<void> {
  report(await imapFinding(config));
  const smtp = await smtpFinding(config);
  report(smtp);
  if (!sendTest) return;
  report(
    smtp.status === 'FAIL'
      ? {
          status: 'FAIL',
          what: 'test mail',
          line: 'not sent, because the SMTP login failed; fix that first',
        }
      : await testMailFinding(config),
  );
}

async function imapFinding(config: ResolvedConfig): Promise<Finding> {
  const what = 'imap login';
  let client: ImapFlow;
  try {
    client = await connectImap({ ...serverSettings('imap', config.imap), timeoutMs: TIMEOUT_MS });
  } catch (err) {
    return { status: 'FAIL', what, line: imapLoginFailure(err) };
  }
  try {
    return folderFinding(client.capabilities.has('UIDPLUS'), await client.list());
  } catch (err) {
    return {
      status: 'FAIL',
      what,
      line: `logged in, but listing the folders failed (${imapFailureCode(err)})`,
    };
  } finally {
    await client.logout().catch(() => client.close());
  }
}

/** A refused OAuth2 token or a failed token request: its message names the key and the fix. */
function imapLoginFailure(err: unknown): string {
  if (err instanceof OAuth2Error) return err.message;
  const code = err instanceof MailboxError ? err.code : imapFailureCode(err);
  return code === 'IMAP_AUTH_FAILED'
    ? 'the server refused the login; check imap.auth.user and the password'
    : `could not log in (${code}); check imap.host, imap.port and the TLS findings above`;
}

function folderFinding(uidplus: boolean, list: Awaited<ReturnType<ImapFlow['list']>>): Finding {
  const what = 'imap login';
  const folders = findFolders(list);
  const flagOf = (path: string | undefined): string => {
    const entry = list.find((item) => item.path === path);
    return entry?.specialUse ? ` ${entry.specialUse}` : '';
  };
  const purged = [folders.inbox, folders.sent, folders.trash, folders.junk, folders.all]
    .filter((path): path is string => path !== undefined)
    .map((path) => `${path}${flagOf(path)}`)
    .join(', ');
  if (!uidplus) {
    return {
      status: 'FAIL',
      what,
      line: 'the server lacks UIDPLUS (RFC 4315), so a signal cannot be deleted without touching other mail; use a server that supports it',
    };
  }
  const missing = [folders.sent ? '' : '\\Sent', folders.trash ? '' : '\\Trash'].filter(Boolean);
  if (missing.length > 0) {
    return {
      status: 'WARN',
      what,
      line: `logged in; folders it will purge: ${purged}; no ${missing.join(' or ')} folder found, so copies there are not purged; check the folder names in webmail`,
    };
  }
  return { status: 'OK', what, line: `logged in; UIDPLUS; folders it will purge: ${purged}` };
}

function transportFor(config: ResolvedConfig): SmtpTransport {
  return createSmtpTransport({ ...serverSettings('smtp', config.smtp), timeoutMs: TIMEOUT_MS });
}

async function smtpFinding(config: ResolvedConfig): Promise<Finding> {
  const what = 'smtp login';
  const transport = transportFor(config);
  try {
    await transport.verify();
    return { status: 'OK', what, line: `logged in at ${config.smtp.host}:${config.smtp.port}` };
  } catch (err) {
    return { status: 'FAIL', what, line: smtpLoginFailure(err) };
  } finally {
    transport.close();
  }
}

/** The transport's own error for a failed OAuth2 sign-in names the key and the fix. */
function smtpLoginFailure(err: unknown): string {
  if (err instanceof MailerError) return err.message;
  const code = smtpFailureCode(err);
  return code === 'SMTP_AUTH_FAILED'
    ? 'the server refused the login; check smtp.auth.user and the password'
    : `could not log in (${code}); check smtp.host, smtp.port, smtp.secure and the TLS findings above`;
}

async function testMailFinding(config: ResolvedConfig): Promise<Finding> {
  const what = 'test mail';
  const transport = transportFor(config);
  const contacts = [
    ['primary', config.contacts.primary.email],
    ['backup', config.contacts.backup.email],
  ] as const;
  const from = config.from.name
    ? { name: config.from.name, address: config.from.address }
    : config.from.address;
  const refused: string[] = [];
  try {
    for (const [role, address] of contacts) {
      const info = await transport.sendMail({ from, to: address, ...composeTestMail(config.school) });
      if ((info.accepted as unknown[]).length === 0) refused.push(role);
    }
  } catch (err) {
    const code = err instanceof HwcError ? err.code : smtpFailureCode(err);
    return {
      status: 'FAIL',
      what,
      line: `the server did not accept the test mail (${code}); check contacts.*.email and the server's log`,
    };
  } finally {
    transport.close();
  }
  if (refused.length > 0) {
    return {
      status: 'FAIL',
      what,
      line: `refused for the ${refused.join(' and ')} contact; check contacts.${refused[0]}.email`,
    };
  }
  return {
    status: 'OK',
    what,
    line: 'accepted for the primary and the backup contact; ask them whether it arrived',
  };
}
