/**
 * The configuration schema (zod 4): the fields of the file, and how the parsed object becomes
 * the Config that the rest of the program sees (types.ts).
 *
 * Every schema carries its own error function so that each message reads
 * `expected …, got …` or `missing; <fix>`; parse-config.ts adds the key path in front.
 * Values are shown in messages, except anything under `*.auth.pass`, which is only
 * ever described by its kind ("a text"), never by its content.
 */
import { DEFAULT_MAX_NOTIFICATION_BYTES } from '../core/completeness.js';
import * as z from 'zod';
import { show } from './errors.js';
import { REGIONS } from '../core/holidays-nl.js';
import { RECEIVING_SERVERS } from '../core/trust.js';
import type { ClosedDays } from '../core/schedule.js';
import { WEEKDAYS } from '../core/vocabulary.js';
import { bool, expecting, field, text, type Presence } from './fields.js';
import {
  isDomain,
  isEmailAddress,
  parseByteSize,
  parseClockTime,
  parseDurationDays,
  parseDurationMs,
  parseMailAddress,
  splitDateRange,
} from './formats.js';
import { server } from './server-schema.js';
import { proofOfLifeOf, proofOfLifeSchema } from './proof-of-life-schema.js';
import { monitoringSchema } from './monitoring-schema.js';
import { deliverField, toWebConfig, webSchema } from './web-schema.js';
import type { Config, DateRange, NotifyMode, PrivacyContact, Weekday } from './types.js';

// The types and Secret, for the modules and tests that take the whole config from here.
export { Secret } from './secret.js';
export type * from './types.js';

export const DEFAULTS = {
  notify: 'escalate',
  deadline: '08:15',
  purgeAfter: '8h',
  checkTimeout: '5m',
  maxMessageBytes: 5 * 1024 * 1024,
  maxMessagesPerCheck: 200,
  // Exchange Online accepts 25 MB by default; see DEFAULT_MAX_NOTIFICATION_BYTES for the choice.
  maxNotificationBytes: DEFAULT_MAX_NOTIFICATION_BYTES,
  auditKeep: '2y',
} as const;

// ---------------------------------------------------------------------------
// Field schemas

function durationMs(example: string, presence: Presence<number>) {
  const expected = `a duration such as ${example} (h, m and s; e.g. 1h30m)`;
  return field(expected, presence, (value, fail) => {
    if (typeof value === 'number') {
      fail(`expected ${expected}, got ${value}; add a unit, e.g. ${value}m`);
      return undefined;
    }
    if (typeof value !== 'string') return undefined;
    if (/^\s*-/.test(value)) {
      fail(`expected a duration longer than zero, got ${show(value)}`);
      return undefined;
    }
    const ms = parseDurationMs(value);
    if (ms === 0) fail(`expected a duration longer than zero, got ${show(value)}`);
    return ms === 0 ? undefined : ms;
  });
}

const email = (missing: string) =>
  field('an e-mail address such as zorg@school.example.nl', { missing }, (value) =>
    typeof value === 'string' && isEmailAddress(value.trim()) ? value.trim() : undefined,
  );

const dateRange = field(
  'an ISO date such as "2026-12-01", or a range FROM..TO such as "2026-12-07..2026-12-11"',
  { missing: 'write a date or a range, or remove the entry' },
  (value, fail): DateRange | undefined => {
    const range = typeof value === 'string' ? splitDateRange(value) : undefined;
    if (range && range.from > range.to) {
      fail(`expected a range FROM..TO with FROM on or before TO, got ${show(value)}; swap the dates`);
      return undefined;
    }
    return range;
  },
);

const contact = (role: 'primary' | 'backup', missing: string) =>
  z.strictObject(
    {
      name: text('a name or role, such as Zorgcoördinator', `add the ${role} contact's name or role`),
      email: email(`add the ${role} contact's e-mail address`),
      absent: z
        .array(dateRange, { error: expecting('a list of dates or FROM..TO ranges', '') })
        .optional()
        .transform((list) => list ?? []),
    },
    { error: expecting('a mapping with name, email and optionally absent', missing) },
  );

const sender = field(
  'a sender such as "@veiligthuis.example.nl" (a whole domain) or "leerplicht@gemeente.example.nl"',
  { missing: 'write a sender, or remove the entry' },
  (value, fail) => {
    if (typeof value !== 'string') return undefined;
    const s = value.trim().toLowerCase();
    if (s.startsWith('@')) return isDomain(s.slice(1)) ? s : undefined;
    if (s.startsWith('*@') && isDomain(s.slice(2))) {
      fail(`expected "@domain" for a whole domain, got ${show(value)}; write "${s.slice(1)}"`);
      return undefined;
    }
    if (!s.includes('@') && isDomain(s)) {
      fail(`expected "@domain" for a whole domain, got ${show(value)}; write "@${s}"`);
      return undefined;
    }
    return isEmailAddress(s) ? s : undefined;
  },
);

const clockTime = (presence: Presence<string>) =>
  field('a time as HH:MM (24 hours), such as "07:45"', presence, parseClockTime);

const weekday = field(
  `one of ${WEEKDAYS.join(', ')}`,
  { missing: 'write a day, or remove the entry' },
  (value) => {
    const day = typeof value === 'string' ? value.trim().toLowerCase() : '';
    return (WEEKDAYS as readonly string[]).includes(day) ? (day as Weekday) : undefined;
  },
);

/** Reports the second and later occurrences of a value, at their index. */
function reportDuplicates(list: readonly string[], ctx: z.RefinementCtx, what: string): void {
  list.forEach((item, i) => {
    if (list.indexOf(item) !== i) {
      ctx.addIssue({ code: 'custom', path: [i], message: `${what} "${item}" is listed twice; remove one` });
    }
  });
}

const schedule = z.strictObject(
  {
    checks: z
      .array(clockTime({ missing: 'write a time, or remove the entry' }), {
        error: expecting('a list of times such as ["07:00", "07:45"]', 'add checks: ["07:00", "07:45"]'),
      })
      .min(1, { error: 'expected at least one check time, got an empty list; add a time such as "07:00"' })
      .transform((list, ctx) => {
        reportDuplicates(list, ctx, 'the time');
        return [...list].sort();
      }),
    days: z
      .array(weekday, {
        error: expecting(
          'a list of days such as [mon, tue, wed, thu, fri]',
          'add days: [mon, tue, wed, thu, fri]',
        ),
      })
      .min(1, {
        error: 'expected at least one day, got an empty list; add days such as [mon, tue, wed, thu, fri]',
      })
      .transform((list, ctx) => {
        reportDuplicates(list, ctx, 'the day');
        return [...new Set(list)].sort((a, b) => WEEKDAYS.indexOf(a) - WEEKDAYS.indexOf(b));
      }),
    deadline: clockTime({ default: DEFAULTS.deadline }),
    holidays: z
      .strictObject(
        {
          region: z.enum(REGIONS, { error: expecting(`one of ${REGIONS.join(', ')}`, '') }).optional(),
          closed: z
            .array(dateRange, { error: expecting('a list of dates or FROM..TO ranges', '') })
            .optional()
            .transform((list) => list ?? []),
          open: z.array(dateRange, { error: expecting('a list of dates or FROM..TO ranges', '') }).optional(),
        },
        { error: expecting('a mapping such as { region: midden, closed: ["2027-03-10"] }', '') },
      )
      .optional()
      .transform((h) =>
        h
          ? {
              ...(h.region ? { region: h.region } : {}),
              closed: h.closed,
              ...(h.open && h.open.length > 0 ? { open: h.open } : {}),
            }
          : undefined,
      ),
    // Absent means `acknowledge` (see core/schedule.ts); left absent so that the parsed config stays as written.
    closedDays: z
      .enum(['acknowledge', 'ignore'] satisfies ClosedDays[], {
        error: expecting('acknowledge or ignore', ''),
      })
      .optional(),
  },
  {
    error: expecting(
      'a mapping with checks, days and deadline',
      'add schedule: with checks: ["07:00"] and days: [mon, tue, wed, thu, fri]',
    ),
  },
);

let timeZones: ReadonlySet<string> | undefined;
const canonicalTimeZones = (): ReadonlySet<string> =>
  (timeZones ??= new Set(Intl.supportedValuesOf('timeZone')));

/**
 * The top-level keys. Exported so that parseConfig can run one field on its own
 * for cross-field rules, even when other parts of the file are invalid.
 */
export const topLevelFields = {
  school: text('the name of the school', "add the school's name, e.g. school: Basisschool De Reuzepas"),
  timezone: field(
    'an IANA time zone such as Europe/Amsterdam',
    { missing: 'add timezone: Europe/Amsterdam' },
    (value) => {
      if (typeof value !== 'string' || value.trim() === '') return undefined;
      // A canonical name is looked up in ICU's list; building a date formatter, which also
      // accepts aliases and any case, costs about 20 ms the first time, so that a check can pay
      // it later while it waits for the mail server.
      if (canonicalTimeZones().has(value.trim())) return value.trim();
      try {
        new Intl.DateTimeFormat(undefined, { timeZone: value.trim() });
        return value.trim();
      } catch (err) {
        if (err instanceof RangeError) return undefined;
        throw err;
      }
    },
  ),
  imap: server('IMAP', '993'),
  smtp: server('SMTP', '587 (STARTTLS) or 465 (implicit TLS)'),
  from: field(
    'an address such as "Handle with Care <hwc@school.example.nl>" or hwc@school.example.nl',
    {
      missing:
        'add the sender of the e-mails this program sends, e.g. from: "Handle with Care <hwc@school.example.nl>"',
    },
    (value) => (typeof value === 'string' ? parseMailAddress(value) : undefined),
  ),
  senders: z
    .array(sender, {
      error: expecting(
        'a list of senders such as ["@veiligthuis.example.nl"]',
        'list who may send signals, e.g. senders: ["@veiligthuis.example.nl"]',
      ),
    })
    .min(1, {
      error:
        'expected at least one sender, got an empty list; add who may send signals, e.g. "@veiligthuis.example.nl"',
    })
    .transform((list) => [...new Set(list)]),
  trustedAuthservId: field(
    'the host name of the receiving mail server, such as mx.school.example.nl',
    { default: undefined },
    (value) => (typeof value === 'string' && /^[^\s;]+$/.test(value.trim()) ? value.trim() : undefined),
  ).optional(),
  receivingServer: z
    .enum(RECEIVING_SERVERS, {
      error: expecting(
        `one of ${RECEIVING_SERVERS.join(', ')}`,
        "name the server that receives the school's mail, or remove receivingServer and set trustedAuthservId",
      ),
    })
    .optional(),
  mailboxHint: text(
    "where a person opens the HwC mailbox: a webmail URL or the shared mailbox's name",
    'write e.g. mailboxHint: https://outlook.office.com/mail/hwc@school.nl, or remove the key',
  ).optional(),
  privacyContact: z
    .strictObject(
      {
        name: text(
          'a name or role, such as "Functionaris gegevensbescherming, Stichting De Reuzepas"',
          "add the privacy contact's name or role",
        ),
        email: email("add the privacy contact's e-mail address, or remove email").optional(),
      },
      {
        error: expecting(
          'a mapping with name and optionally email',
          'write privacyContact: { name: …, email: … }, or remove the key',
        ),
      },
    )
    .optional(),
  contacts: z.strictObject(
    {
      primary: contact(
        'primary',
        'add contacts.primary: { name: …, email: … }, the person who is notified first',
      ),
      backup: contact('backup', 'add contacts.backup: { name: …, email: … }, the person who stands in'),
    },
    { error: expecting('a mapping with primary and backup', 'add contacts: with primary and backup') },
  ),
  notify: z
    .enum(['both', 'escalate'], { error: expecting('both or escalate', '') })
    .optional()
    .transform((v): NotifyMode => v ?? DEFAULTS.notify),
  deliver: deliverField,
  web: webSchema,
  schedule,
  escalateAfter: durationMs('20m', {
    missing:
      'add how long to wait for the primary contact before the backup is alerted, e.g. escalateAfter: 20m',
  }),
  purgeAfter: durationMs('8h', { default: parseDurationMs(DEFAULTS.purgeAfter) ?? 0 }),
  checkTimeout: durationMs('5m', { default: parseDurationMs(DEFAULTS.checkTimeout) ?? 0 }),
  maxMessageBytes: field(
    'a size such as 5MB or 500KB, or a number of bytes',
    { default: DEFAULTS.maxMessageBytes },
    (value, fail) => {
      const bytes = parseByteSize(value);
      if (bytes !== undefined && bytes < 1024) {
        fail(`expected a size of at least 1KB, got ${show(value)}; write the unit, e.g. 5MB`);
        return undefined;
      }
      return bytes;
    },
  ),
  maxNotificationBytes: field(
    'a size such as 10MB, or a number of bytes',
    { default: DEFAULTS.maxNotificationBytes },
    (value, fail) => {
      const bytes = parseByteSize(value);
      if (bytes !== undefined && bytes < 1024) {
        fail(`expected a size of at least 1KB, got ${show(value)}; write the unit, e.g. 10MB`);
        return undefined;
      }
      return bytes;
    },
  ),
  maxMessagesPerCheck: field(
    'a whole number of messages, such as 200',
    { default: DEFAULTS.maxMessagesPerCheck },
    (value, fail) => {
      if (typeof value !== 'number' || !Number.isInteger(value)) return undefined;
      if (value < 1) {
        fail(`expected at least 1 message, got ${show(value)}; the default is 200`);
        return undefined;
      }
      return value;
    },
  ),
  storage: text(
    'the path of a directory',
    'add the directory for the state database, e.g. storage: /var/lib/hwc-watcher',
  ),
  audit: z
    .strictObject(
      {
        keep: field(
          'a duration in days or years, such as 730d or 2y',
          { default: parseDurationDays(DEFAULTS.auditKeep) ?? 0 },
          (value, fail) => {
            const days = typeof value === 'string' ? parseDurationDays(value) : undefined;
            if (days === 0) fail(`expected a duration longer than zero, got ${show(value)}`);
            return days === 0 ? undefined : days;
          },
        ),
      },
      { error: expecting('a mapping such as { keep: 2y }', '') },
    )
    .optional()
    .transform((a) => a?.keep ?? parseDurationDays(DEFAULTS.auditKeep) ?? 0),
  allowPlaintextPassword: bool('').optional(),
  proofOfLife: proofOfLifeSchema,
  monitoring: monitoringSchema,
};

export const configSchema = z.strictObject(topLevelFields, {
  error: expecting(
    'a mapping of keys such as school:, imap: and smtp:',
    'start from config/hwc.example.yaml',
  ),
});

function privacyContactOf(p: { name: string; email?: string | undefined }): PrivacyContact {
  return { name: p.name, ...(p.email !== undefined ? { email: p.email } : {}) };
}

/** Turns the parsed object into the public Config shape (durations in ms, renamed keys). */
export function toConfig(o: z.output<typeof configSchema>): Config {
  return {
    school: o.school,
    timezone: o.timezone,
    imap: o.imap,
    smtp: o.smtp,
    from: o.from,
    senders: o.senders,
    ...(o.trustedAuthservId !== undefined ? { trustedAuthservId: o.trustedAuthservId } : {}),
    ...(o.receivingServer !== undefined ? { receivingServer: o.receivingServer } : {}),
    contacts: o.contacts,
    ...(o.privacyContact !== undefined ? { privacyContact: privacyContactOf(o.privacyContact) } : {}),
    ...(o.mailboxHint !== undefined ? { mailboxHint: o.mailboxHint } : {}),
    notify: o.notify,
    deliver: o.deliver,
    ...(o.web ? { web: toWebConfig(o.web) as NonNullable<Config['web']> } : {}),
    schedule: o.schedule,
    escalateAfterMs: o.escalateAfter,
    purgeAfterMs: o.purgeAfter,
    checkTimeoutMs: o.checkTimeout,
    maxMessageBytes: o.maxMessageBytes,
    maxMessagesPerCheck: o.maxMessagesPerCheck,
    maxNotificationBytes: o.maxNotificationBytes,
    storage: o.storage,
    auditKeepDays: o.audit,
    ...(proofOfLifeOf(o.proofOfLife) ? { proofOfLife: proofOfLifeOf(o.proofOfLife) } : {}),
    ...(o.monitoring !== undefined ? { monitoring: o.monitoring } : {}),
  };
}
