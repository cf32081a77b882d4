import { lookup } from 'node:dns/promises';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { connect as tlsConnect, type PeerCertificate, type TLSSocket } from 'node:tls';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { loadConfig } from '../config/load-config.js';
import type { ResolvedConfig, ResolvedServerConfig, Secret } from '../config/schema.js';
import { findFolders } from '../adapters/imap-mailbox.js';
import { imapFailureCode } from '../adapters/imap-client.js';
import { smtpFailureCode } from '../adapters/smtp-transport.js';
import { DATABASE_FILE, SqliteStore } from '../adapters/sqlite-store.js';
import { verifyChain } from '../core/audit-entry.js';
import { holidayDataUntil, holidayGaps } from '../core/holidays-nl.js';
import { localDate, nextChecks } from '../core/schedule.js';
import { checkScheduleOf } from './schedule.js';
import { EXIT, type Io } from './io.js';
import { isLoopbackHost } from '../core/loopback.js';

type Status = 'OK' | 'WARN' | 'FAIL';

interface Finding {
  status: Status;
  /** What was checked, e.g. "imap tls". */
  what: string;
  /** One line: the result and, for WARN and FAIL, the fix. Never a secret or personal data. */
  line: string;
}

const TIMEOUT_MS = 10_000;
const EXPIRY_WARN_DAYS = 14;
const DAY_MS = 86_400_000;
const CALENDAR_WARN_DAYS = 60;

export interface DoctorOptions {
  sendTest: boolean;
  now: () => Date;
}

/**
 * `hwc doctor`: checks everything a check depends on, one line each, so that an admin can set up a
 * school without waiting for a signal. It changes nothing, except that `--send-test` sends one
 * content-free test mail to both contacts.
 */
export async function commandDoctor(configPath: string, options: DoctorOptions, io: Io): Promise<number> {
  const print = (finding: Finding): void => {
    io.stdout.write(`${finding.status.padEnd(4)}  ${finding.what}: ${finding.line}\n`);
  };

  const loaded = await loadConfig(configPath, { env: io.env, cwd: io.cwd });
  if ('errors' in loaded) {
    for (const error of loaded.errors) print({ status: 'FAIL', what: 'config', line: error });
    return EXIT.config;
  }
  const config = loaded.config;
  const findings: Finding[] = [];
  const report = (finding: Finding): void => {
    findings.push(finding);
    print(finding);
  };
  report({ status: 'OK', what: 'config', line: 'valid' });
  for (const warning of loaded.warnings) report({ status: 'WARN', what: 'config', line: warning });

  report(clockFinding(config, options.now()));
  report(calendarFinding(config, options.now()));
  report(storageFinding(config.storage));
  report(auditFinding(config.storage));

  for (const name of ['imap', 'smtp'] as const) {
    const server = config[name];
    const dns = await dnsFinding(name, server);
    report(dns);
    if (dns.status === 'FAIL') continue;
    report(await tlsFinding(name, server, options.now()));
  }
  report(await imapFinding(config));
  const smtp = await smtpFinding(config);
  report(smtp);
  if (options.sendTest) {
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
  return findings.some((finding) => finding.status === 'FAIL') ? EXIT.runError : EXIT.ok;
}

function clockFinding(config: ResolvedConfig, now: Date): Finding {
  const what = 'clock';
  if (now.getUTCFullYear() < 2025) {
    return {
      status: 'WARN',
      what,
      line: `the system clock says ${now.toISOString()}, which cannot be right; set the clock (e.g. enable systemd-timesyncd)`,
    };
  }
  const local = new Intl.DateTimeFormat('en-GB', {
    timeZone: config.timezone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(now);
  const [next] = nextChecks(now, checkScheduleOf(config), 1);
  const nextText = next
    ? `; next check ${localDate(next, config.timezone)} ${new Intl.DateTimeFormat('en-GB', {
        timeZone: config.timezone,
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      }).format(next)} (see hwc schedule)`
    : '';
  return {
    status: 'OK',
    what,
    line: `${config.timezone}: it is ${localDate(now, config.timezone)} ${local} there${nextText}`,
  };
}

/** The built-in school holidays end somewhere; a school must know before its checks run into that. */
export function calendarFinding(config: ResolvedConfig, now: Date): Finding {
  const what = 'calendar';
  const region = config.schedule.holidays?.region;
  const closedDays = config.schedule.closedDays ?? 'acknowledge';
  if (region === undefined) {
    return {
      status: 'OK',
      what,
      line: `no region: public holidays and schedule.holidays.closed are closed days (closedDays: ${closedDays}); set schedule.holidays.region to skip school holidays too`,
    };
  }
  const until = holidayDataUntil(region);
  const today = localDate(now, config.timezone);
  const [gap] = holidayGaps(region, today, until ?? today);
  if (gap) {
    return {
      status: 'WARN',
      what,
      line: `the ${gap.name} of region ${region} is not built in (${gap.why}); add the school's dates (between ${gap.from} and ${gap.to}) under schedule.holidays.closed`,
    };
  }
  const soon = localDate(new Date(now.getTime() + CALENDAR_WARN_DAYS * DAY_MS), config.timezone);
  if (until === undefined || until < soon) {
    return {
      status: 'WARN',
      what,
      line: `the built-in school holidays for region ${region} end ${until ?? 'before today'}; add the next ones under schedule.holidays.closed, or update hwc-watcher`,
    };
  }
  return {
    status: 'OK',
    what,
    line: `region ${region}, built-in school holidays until ${until} (closedDays: ${closedDays})`,
  };
}

function storageFinding(storage: string): Finding {
  const what = 'storage';
  if (!existsSync(storage)) {
    const parent = dirname(storage);
    try {
      accessSync(parent, constants.W_OK);
      return { status: 'OK', what, line: `${storage} does not exist yet; it will be created with mode 0700` };
    } catch {
      return {
        status: 'FAIL',
        what,
        line: `${storage} does not exist and ${parent} is not writable; create it (install -d -m 0700 ${storage}) for the user that runs hwc`,
      };
    }
  }
  const paths = [storage, join(storage, DATABASE_FILE)].filter((path) => existsSync(path));
  for (const path of paths) {
    const mode = statSync(path).mode & 0o777;
    const fix = `chmod ${path === storage ? '700' : '600'} ${path}`;
    if (mode & 0o006) {
      const how = [mode & 0o004 ? 'readable' : '', mode & 0o002 ? 'writable' : '']
        .filter(Boolean)
        .join(' and ');
      return { status: 'FAIL', what, line: `${path} is world-${how} (mode ${octal(mode)}); ${fix}` };
    }
    if (mode & 0o040) {
      return { status: 'WARN', what, line: `${path} is group-readable (mode ${octal(mode)}); ${fix}` };
    }
  }
  try {
    accessSync(storage, constants.W_OK);
  } catch {
    return { status: 'FAIL', what, line: `${storage} is not writable; give it to the user that runs hwc` };
  }
  return { status: 'OK', what, line: `${storage} is private to its owner` };
}

function octal(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}

function auditFinding(storage: string): Finding {
  const what = 'audit chain';
  if (!existsSync(join(storage, DATABASE_FILE))) {
    return { status: 'OK', what, line: 'no audit log yet (it starts with the first check)' };
  }
  let store: SqliteStore | undefined;
  try {
    store = SqliteStore.open(storage, { readOnly: true });
    const verdict = verifyChain(store.rows());
    if (verdict.intact) {
      return { status: 'OK', what, line: `intact, ${verdict.rows} rows, head ${verdict.head.slice(0, 16)}…` };
    }
    return {
      status: 'FAIL',
      what,
      line: `broken at row ${verdict.firstBrokenId} (${verdict.reason}); run hwc audit verify and investigate before hwc run`,
    };
  } catch {
    return {
      status: 'FAIL',
      what,
      line: `cannot read ${join(storage, DATABASE_FILE)}; check its owner and permissions`,
    };
  } finally {
    store?.close();
  }
}

async function dnsFinding(name: 'imap' | 'smtp', server: ResolvedServerConfig): Promise<Finding> {
  const what = `${name} dns`;
  if (isIP(server.host)) return { status: 'OK', what, line: `${server.host} is an IP address` };
  try {
    const addresses = await lookup(server.host, { all: true });
    return {
      status: 'OK',
      what,
      line: `${server.host} resolves to ${addresses.map((a) => a.address).join(', ')}`,
    };
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'error';
    return {
      status: 'FAIL',
      what,
      line: `${server.host} does not resolve (${code}); check ${name}.host and the server's DNS settings`,
    };
  }
}

/** Reads from a socket until `done` says the text so far is complete. */
function readUntil(socket: Socket, done: (text: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('latin1');
      if (done(text)) {
        cleanup();
        resolve(text);
      }
    };
    const onEnd = (): void => {
      cleanup();
      reject(Object.assign(new Error('connection closed'), { code: 'ECONNRESET' }));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const cleanup = (): void => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onError);
    };
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('error', onError);
  });
}

const smtpReplyDone = (text: string): boolean => /(^|\r\n)\d{3} [^\r\n]*\r\n$/.test(text);
const imapLineDone = (tag: string) => (text: string) =>
  new RegExp(`(^|\\r\\n)${tag} [^\\r\\n]*\\r\\n$`).test(text);

class NoStartTls extends Error {}

/** A plain connection upgraded with STARTTLS (RFC 3207 for SMTP, RFC 3501 for IMAP). */
async function startTls(name: 'imap' | 'smtp', server: ResolvedServerConfig): Promise<Socket> {
  const socket = netConnect({ host: server.host, port: server.port });
  socket.setTimeout(TIMEOUT_MS, () =>
    socket.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })),
  );
  try {
    if (name === 'imap') {
      await readUntil(socket, (text) => text.includes('\r\n'));
      socket.write('a CAPABILITY\r\n');
      const capabilities = await readUntil(socket, imapLineDone('a'));
      if (!/STARTTLS/i.test(capabilities)) throw new NoStartTls();
      socket.write('b STARTTLS\r\n');
      const reply = await readUntil(socket, imapLineDone('b'));
      if (!/\r\nb OK|^b OK/.test(reply)) throw new NoStartTls();
    } else {
      await readUntil(socket, smtpReplyDone);
      socket.write('EHLO hwc-doctor\r\n');
      const ehlo = await readUntil(socket, smtpReplyDone);
      if (!/^250[- ]STARTTLS/im.test(ehlo)) throw new NoStartTls();
      socket.write('STARTTLS\r\n');
      const reply = await readUntil(socket, smtpReplyDone);
      if (!reply.startsWith('220')) throw new NoStartTls();
    }
    socket.setTimeout(0);
    return socket;
  } catch (err) {
    socket.destroy();
    throw err;
  }
}

function tlsHandshake(server: ResolvedServerConfig, socket?: Socket): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const tls = tlsConnect({
      ...(socket ? { socket } : { host: server.host, port: server.port }),
      host: server.host,
      ...(isIP(server.host) ? {} : { servername: server.host }),
      ...(server.tls.ca ? { ca: [server.tls.ca] } : {}),
      // Not rejected here, so that the finding can say why the certificate is not valid.
      rejectUnauthorized: false,
    });
    tls.setTimeout(TIMEOUT_MS, () => tls.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    tls.once('secureConnect', () => {
      tls.setTimeout(0);
      resolve(tls);
    });
    tls.once('error', reject);
  });
}

async function tlsFinding(name: 'imap' | 'smtp', server: ResolvedServerConfig, now: Date): Promise<Finding> {
  const what = `${name} tls`;
  const where = `${server.host}:${server.port}`;
  let tls: TLSSocket;
  try {
    tls = await tlsHandshake(server, server.secure ? undefined : await startTls(name, server));
  } catch (err) {
    if (err instanceof NoStartTls) {
      const loopback = isLoopbackHost(server.host);
      return {
        status: loopback ? 'WARN' : 'FAIL',
        what,
        line: `${where} does not offer STARTTLS; set ${name}.secure: true with the implicit TLS port, or enable STARTTLS on the server`,
      };
    }
    const code = (err as { code?: string }).code ?? 'error';
    return {
      status: 'FAIL',
      what,
      line: `cannot connect to ${where} over TLS (${code}); check ${name}.host, ${name}.port and ${name}.secure`,
    };
  }
  const cert: PeerCertificate = tls.getPeerCertificate();
  const authorized = tls.authorized;
  const reason = String(tls.authorizationError ?? '');
  tls.destroy();
  const kind = server.secure ? 'implicit TLS' : 'STARTTLS';
  if (!authorized) {
    const fix = /ALTNAME|HOST/i.test(reason)
      ? `the certificate is not for ${server.host}; use the host name it was issued for`
      : /EXPIRED/i.test(reason)
        ? 'the certificate has expired; renew it on the server'
        : `the certificate is not trusted; set ${name}.tls.ca to the issuing CA's PEM file, or install a certificate from a public CA`;
    return {
      status: server.tls.rejectUnauthorized ? 'FAIL' : 'WARN',
      what,
      line: `${where} (${kind}): certificate not valid (${reason}); ${fix}${server.tls.rejectUnauthorized ? '' : ' (accepted now only because tls.rejectUnauthorized is false)'}`,
    };
  }
  const validTo = new Date(cert.valid_to);
  const days = Math.floor((validTo.getTime() - now.getTime()) / DAY_MS);
  if (days < 0) {
    return {
      status: 'FAIL',
      what,
      line: `${where}: the certificate expired on ${localDate(validTo, 'UTC')}; renew it`,
    };
  }
  if (days < EXPIRY_WARN_DAYS) {
    return {
      status: 'WARN',
      what,
      line: `${where}: the certificate expires in ${days} days (${localDate(validTo, 'UTC')}); renew it soon`,
    };
  }
  return {
    status: 'OK',
    what,
    line: `${where} (${kind}): certificate valid until ${localDate(validTo, 'UTC')}`,
  };
}

async function imapFinding(config: ResolvedConfig): Promise<Finding> {
  const what = 'imap login';
  const server = config.imap;
  const pass = server.auth.pass;
  if (pass === undefined) return oauth2NotChecked(what);
  const client = new ImapFlow({
    host: server.host,
    port: server.port,
    secure: server.secure,
    doSTARTTLS: server.secure ? undefined : isLoopbackHost(server.host) ? undefined : true,
    auth: { user: server.auth.user, pass: pass.reveal() },
    tls: {
      rejectUnauthorized: server.tls.rejectUnauthorized,
      ...(server.tls.ca ? { ca: [server.tls.ca] } : {}),
    },
    logger: false,
    disableAutoIdle: true,
    connectionTimeout: TIMEOUT_MS,
    greetingTimeout: TIMEOUT_MS,
    socketTimeout: TIMEOUT_MS,
  } as ConstructorParameters<typeof ImapFlow>[0]);
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    const code = imapFailureCode(err);
    return {
      status: 'FAIL',
      what,
      line:
        code === 'IMAP_AUTH_FAILED'
          ? 'the server refused the login; check imap.auth.user and the password'
          : `could not log in (${code}); check imap.host, imap.port and the TLS findings above`,
    };
  }
  try {
    const uidplus = client.capabilities.has('UIDPLUS');
    const list = await client.list();
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

function oauth2NotChecked(what: string): Finding {
  return {
    status: 'WARN',
    what,
    line: 'OAuth2 sign-in is not checked by hwc doctor; run hwc check --dry-run to try it',
  };
}

function transportFor(config: ResolvedConfig, pass: Secret) {
  const server = config.smtp;
  return nodemailer.createTransport({
    host: server.host,
    port: server.port,
    secure: server.secure,
    requireTLS: !server.secure && !isLoopbackHost(server.host),
    auth: { user: server.auth.user, pass: pass.reveal() },
    tls: {
      rejectUnauthorized: server.tls.rejectUnauthorized,
      ...(server.tls.ca ? { ca: [server.tls.ca] } : {}),
    },
    connectionTimeout: TIMEOUT_MS,
    greetingTimeout: TIMEOUT_MS,
    socketTimeout: TIMEOUT_MS,
    logger: false,
    debug: false,
  });
}

async function smtpFinding(config: ResolvedConfig): Promise<Finding> {
  const what = 'smtp login';
  const pass = config.smtp.auth.pass;
  if (pass === undefined) return oauth2NotChecked(what);
  const transport = transportFor(config, pass);
  try {
    await transport.verify();
    return { status: 'OK', what, line: `logged in at ${config.smtp.host}:${config.smtp.port}` };
  } catch (err) {
    const code = smtpFailureCode(err);
    return {
      status: 'FAIL',
      what,
      line:
        code === 'SMTP_AUTH_FAILED'
          ? 'the server refused the login; check smtp.auth.user and the password'
          : `could not log in (${code}); check smtp.host, smtp.port, smtp.secure and the TLS findings above`,
    };
  } finally {
    transport.close();
  }
}

async function testMailFinding(config: ResolvedConfig): Promise<Finding> {
  const what = 'test mail';
  const pass = config.smtp.auth.pass;
  if (pass === undefined) return oauth2NotChecked(what);
  const transport = transportFor(config, pass);
  const contacts = [
    ['primary', config.contacts.primary.email],
    ['backup', config.contacts.backup.email],
  ] as const;
  const refused: string[] = [];
  try {
    for (const [role, address] of contacts) {
      const info = await transport.sendMail({
        from: config.from.name
          ? { name: config.from.name, address: config.from.address }
          : config.from.address,
        to: address,
        subject: 'Testbericht van hwc-watcher',
        text: [
          `Dit is een testbericht van hwc-watcher voor ${config.school}.`,
          '',
          'De ICT-beheerder controleert hiermee dat meldingen uit de Handle with Care-mailbox u bereiken.',
          'U hoeft niets te doen. Dit bericht bevat geen gegevens van leerlingen.',
          '',
        ].join('\n'),
      });
      if ((info.accepted as unknown[]).length === 0) refused.push(role);
    }
  } catch (err) {
    return {
      status: 'FAIL',
      what,
      line: `the server did not accept the test mail (${smtpFailureCode(err)}); check contacts.*.email and the server's log`,
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
