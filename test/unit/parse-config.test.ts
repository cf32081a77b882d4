import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { describeConfigForLog, parseConfig } from '../../src/config/parse-config.js';
import { type Config, Secret } from '../../src/config/schema.js';

const ENV = { HWC_IMAP_PASSWORD: 'imap-secret-value' };

/** A small valid configuration; each test changes one thing. */
function base(): Record<string, unknown> {
  return {
    school: 'Basisschool De Reuzepas',
    timezone: 'Europe/Amsterdam',
    imap: {
      host: 'imap.example.nl',
      port: 993,
      secure: true,
      auth: { user: 'hwc@school.example.nl', pass: { env: 'HWC_IMAP_PASSWORD' } },
    },
    smtp: {
      host: 'smtp.example.nl',
      port: 587,
      secure: false,
      auth: { user: 'hwc@school.example.nl', pass: { file: '/etc/hwc-watcher/smtp-password' } },
    },
    from: 'hwc@school.example.nl',
    senders: ['@veiligthuis.example.nl'],
    contacts: {
      primary: { name: 'Zorgcoördinator', email: 'zorg@school.example.nl' },
      backup: { name: 'Achterwacht', email: 'backup@school.example.nl' },
    },
    schedule: { checks: ['07:00'], days: ['mon'] },
    escalateAfter: '20m',
    storage: '/var/lib/hwc-watcher',
  };
}

/** Applies `value` at a dotted path of a fresh base config (undefined deletes the key). */
function withValue(path: string, value: unknown, raw = base()): Record<string, unknown> {
  const keys = path.split('.');
  const last = keys.pop() as string;
  let node = raw;
  for (const key of keys) {
    node[key] ??= {};
    node = node[key] as Record<string, unknown>;
  }
  if (value === undefined) delete node[last];
  else node[last] = value;
  return raw;
}

function ok(
  raw: unknown,
  env: Record<string, string | undefined> = ENV,
): { config: Config; warnings: string[] } {
  const result = parseConfig(raw, env);
  if ('errors' in result) throw new Error(`unexpected errors:\n${result.errors.join('\n')}`);
  return result;
}

function errorsOf(raw: unknown, env: Record<string, string | undefined> = ENV): string[] {
  const result = parseConfig(raw, env);
  if (!('errors' in result)) throw new Error('expected errors, got a config');
  return result.errors;
}

describe('parseConfig: the example file', () => {
  it('when config/hwc.example.yaml is parsed with its env vars set, then it is valid and has the documented values', () => {
    const raw: unknown = parse(
      readFileSync(new URL('../../config/hwc.example.yaml', import.meta.url), 'utf8'),
    );
    const { config, warnings } = ok(raw, { HWC_IMAP_PASSWORD: 'x' });

    expect(warnings).toEqual([]);
    expect(config.school).toBe('Basisschool De Reuzepas');
    expect(config.imap).toEqual({
      host: 'imap.example.nl',
      port: 993,
      secure: true,
      tls: { rejectUnauthorized: true },
      auth: { user: 'hwc@school.example.nl', pass: { env: 'HWC_IMAP_PASSWORD' } },
    });
    expect(config.smtp.auth.pass).toEqual({ file: '/etc/hwc-watcher/smtp-password' });
    expect(config.from).toEqual({ name: 'Handle with Care', address: 'hwc@school.example.nl' });
    expect(config.senders).toEqual(['@veiligthuis.example.nl', 'leerplicht@gemeente.example.nl']);
    expect(config.trustedAuthservId).toBe('mx.school.example.nl');
    expect(config.contacts.primary.absent).toEqual([
      { from: '2026-12-01', to: '2026-12-01' },
      { from: '2026-12-07', to: '2026-12-11' },
    ]);
    expect(config.contacts.backup.absent).toEqual([]);
    expect(config.notify).toBe('escalate');
    expect(config.schedule).toEqual({
      checks: ['07:00', '07:45', '08:05'],
      days: ['mon', 'tue', 'wed', 'thu', 'fri'],
      deadline: '08:15',
      holidays: {
        region: 'midden',
        closed: [
          { from: '2027-03-10', to: '2027-03-10' },
          { from: '2027-05-07', to: '2027-05-14' },
        ],
      },
      closedDays: 'acknowledge',
    });
    expect(config.escalateAfterMs).toBe(20 * 60_000);
    expect(config.purgeAfterMs).toBe(8 * 3_600_000);
    expect(config.checkTimeoutMs).toBe(5 * 60_000);
    expect(config.maxMessageBytes).toBe(5 * 1024 * 1024);
    expect(config.storage).toBe('/var/lib/hwc-watcher');
    expect(config.auditKeepDays).toBe(730);
  });
});

describe('parseConfig: defaults', () => {
  it('when optional keys are left out, then their defaults are applied', () => {
    const { config } = ok(base());
    expect(config.notify).toBe('escalate');
    expect(config.schedule.deadline).toBe('08:15');
    expect(config.purgeAfterMs).toBe(8 * 3_600_000);
    expect(config.checkTimeoutMs).toBe(300_000);
    expect(config.maxMessageBytes).toBe(5 * 1024 * 1024);
    expect(config.auditKeepDays).toBe(730);
    expect(config.imap.tls).toEqual({ rejectUnauthorized: true });
    expect(config.contacts.primary.absent).toEqual([]);
    expect(config).not.toHaveProperty('trustedAuthservId');
    expect(config.from).toEqual({ address: 'hwc@school.example.nl' });
  });

  it('when a key is present but empty (YAML null), then it counts as missing', () => {
    expect(errorsOf(withValue('smtp.host', null))).toEqual([
      "smtp.host: missing; add the SMTP server's host name",
    ]);
    expect(ok(withValue('notify', null)).config.notify).toBe('escalate');
  });
});

describe('parseConfig: error messages', () => {
  it('when imap.port is a word, then the error names the key, the range and the value', () => {
    expect(errorsOf(withValue('imap.port', 'imap'))).toEqual([
      'imap.port: expected a number between 1 and 65535, got "imap"',
    ]);
  });

  it('when a port is out of range or not whole, then the same message is given', () => {
    expect(errorsOf(withValue('smtp.port', 70000))).toEqual([
      'smtp.port: expected a number between 1 and 65535, got 70000',
    ]);
    expect(errorsOf(withValue('smtp.port', 0))).toEqual([
      'smtp.port: expected a number between 1 and 65535, got 0',
    ]);
    expect(errorsOf(withValue('smtp.port', 58.5))).toEqual([
      'smtp.port: expected a number between 1 and 65535, got 58.5',
    ]);
  });

  it('when smtp.host is missing, then the error says what to add', () => {
    expect(errorsOf(withValue('smtp.host', undefined))).toEqual([
      "smtp.host: missing; add the SMTP server's host name",
    ]);
  });

  it('when a whole section is missing, then the error names the section', () => {
    expect(errorsOf(withValue('smtp', undefined))).toEqual([
      'smtp: missing; add the smtp: section with host, port, secure and auth',
    ]);
  });

  it('when several keys are wrong, then all errors are reported at once', () => {
    const raw = base();
    withValue('imap.port', 'imap', raw);
    withValue('smtp.host', undefined, raw);
    withValue('timezone', 'Europe/Amsterdm', raw);
    withValue('escalateAfter', '20 minutes', raw);
    withValue('contacts.backup.email', 'backup@school', raw);
    withValue('schedule.days', ['mon', 'maandag'], raw);
    const errors = errorsOf(raw);
    expect(errors).toEqual(
      expect.arrayContaining([
        'imap.port: expected a number between 1 and 65535, got "imap"',
        "smtp.host: missing; add the SMTP server's host name",
        'timezone: expected an IANA time zone such as Europe/Amsterdam, got "Europe/Amsterdm"',
        expect.stringMatching(/^escalateAfter: expected a duration such as 20m .*got "20 minutes"$/),
        'contacts.backup.email: expected an e-mail address such as zorg@school.example.nl, got "backup@school"',
        'schedule.days[1]: expected one of mon, tue, wed, thu, fri, sat, sun, got "maandag"',
      ]),
    );
    expect(errors).toHaveLength(6);
  });

  it('when anything is wrong, then every message starts with a key path and no zod default text leaks', () => {
    const raw = {
      ...base(),
      imap: { host: 5, port: true, secure: 'yes', tls: [], auth: 'x' },
      smtp: [],
      from: 7,
      senders: 'everyone',
      contacts: { primary: 'zorg', backup: { name: '', email: 5, absent: 'never' } },
      notify: 'sometimes',
      schedule: { checks: 'morning', days: [], deadline: 815 },
      purgeAfter: 8,
      checkTimeout: {},
      maxMessageBytes: 'lots',
      storage: 3,
      audit: { keep: '2 weeks' },
      allowPlaintextPassword: 'no',
      trustedAuthservId: 'mx school',
    };
    const errors = errorsOf(raw);
    expect(errors.length).toBeGreaterThanOrEqual(18);
    for (const error of errors) {
      expect(error).toMatch(/^[A-Za-z][\w.[\]]*: \S/);
      expect(error).not.toMatch(/Invalid input|Too (big|small)|received/);
    }
  });

  it('when the configuration is empty or not a mapping, then one clear error is given', () => {
    expect(errorsOf(null)).toEqual([
      '(top level): the configuration is empty; start from config/hwc.example.yaml',
    ]);
    expect(errorsOf(['school'])[0]).toMatch(/^\(top level\): expected a mapping .*got a list/);
  });
});

describe('parseConfig: unknown keys', () => {
  it('when a key is misspelt, then the error suggests the known key', () => {
    const raw = withValue('imap.prot', 993, withValue('imap.port', undefined));
    expect(errorsOf(raw)).toEqual([
      'imap.port: missing; add the port, usually 993',
      'imap.prot: unknown key; did you mean "port"?',
    ]);
  });

  it('when a top-level key is written in another case or style, then the suggestion still finds it', () => {
    const raw = withValue('escalate_after', '20m', withValue('escalateAfter', undefined));
    expect(errorsOf(raw)).toContain('escalate_after: unknown key; did you mean "escalateAfter"?');
    expect(errorsOf(withValue('Notify', 'both'))).toEqual(['Notify: unknown key; did you mean "notify"?']);
  });

  it('when an unknown key is nothing like a known key, then the error lists the known keys', () => {
    expect(errorsOf(withValue('schedule.lunchbreak', ['12:00']))).toEqual([
      'schedule.lunchbreak: unknown key; remove it (known keys here: checks, days, deadline, holidays, closedDays)',
    ]);
  });

  it('when a nested mapping has an unknown key, then its full path is named', () => {
    expect(errorsOf(withValue('contacts.primary.phone', '0612345678'))).toEqual([
      'contacts.primary.phone: unknown key; remove it (known keys here: name, email, absent)',
    ]);
    expect(errorsOf(withValue('imap.tls.rejectUnauthorised', false))).toEqual([
      'imap.tls.rejectUnauthorised: unknown key; did you mean "rejectUnauthorized"?',
    ]);
  });
});

describe('parseConfig: passwords', () => {
  const password = 'Zeer-Geheim-42!';

  it('when a password is written in plain text, then it is refused and the message names the safer options', () => {
    const errors = errorsOf(withValue('imap.auth.pass', password));
    expect(errors).toEqual([
      'imap.auth.pass: a password in plain text is refused; use { env: NAME }, { file: PATH } or { credential: NAME } (systemd LoadCredential), or set allowPlaintextPassword: true at the top level to accept the risk',
    ]);
    expect(errors.join('\n')).not.toContain(password);
  });

  it('when allowPlaintextPassword is true, then a plain-text password is accepted with a warning', () => {
    const raw = withValue('allowPlaintextPassword', true, withValue('smtp.auth.pass', password));
    const { config, warnings } = ok(raw);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^smtp\.auth\.pass: the password is written in plain text/);
    expect(warnings[0]).toContain('{ env: NAME }, { file: PATH } or { credential: NAME }');
    expect(warnings.join('\n')).not.toContain(password);
    const pass = config.smtp.auth.pass;
    expect(pass !== undefined && 'plaintext' in pass && pass.plaintext.reveal()).toBe(password);
    expect(JSON.stringify(config)).not.toContain(password);
  });

  it('when allowPlaintextPassword is set but not needed, then a warning says to remove it', () => {
    expect(ok(withValue('allowPlaintextPassword', true)).warnings).toEqual([
      'allowPlaintextPassword: true but no password is written in plain text; remove it',
    ]);
  });

  it('when pass has a wrong shape, then no error contains its value', () => {
    const cases: unknown[] = [
      42424242,
      { evn: password },
      { env: password },
      { file: 42424242 },
      { credential: `a/${password}` },
      { env: 'A', file: password },
      [password],
      '',
    ];
    for (const pass of cases) {
      const errors = errorsOf(withValue('imap.auth.pass', pass));
      expect(errors.length).toBeGreaterThan(0);
      const text = errors.join('\n');
      expect(text).not.toContain(password);
      expect(text).not.toContain('42424242');
      for (const error of errors) expect(error).toMatch(/^imap\.auth\.pass/);
    }
    expect(errorsOf(withValue('imap.auth', `hwc:${password}`))).toEqual([
      'imap.auth: expected a mapping with user and pass, got a text',
    ]);
    expect(errorsOf(withValue('imap.auth.pass', { evn: password }))).toEqual([
      'imap.auth.pass.evn: unknown key; did you mean "env"?',
    ]);
  });

  it('when pass refers to an environment variable that is not set, then the error names it and the fix', () => {
    expect(errorsOf(base(), {})).toEqual([
      'imap.auth.pass: environment variable HWC_IMAP_PASSWORD is not set; set it, or use { file: /path }',
    ]);
    expect(errorsOf(base(), { HWC_IMAP_PASSWORD: '' })[0]).toMatch(/HWC_IMAP_PASSWORD is empty/);
  });

  it('when pass is a credential and CREDENTIALS_DIRECTORY is not set, then the error explains LoadCredential', () => {
    const raw = withValue('smtp.auth.pass', { credential: 'smtp-password' });
    expect(errorsOf(raw)).toEqual([
      'smtp.auth.pass: { credential: smtp-password } needs $CREDENTIALS_DIRECTORY, which systemd sets for LoadCredential=; run the service with LoadCredential=smtp-password:/path/to/secret, or use { file: /path }',
    ]);
    const { config } = ok(raw, { ...ENV, CREDENTIALS_DIRECTORY: '/run/credentials/hwc.service' });
    expect(config.smtp.auth.pass).toEqual({ credential: 'smtp-password' });
  });
});

describe('parseConfig: durations and sizes', () => {
  it('when durations combine units, then they are converted to milliseconds', () => {
    const raw = base();
    withValue('escalateAfter', '90s', raw);
    withValue('purgeAfter', '1h30m', raw);
    withValue('checkTimeout', '2m30s', raw);
    const { config } = ok(raw);
    expect(config.escalateAfterMs).toBe(90_000);
    expect(config.purgeAfterMs).toBe(5_400_000);
    expect(config.checkTimeoutMs).toBe(150_000);
  });

  it('when a duration is zero, negative, unitless or garbled, then it is an error', () => {
    expect(errorsOf(withValue('checkTimeout', '0m'))).toEqual([
      'checkTimeout: expected a duration longer than zero, got "0m"',
    ]);
    expect(errorsOf(withValue('checkTimeout', '-5m'))).toEqual([
      'checkTimeout: expected a duration longer than zero, got "-5m"',
    ]);
    expect(errorsOf(withValue('checkTimeout', 5))[0]).toMatch(
      /^checkTimeout: expected a duration .*got 5; add a unit, e.g. 5m$/,
    );
    expect(errorsOf(withValue('checkTimeout', '5d'))[0]).toMatch(
      /^checkTimeout: expected a duration .*got "5d"$/,
    );
    expect(errorsOf(withValue('escalateAfter', undefined))[0]).toMatch(
      /^escalateAfter: missing; add how long/,
    );
  });

  it('when escalateAfter is not shorter than purgeAfter, then it is an error', () => {
    expect(errorsOf(withValue('purgeAfter', '20m'))).toEqual([
      'escalateAfter: expected less than purgeAfter (20m), got "20m"; the backup must be alerted well before the signal is purged',
    ]);
    expect(errorsOf(withValue('escalateAfter', '9h'))[0]).toMatch(/purgeAfter \(8h \(default\)\), got "9h"/);
  });

  it('when audit.keep is given in days or years, then it is converted to days', () => {
    expect(ok(withValue('audit', { keep: '730d' })).config.auditKeepDays).toBe(730);
    expect(ok(withValue('audit', { keep: '1y' })).config.auditKeepDays).toBe(365);
    expect(errorsOf(withValue('audit', { keep: '0d' }))).toEqual([
      'audit.keep: expected a duration longer than zero, got "0d"',
    ]);
    expect(errorsOf(withValue('audit', { keep: '2h' }))).toEqual([
      'audit.keep: expected a duration in days or years, such as 730d or 2y, got "2h"',
    ]);
  });

  it('when maxMessageBytes is a size with a unit or a number, then it is converted to bytes', () => {
    expect(ok(withValue('maxMessageBytes', '500KB')).config.maxMessageBytes).toBe(500 * 1024);
    expect(ok(withValue('maxMessageBytes', '5 MB')).config.maxMessageBytes).toBe(5 * 1024 * 1024);
    expect(ok(withValue('maxMessageBytes', 2_000_000)).config.maxMessageBytes).toBe(2_000_000);
    expect(errorsOf(withValue('maxMessageBytes', 5))).toEqual([
      'maxMessageBytes: expected a size of at least 1KB, got 5; write the unit, e.g. 5MB',
    ]);
    expect(errorsOf(withValue('maxMessageBytes', '5 megabytes'))).toEqual([
      'maxMessageBytes: expected a size such as 5MB or 500KB, or a number of bytes, got "5 megabytes"',
    ]);
  });
});

describe('parseConfig: addresses', () => {
  it('when from has a display name, with or without quotes, then it is split into name and address', () => {
    expect(ok(withValue('from', 'Handle with Care <hwc@school.example.nl>')).config.from).toEqual({
      name: 'Handle with Care',
      address: 'hwc@school.example.nl',
    });
    expect(ok(withValue('from', '"HWC, De Reuzepas" <hwc@school.example.nl>')).config.from).toEqual({
      name: 'HWC, De Reuzepas',
      address: 'hwc@school.example.nl',
    });
    expect(ok(withValue('from', '<hwc@school.example.nl>')).config.from).toEqual({
      address: 'hwc@school.example.nl',
    });
  });

  it('when an address has no dot in the domain, two @, or a space, then it is an error', () => {
    for (const bad of [
      'zorg@school',
      'zorg@@school.example.nl',
      'zorg@a@school.example.nl',
      'zorg @school.example.nl',
      'zorg',
    ]) {
      expect(errorsOf(withValue('contacts.primary.email', bad))).toEqual([
        `contacts.primary.email: expected an e-mail address such as zorg@school.example.nl, got ${JSON.stringify(bad)}`,
      ]);
    }
    expect(errorsOf(withValue('from', 'HWC <hwc@school>'))[0]).toMatch(/^from: expected an address such as/);
  });

  it('when senders are given in mixed case, then they are lower-cased and deduplicated', () => {
    const raw = withValue('senders', [
      '@VeiligThuis.Example.NL',
      'Leerplicht@Gemeente.example.nl',
      '@veiligthuis.example.nl',
    ]);
    expect(ok(raw).config.senders).toEqual(['@veiligthuis.example.nl', 'leerplicht@gemeente.example.nl']);
  });

  it('when a sender is a bare domain or a wildcard, then the error shows how to write it', () => {
    expect(errorsOf(withValue('senders', ['veiligthuis.example.nl', '*@gemeente.example.nl']))).toEqual([
      'senders[0]: expected "@domain" for a whole domain, got "veiligthuis.example.nl"; write "@veiligthuis.example.nl"',
      'senders[1]: expected "@domain" for a whole domain, got "*@gemeente.example.nl"; write "@gemeente.example.nl"',
    ]);
  });

  it('when senders is empty, then it is an error', () => {
    expect(errorsOf(withValue('senders', []))).toEqual([
      'senders: expected at least one sender, got an empty list; add who may send signals, e.g. "@veiligthuis.example.nl"',
    ]);
  });

  it('when a host is written as a URL or with a port, then the error says what to remove', () => {
    expect(errorsOf(withValue('imap.host', 'imaps://imap.example.nl'))).toEqual([
      'imap.host: expected only the host name, got "imaps://imap.example.nl"; remove "imaps://"',
    ]);
    expect(errorsOf(withValue('imap.host', 'imap.example.nl:993'))).toEqual([
      'imap.host: expected only the host name, got "imap.example.nl:993"; put the port number under port:',
    ]);
  });
});

describe('parseConfig: schedule and absences', () => {
  it('when check times are out of order or written as H:MM, then they are normalised and sorted', () => {
    const { config } = ok(
      withValue('schedule', { checks: ['8:05', '07:00', '07:45'], days: ['fri', 'Mon'] }),
    );
    expect(config.schedule).toEqual({
      checks: ['07:00', '07:45', '08:05'],
      days: ['mon', 'fri'],
      deadline: '08:15',
    });
  });

  it('when a check time is listed twice or is not a time, then each is an error', () => {
    expect(errorsOf(withValue('schedule.checks', ['07:00', '7:00', '25:00']))).toEqual([
      'schedule.checks[2]: expected a time as HH:MM (24 hours), such as "07:45", got "25:00"',
    ]);
    expect(errorsOf(withValue('schedule.checks', ['07:00', '7:00']))).toEqual([
      'schedule.checks[1]: the time "07:00" is listed twice; remove one',
    ]);
  });

  it('when checks or days is empty, then it is an error', () => {
    expect(errorsOf(withValue('schedule.checks', []))).toEqual([
      'schedule.checks: expected at least one check time, got an empty list; add a time such as "07:00"',
    ]);
    expect(errorsOf(withValue('schedule.days', []))[0]).toMatch(/^schedule\.days: expected at least one day/);
  });

  it('when a day is listed twice, then it is an error', () => {
    expect(errorsOf(withValue('schedule.days', ['mon', 'tue', 'mon']))).toEqual([
      'schedule.days[2]: the day "mon" is listed twice; remove one',
    ]);
  });

  it('when a check is after the deadline, then a warning says the signal would be late', () => {
    const { warnings } = ok(
      withValue('schedule', { checks: ['07:00', '09:00'], days: ['mon'], deadline: '08:15' }),
    );
    expect(warnings).toEqual([
      'schedule.checks: 09:00 after the deadline 08:15; a signal found then is already late',
    ]);
  });

  it('when an absence range ends before it starts or a date does not exist, then it is an error', () => {
    const raw = withValue('contacts.primary.absent', [
      '2026-12-11..2026-12-07',
      '2026-02-30',
      '2026-12-01..',
    ]);
    expect(errorsOf(raw)).toEqual([
      'contacts.primary.absent[0]: expected a range FROM..TO with FROM on or before TO, got "2026-12-11..2026-12-07"; swap the dates',
      'contacts.primary.absent[1]: expected an ISO date such as "2026-12-01", or a range FROM..TO such as "2026-12-07..2026-12-11", got "2026-02-30"',
      'contacts.primary.absent[2]: expected an ISO date such as "2026-12-01", or a range FROM..TO such as "2026-12-07..2026-12-11", got "2026-12-01.."',
    ]);
  });

  it('when the backup has absences too, then they are parsed like the primary', () => {
    const { config } = ok(withValue('contacts.backup.absent', ['2026-12-24..2026-12-31']));
    expect(config.contacts.backup.absent).toEqual([{ from: '2026-12-24', to: '2026-12-31' }]);
  });
});

describe('parseConfig: tls and warnings', () => {
  it('when tls.ca is given, then it becomes caFile and certificate checks stay on', () => {
    const { config } = ok(withValue('imap.tls', { ca: 'ca.pem' }));
    expect(config.imap.tls).toEqual({ rejectUnauthorized: true, caFile: 'ca.pem' });
  });

  it('when certificate checks are turned off, then a warning is given', () => {
    const { warnings } = ok(withValue('smtp.tls', { rejectUnauthorized: false }));
    expect(warnings).toEqual([
      expect.stringMatching(/^smtp\.tls\.rejectUnauthorized: false; the server's certificate/),
    ]);
  });

  it('when secure does not match the usual use of the port, then a warning suggests the other value', () => {
    expect(ok(withValue('imap.secure', false)).warnings).toEqual([
      'imap.secure: false on port 993, which normally uses implicit TLS; did you mean secure: true?',
    ]);
  });

  it('when primary and backup have the same address, then a warning is given', () => {
    const { warnings } = ok(withValue('contacts.backup.email', 'Zorg@school.example.nl'));
    expect(warnings).toEqual([expect.stringMatching(/^contacts\.backup\.email: the same address/)]);
  });
});

describe('describeConfigForLog', () => {
  it('when a config is described for the log, then only non-personal, non-secret facts appear', () => {
    const raw = withValue('allowPlaintextPassword', true, withValue('smtp.auth.pass', 'Zeer-Geheim-42!'));
    const facts = describeConfigForLog(ok(raw).config);
    expect(facts).toEqual({
      school: 'Basisschool De Reuzepas',
      timezone: 'Europe/Amsterdam',
      imap: 'imap.example.nl:993',
      smtp: 'smtp.example.nl:587',
      senders: 1,
      checks: ['07:00'],
      days: ['mon'],
      deadline: '08:15',
      notify: 'escalate',
    });
    const text = JSON.stringify(facts);
    for (const personal of ['zorg@', 'backup@', 'Zorgco', 'Achterwacht', 'veiligthuis', 'Geheim', 'hwc@']) {
      expect(text).not.toContain(personal);
    }
  });
});

describe('Secret', () => {
  it('when a Secret is printed, serialised or spread, then its value does not appear; reveal() returns it', () => {
    const secret = new Secret('hunter2');
    expect(secret.reveal()).toBe('hunter2');
    expect(String(secret)).toBe('[secret]');
    expect(`${secret}`).toBe('[secret]');
    expect(JSON.stringify({ pass: secret })).toBe('{"pass":"[secret]"}');
    expect(inspect({ pass: secret }, { showHidden: true, depth: 5 })).not.toContain('hunter2');
    expect(JSON.stringify({ ...secret })).not.toContain('hunter2');
  });

  it('when maxMessagesPerCheck is absent, a whole number, or not, then it defaults to 200, is kept, or is named with the fix', () => {
    expect(ok(withValue('maxMessagesPerCheck', undefined)).config.maxMessagesPerCheck).toBe(200);
    expect(ok(withValue('maxMessagesPerCheck', 50)).config.maxMessagesPerCheck).toBe(50);
    expect(errorsOf(withValue('maxMessagesPerCheck', 0))).toEqual([
      'maxMessagesPerCheck: expected at least 1 message, got 0; the default is 200',
    ]);
    expect(errorsOf(withValue('maxMessagesPerCheck', 'many'))).toEqual([
      'maxMessagesPerCheck: expected a whole number of messages, such as 200, got "many"',
    ]);
    expect(errorsOf(withValue('maxMessagesPerCheck', 2.5))).toEqual([
      'maxMessagesPerCheck: expected a whole number of messages, such as 200, got 2.5',
    ]);
  });
});
