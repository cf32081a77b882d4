import { describe, expect, it } from 'vitest';
import {
  composeAcknowledgement,
  composeAlert,
  composeDeadManAlarm,
  composeMdn,
  composeNotification,
  composeReminder,
  composeSecureNoticeAlert,
  composeTestMail,
  escalationClause,
  type NotificationInput,
} from '../../src/core/compose.js';
import { composeConfirmedByOther, composeConfirmedThanks } from '../../src/core/compose-confirmed.js';
import {
  composeLinkNotification,
  composeLinkPageDown,
  composeLinkReminder,
} from '../../src/core/compose-link.js';
import type { OutgoingMail } from '../../src/core/ports.js';
import type { EscalationReason } from '../../src/core/vocabulary.js';

/**
 * Every Dutch text hwc-watcher sends, rendered into a file under __snapshots__/texts/ that is
 * reviewed in the commit that changes it, plus the rules each text must keep.
 */

const identity = {
  school: 'Basisschool De Proef',
  fromAddress: 'hwc@school.test',
  timezone: 'Europe/Amsterdam',
};
const primary = { name: 'Fatima El Amrani', email: 'zorg@school.test' };
const backup = { name: 'Jan de Wit', email: 'achterwacht@school.test' };
const CHILD = { name: 'Quirijn Canarie', birthDate: '2015-09-04' };
const SECOND = { name: 'Roos Canarie', birthDate: '2017-12-31' };
// Tuesday 1 December 2026; found at 07:05, arrived the evening before at 18:58.
const found = new Date('2026-12-01T06:05:00Z');
const arrived = new Date('2026-11-30T17:58:00Z');
const deadline = new Date('2026-12-01T07:15:00Z');

const base: NotificationInput = {
  identity,
  contact: primary,
  role: 'primary',
  children: [CHILD],
  receivedAt: found,
  arrivedAt: arrived,
  now: found,
  reference: 'HWC-ABCDEF',
  confirmationCode: 'K7P2Q-9XMRT',
  messageId: 'hwc.0@school.test',
  needsReview: false,
  reviewReasons: [],
  other: backup,
  escalateAt: new Date('2026-12-01T06:25:00Z'),
  deadline,
  escalateAfterMinutes: 20,
};

const toBackup = (escalation: EscalationReason): NotificationInput => {
  const { escalateAt: _unused, ...rest } = base;
  return {
    ...rest,
    contact: backup,
    role: 'backup',
    other: primary,
    escalation,
    // The deadline reason is given at the deadline itself; the others on the way to it.
    now: escalation === 'deadline' ? deadline : new Date('2026-12-01T06:25:00Z'),
  };
};

const confirmed = {
  identity,
  confirmer: backup,
  confirmerRole: 'backup' as const,
  otherTold: true,
  other: primary,
  reference: 'HWC-ABCDEF',
  at: new Date('2026-12-01T06:31:00Z'),
  messageId: 'hwc.c@school.test',
};

const reasons: EscalationReason[] = [
  'absent',
  'unreachable',
  'out-of-office',
  'no-confirmation',
  'deadline',
  'handed-on',
];

const LINK = {
  identity,
  contact: primary,
  receivedAt: found,
  arrivedAt: arrived,
  reference: 'HWC-ABCDEF',
  url: 'https://hwc.school.test/s/TOKEN',
  actBy: deadline,
  messageId: 'hwc.link@school.test',
  needsReview: false,
  pin: false,
};

const TEXTS: Record<string, OutgoingMail> = {
  'notification-primary-one-child': composeNotification(base),
  'notification-primary-several-children': composeNotification({
    ...base,
    children: [CHILD, SECOND],
    arrivedAt: found,
  }),
  'notification-primary-notify-both': (() => {
    const { escalateAt: _unused, ...rest } = base;
    return composeNotification({ ...rest, otherToldToo: true });
  })(),
  'notification-review': composeNotification({
    ...base,
    children: [{ name: 'Quirijn Canarie', birthDate: '' }],
    needsReview: true,
    reviewReasons: ['codeword in body', '1 child found', 'birth date is missing'],
    originalText: 'Quirijn Canarie, Handle with Care',
  }),
  'notification-no-child-recognised': composeNotification({
    ...base,
    children: [],
    needsReview: true,
    reviewReasons: ['codeword found but no child recognised'],
    originalText: 'Handle with Care',
  }),
  ...Object.fromEntries(reasons.map((r) => [`notification-backup-${r}`, composeNotification(toBackup(r))])),
  'notification-original-attached': composeNotification({
    ...base,
    needsReview: true,
    reviewReasons: ['more children than can be listed'],
    originalText: 'Quirijn Canarie, Handle with Care',
    original: { carry: 'attached', listCut: true, raw: Buffer.from('Subject: x\r\n\r\nHandle with Care') },
  }),
  'notification-original-attached-notify-both': (() => {
    const { escalateAt: _unused, ...rest } = base;
    return composeNotification({
      ...rest,
      otherToldToo: true,
      children: [],
      needsReview: true,
      reviewReasons: ['codeword found but no child recognised'],
      originalText: 'Handle with Care, zie bijlage',
      original: {
        carry: 'attached',
        listCut: false,
        untilConfirmed: true,
        raw: Buffer.from('Subject: x\r\n\r\nHandle with Care'),
      },
    });
  })(),
  'notification-original-held': composeNotification({
    ...base,
    needsReview: true,
    reviewReasons: ['text and HTML parts differ'],
    originalText: 'Quirijn Canarie, Handle with Care',
    original: { carry: 'held', listCut: false },
  }),
  'link-notification-primary': composeLinkNotification(LINK),
  'link-notification-backup-handed-on': composeLinkNotification({
    ...LINK,
    contact: backup,
    primary,
    escalation: 'handed-on',
    needsReview: true,
    pin: true,
  }),
  'link-reminder': composeLinkReminder({
    identity,
    contact: backup,
    reference: 'HWC-ABCDEF',
    url: LINK.url,
    at: deadline,
    messageId: 'hwc.link-remind@school.test',
    pin: false,
  }),
  'notification-backup-review': composeNotification({
    ...toBackup('no-confirmation'),
    needsReview: true,
    reviewReasons: ['text and HTML parts differ'],
    originalText: 'Quirijn Canarie, Handle with Care',
  }),
  'acknowledgement-found-later': composeAcknowledgement({
    identity,
    to: 'signaal@veiligthuis.test',
    originalMessageId: 'orig@veiligthuis.test',
    originalReferences: [],
    receivedAt: found,
    arrivedAt: arrived,
    messageId: 'hwc.ack@school.test',
  }),
  'acknowledgement-found-at-once': composeAcknowledgement({
    identity,
    to: 'signaal@veiligthuis.test',
    originalReferences: [],
    receivedAt: found,
    arrivedAt: found,
    messageId: 'hwc.ack@school.test',
  }),
  mdn: composeMdn({
    identity,
    to: 'signaal@veiligthuis.test',
    originalMessageId: 'orig@veiligthuis.test',
    messageId: 'hwc.mdn@school.test',
    reportingUa: 'hwc-watcher; hwc-watcher 0.1.0',
  }),
  'alert-one-message': composeAlert({
    identity,
    contact: primary,
    counts: { 'not-a-signal': 1 },
    at: found,
    messageId: 'hwc.alert@school.test',
  }),
  'alert-several-messages': composeAlert({
    identity,
    contact: primary,
    counts: {
      'untrusted-sender': 2,
      'too-big': 1,
      unreadable: 1,
      'unexpected-reply': 1,
      'contacts-unreachable': 1,
      'too-deeply-nested': 1,
    },
    at: found,
    messageId: 'hwc.alert@school.test',
  }),
  'alert-secure-notice': composeSecureNoticeAlert({
    identity,
    contact: primary,
    at: found,
    messageId: 'hwc.secure@school.test',
  }),
  reminder: composeReminder({
    identity,
    contact: primary,
    reference: 'HWC-ABCDEF',
    at: deadline,
    messageId: 'hwc.remind@school.test',
  }),
  'dead-man': composeDeadManAlarm({
    identity,
    contacts: [primary, backup],
    at: new Date('2026-12-01T06:45:00Z'),
    messageId: 'hwc.deadman@school.test',
  }),
  'dead-man-with-mailbox-hint': composeDeadManAlarm({
    identity,
    contacts: [primary, backup],
    at: new Date('2026-12-01T06:45:00Z'),
    messageId: 'hwc.deadman@school.test',
    mailboxHint: 'https://outlook.office.com/mail/hwc@school.test',
  }),
  'link-page-down': composeLinkPageDown({
    identity,
    contacts: [primary, backup],
    at: new Date('2026-12-01T05:30:00Z'),
    messageId: 'hwc.linkpage@school.test',
    checksGoOn: true,
    mailboxHint: 'https://outlook.office.com/mail/hwc@school.test',
  }),
  'link-page-down-alone': composeLinkPageDown({
    identity,
    contacts: [primary, backup],
    at: new Date('2026-12-01T05:30:00Z'),
    messageId: 'hwc.linkpage@school.test',
    checksGoOn: false,
  }),
  'confirmed-thanks-backup': composeConfirmedThanks({ ...confirmed, contact: backup }),
  'confirmed-thanks-primary-backup-not-told': composeConfirmedThanks({
    ...confirmed,
    contact: primary,
    confirmer: primary,
    confirmerRole: 'primary',
    other: backup,
    otherTold: false,
  }),
  'confirmed-by-other': composeConfirmedByOther({ ...confirmed, contact: primary }),
  'confirmed-thanks-after-purge': composeConfirmedThanks({
    ...confirmed,
    contact: backup,
    alreadyPurged: true,
  }),
  'confirmed-thanks-link': composeConfirmedThanks({ ...confirmed, contact: backup, viaLink: true }),
  'test-mail': {
    kind: 'alert',
    to: [primary.email],
    messageId: 'test',
    ...composeTestMail(identity.school),
  },
};

/** The text as a person sees it, with the headers that matter to them. */
function render(mail: OutgoingMail): string {
  const headers = Object.entries(mail.headers ?? {}).map(([name, value]) => `${name}: ${value}`);
  return [`Subject: ${mail.subject}`, ...headers, '', mail.text.trimEnd(), ''].join('\n');
}

/** The text before a quoted original, which is the sender's, not ours. */
const ours = (mail: OutgoingMail): string => mail.text.split('----- Origineel bericht -----')[0] ?? '';

const CONTENT_FREE = Object.entries(TEXTS).filter(([name]) => !name.startsWith('notification'));
const FINITE = new Set(['is', 'heeft', 'had', 'kon', 'was', 'wordt', 'werd']);
const VERB_CLUSTER = new Set(['bevestigd', 'gekomen', 'worden', 'afgeleverd', 'geweest', 'doorgegeven']);

describe('every Dutch text, as a snapshot', () => {
  for (const [name, mail] of Object.entries(TEXTS)) {
    it(`when the ${name} text is rendered, then it matches its reviewed snapshot`, async () => {
      await expect(render(mail)).toMatchFileSnapshot(`__snapshots__/texts/${name}.txt`);
    });
  }
});

describe('the rules every text keeps', () => {
  it('when a clause follows "omdat", then its finite verb comes last (only a verb cluster after it)', () => {
    const clauses = Object.values(TEXTS).flatMap((mail) =>
      [...ours(mail).matchAll(/omdat ([^.]*)\./g)].map((m) => m[1] ?? ''),
    );
    for (const reason of reasons) clauses.push(escalationClause(reason, primary, 20));
    expect(clauses.length).toBeGreaterThanOrEqual(reasons.length * 2);
    for (const clause of clauses) {
      const words = clause.split(/\s+/);
      const verb = words.findIndex((w) => FINITE.has(w));
      expect(verb, clause).toBeGreaterThan(0);
      expect(
        words.slice(verb + 1).every((w) => VERB_CLUSTER.has(w)),
        clause,
      ).toBe(true);
    }
  });

  it('when a text is written, then no sentence is broken over two lines', () => {
    for (const [name, mail] of Object.entries(TEXTS)) {
      const lines = ours(mail).split('\n');
      lines.forEach((line, i) => {
        const next = lines[i + 1] ?? '';
        if (line === '' || next === '') return;
        // A line that runs on into the next would end without punctuation and be followed by lower case.
        const label = /^[A-Z][\p{L} -]*: \S/u.test(line);
        const item = line.startsWith('- ');
        expect(label || item || /[.,:!?)]$/.test(line), `${name}: ${line}`).toBe(true);
        expect(/^\p{Ll}/u.test(next) && !next.startsWith('hwc-watcher'), `${name}: ${next}`).toBe(false);
      });
    }
  });

  it('when a number is written before a noun, then the noun agrees with it', () => {
    for (const mail of Object.values(TEXTS)) {
      const text = `${mail.subject}\n${mail.text}`;
      expect(text).not.toMatch(/\b1 (berichten|signalen|leerlingen|minuten|contactpersonen)\b/);
      expect(text).not.toMatch(/\b([02-9]|\d{2,}) (bericht|signaal|leerling|minuut)\b/);
    }
  });

  it('when the notification is sent, then it is marked important and the old, wrong phrases are gone', () => {
    for (const [name, mail] of Object.entries(TEXTS)) {
      expect(mail.text).not.toContain('Vertel niemand waarom');
      expect(`${mail.subject}${mail.text}`).not.toContain('vraagt om een persoon');
      expect(mail.text).not.toMatch(/\b x \b/);
      if (name.startsWith('notification')) expect(mail.headers?.['Importance'], name).toBe('high');
    }
  });

  it('when the notification tells the instruction, then it follows the regional Handle with Care handbooks', () => {
    const text = TEXTS['notification-primary-one-child']?.text ?? '';
    expect(text).toContain('Zoek de leerling vandaag op, het liefst vóór de eerste les');
    expect(text).toContain('vraag wat hij of zij vandaag nodig heeft');
    expect(text).toContain('Spreek met de leerling af wie op school');
    expect(text).toContain('alleen aan wie nodig is');
    expect(text).toContain('niet in het leerlingdossier');
  });

  it('when the notification goes out, then it says when the backup is told, when lessons begin, and both times of the signal', () => {
    const text = TEXTS['notification-primary-one-child']?.text ?? '';
    expect(text).toContain(
      'Komt er vóór 07:25 geen bevestiging, dan krijgt de achterwacht, Jan de Wit, deze melding ook.',
    );
    expect(text).toContain('De lessen beginnen om 08:15.');
    expect(text).toContain('Ontvangen: gisteren om 18:58, gevonden bij de controle van 07:05.');
    expect(TEXTS['acknowledgement-found-later']?.text).toContain('maandag 30 november 2026 om 18:58');
    expect(TEXTS['acknowledgement-found-later']?.text).toContain('dinsdag 1 december 2026 om 07:05 gevonden');
    expect(TEXTS['notification-primary-several-children']?.text).toContain('Ontvangen: vandaag om 07:05.');
  });

  it('when the reply stays in Sent Items, then the notification says so and a reply with the code alone confirms', () => {
    const text = TEXTS['notification-primary-one-child']?.text ?? '';
    expect(text).toContain('Verzonden items');
    expect(text).toContain('Een antwoord met alleen de bevestigingscode hieronder is genoeg');
    expect(text).toMatch(/^Bevestigingscode: K7P2Q-9XMRT$/m);
  });

  it('when the backup is told, then its subject has its own marker and its text names the primary and the role', () => {
    for (const reason of reasons) {
      const mail = TEXTS[`notification-backup-${reason}`];
      expect(mail?.subject).toBe('Achterwacht: Handle with Care-signaal [HWC-ABCDEF]');
      expect(mail?.text).toContain('Fatima El Amrani (zorgcoördinator)');
    }
    expect(TEXTS['notification-backup-out-of-office']?.text).toContain('automatisch afwezigheidsbericht');
    expect(TEXTS['notification-backup-out-of-office']?.text).not.toContain('afgeleverd');
    expect(TEXTS['notification-primary-one-child']?.subject).toBe('Handle with Care-signaal [HWC-ABCDEF]');
  });

  it('when the backup is told at the deadline, then the text says the lessons have begun', () => {
    expect(TEXTS['notification-backup-deadline']?.text).toContain('De lessen zijn om 08:15 begonnen.');
  });

  it('when the birth date is written, then it is in words and cannot be misread', () => {
    expect(TEXTS['notification-primary-one-child']?.text).toContain('Geboortedatum: 4 september 2015');
    expect(TEXTS['notification-primary-several-children']?.text).toContain('Geboortedatum: 31 december 2017');
  });

  it('when a text is content-free, then it holds no child name, birth date or code', () => {
    for (const [name, mail] of CONTENT_FREE) {
      const text = `${mail.subject}\n${mail.text}`;
      for (const canary of ['Canarie', 'Quirijn', '2015', 'september', 'K7P2Q']) {
        expect(text, name).not.toContain(canary);
      }
    }
  });

  it('when the dead-man alarm has a mailbox hint, then it names where to look', () => {
    expect(TEXTS['dead-man-with-mailbox-hint']?.text).toContain(
      'Kijk nu zelf in de HwC-mailbox: https://outlook.office.com/mail/hwc@school.test',
    );
    expect(TEXTS['dead-man']?.text).toContain('- Kijk nu zelf in de HwC-mailbox.');
  });

  it('when someone confirms, then the other contact is told who and the confirmer is thanked', () => {
    expect(TEXTS['confirmed-by-other']?.text).toContain(
      'Jan de Wit (achterwacht) heeft de Handle with Care-melding met referentie HWC-ABCDEF',
    );
    expect(TEXTS['confirmed-by-other']?.text).toContain('U hoeft voor deze melding niets meer te doen.');
    expect(TEXTS['confirmed-thanks-backup']?.text).toContain('Dank u wel.');
    expect(TEXTS['confirmed-thanks-primary-backup-not-told']?.text).toContain(
      'De achterwacht hoeft daardoor niet te worden ingeschakeld.',
    );
  });
});
