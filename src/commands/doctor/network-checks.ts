import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { ResolvedConfig, ResolvedServerConfig } from '../../config/schema.js';
import { probeTls } from '../../adapters/tls-probe.js';
import { requiresStartTls } from '../../core/loopback.js';
import { localDate } from '../../core/schedule.js';
import { DAY_MS, TIMEOUT_MS, type Finding, type Report } from './finding.js';

const EXPIRY_WARN_DAYS = 14;

/** Whether each server's name resolves, and whether its certificate is valid for a while yet. */
export async function networkChecks(config: ResolvedConfig, now: () => Date, report: Report): Promise<void> {
  for (const name of ['imap', 'smtp'] as const) {
    const server = config[name];
    const dns = await dnsFinding(name, server);
    report(dns);
    if (dns.status === 'FAIL') continue;
    report(await tlsFinding(name, server, now()));
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

async function tlsFinding(name: 'imap' | 'smtp', server: ResolvedServerConfig, now: Date): Promise<Finding> {
  const what = `${name} tls`;
  const where = `${server.host}:${server.port}`;
  const probe = await probeTls(
    { host: server.host, port: server.port, ...(server.tls.ca ? { ca: server.tls.ca } : {}) },
    server.secure ? 'implicit' : name === 'imap' ? 'imap-starttls' : 'smtp-starttls',
    TIMEOUT_MS,
  );
  if (probe.kind === 'no-starttls') {
    return {
      // On loopback nothing crosses a network, so the adapters would sign in without TLS there.
      status: requiresStartTls(server) ? 'FAIL' : 'WARN',
      what,
      line: `${where} does not offer STARTTLS; set ${name}.secure: true with the implicit TLS port, or enable STARTTLS on the server`,
    };
  }
  if (probe.kind === 'failed') {
    return {
      status: 'FAIL',
      what,
      line: `cannot connect to ${where} over TLS (${probe.code}); check ${name}.host, ${name}.port and ${name}.secure`,
    };
  }
  const kind = server.secure ? 'implicit TLS' : 'STARTTLS';
  if (!probe.authorized) return invalidCertificate(name, server, `${where} (${kind})`, probe.reason);
  return certificateDates(what, where, kind, probe.validTo, now);
}

function invalidCertificate(
  name: 'imap' | 'smtp',
  server: ResolvedServerConfig,
  where: string,
  reason: string,
): Finding {
  const fix = /ALTNAME|HOST/i.test(reason)
    ? `the certificate is not for ${server.host}; use the host name it was issued for`
    : /EXPIRED/i.test(reason)
      ? 'the certificate has expired; renew it on the server'
      : `the certificate is not trusted; set ${name}.tls.ca to the issuing CA's PEM file, or install a certificate from a public CA`;
  return {
    status: server.tls.rejectUnauthorized ? 'FAIL' : 'WARN',
    what: `${name} tls`,
    line: `${where}: certificate not valid (${reason}); ${fix}${server.tls.rejectUnauthorized ? '' : ' (accepted now only because tls.rejectUnauthorized is false)'}`,
  };
}

function certificateDates(what: string, where: string, kind: string, validTo: Date, now: Date): Finding {
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
