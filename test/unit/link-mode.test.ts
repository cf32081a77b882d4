import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse-config.js';
import { nextSignalStep, type SignalPolicy, type SignalProgress } from '../../src/core/decide.js';
import { composeLinkNotification, composeLinkReminder } from '../../src/core/compose-link.js';
import { judgeToken, tokenHash, TOKEN_PATTERN } from '../../src/core/link-token.js';
import { buttonPage, escapeHtml, revealPage } from '../../src/core/link-page.js';
import { SqliteStore } from '../../src/adapters/sqlite-store.js';
import { hashPin, verifyPin } from '../../src/web/pin.js';

const ENV = { HWC_IMAP_PASSWORD: 'x' };

function config(extra: Record<string, unknown>): Record<string, unknown> {
  return {
    school: 'Basisschool De Reuzepas',
    timezone: 'Europe/Amsterdam',
    imap: {
      host: 'imap.example.nl',
      port: 993,
      secure: true,
      auth: { user: 'h@s.nl', pass: { env: 'HWC_IMAP_PASSWORD' } },
    },
    smtp: {
      host: 'smtp.example.nl',
      port: 465,
      secure: true,
      auth: { user: 'h@s.nl', pass: { env: 'HWC_IMAP_PASSWORD' } },
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
    ...extra,
  };
}

const errorsOf = (extra: Record<string, unknown>): string[] => {
  const result = parseConfig(config(extra), ENV);
  return 'errors' in result ? result.errors : [];
};

describe('the link mode configuration', () => {
  it('when deliver is absent, then it is mail, as before', () => {
    const result = parseConfig(config({}), ENV);
    expect('config' in result && result.config.deliver).toBe('mail');
  });

  it('when deliver: link has no web, then the error names web and what to add', () => {
    expect(errorsOf({ deliver: 'link' })).toEqual([
      expect.stringMatching(/^web: missing; deliver: link needs web:/),
    ]);
  });

  it('when the page is off loopback without TLS, then web.tls is asked for; on loopback it is not', () => {
    const off = { deliver: 'link', web: { listen: '0.0.0.0:8443', baseUrl: 'http://hwc.school.nl' } };
    expect(errorsOf(off)).toEqual([
      expect.stringMatching(/^web\.tls: missing; off loopback the page needs HTTPS/),
    ]);
    const local = { deliver: 'link', web: { listen: '127.0.0.1:8443', baseUrl: 'http://127.0.0.1:8443' } };
    expect(errorsOf(local)).toEqual([]);
  });

  it('when a proxy terminates TLS, then baseUrl must be https and hwc must listen on loopback', () => {
    const wrong = {
      deliver: 'link',
      web: { listen: '0.0.0.0:8080', baseUrl: 'http://hwc.school.nl', tls: 'proxy' },
    };
    const errors = errorsOf(wrong);
    expect(errors).toContainEqual(expect.stringMatching(/^web\.baseUrl: expected an https URL/));
    expect(errors).toContainEqual(expect.stringMatching(/^web\.listen: with tls: proxy/));
    const right = {
      deliver: 'link',
      web: { listen: '127.0.0.1:8080', baseUrl: 'https://hwc.school.nl', tls: 'proxy' },
    };
    expect(errorsOf(right)).toEqual([]);
  });

  it('when a PIN is written in plain text, then it is refused with the fix', () => {
    const web = { listen: '127.0.0.1:1', baseUrl: 'http://localhost:1', pins: { primary: '123456' } };
    expect(errorsOf({ deliver: 'link', web })).toEqual([
      expect.stringMatching(
        /^web\.pins\.primary: expected a PIN hash, got a PIN in plain text; run `hwc pin-hash`/,
      ),
    ]);
  });

  it('when deliver is misspelt, then the error says which values exist', () => {
    expect(errorsOf({ deliver: 'links' })).toEqual([
      expect.stringMatching(/^deliver: expected mail or link/),
    ]);
  });
});

describe('the PIN hash', () => {
  it('when a PIN is hashed, then only that PIN verifies and the hash does not contain it', async () => {
    const hash = await hashPin('482913');
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(hash).not.toContain('482913');
    expect(await verifyPin('482913', hash)).toBe(true);
    expect(await verifyPin('482914', hash)).toBe(false);
    expect(
      errorsOf({
        deliver: 'link',
        web: { listen: '127.0.0.1:1', baseUrl: 'http://localhost:1', pins: { backup: hash } },
      }),
    ).toEqual([]);
  });
});

const RECEIVED = '2026-11-25T05:40:00.000Z';
const policy: SignalPolicy = {
  mode: 'escalate',
  escalateAfterMs: 20 * 60_000,
  purgeAfterMs: 8 * 3_600_000,
  deadline: new Date('2026-11-25T07:15:00.000Z'),
  primaryAbsent: false,
  deliver: 'link',
};
const flags = { mdnRequested: false, keywords: ['$HwcAcknowledged'] };
const progress = (extra: Partial<SignalProgress>): SignalProgress => ({
  receivedAt: RECEIVED,
  notified: { primary: '2026-11-25T05:41:00.000Z' },
  refused: {},
  acknowledgedAt: '2026-11-25T05:41:01.000Z',
  ...extra,
});

describe('the link mode steps', () => {
  it('when both contacts were told by link and nobody confirmed, then the signal stays (no purge), and is purged once confirmed', () => {
    const both = { ...policy, mode: 'both' as const };
    const told = progress({
      notified: { primary: '2026-11-25T05:41:00.000Z', backup: '2026-11-25T05:41:00.000Z' },
    });
    expect(nextSignalStep(told, flags, both, new Date('2026-11-25T05:42:00.000Z')).step).toBe('wait');
    const confirmed = { ...told, confirmedAt: '2026-11-25T05:50:00.000Z' };
    expect(nextSignalStep(confirmed, flags, both, new Date('2026-11-25T05:51:00.000Z'))).toEqual({
      step: 'purge',
      why: 'confirmed',
    });
  });

  it('when the escalation is complete, reminded and revealed, then the signal still waits for a confirmation until purgeAfter', () => {
    const done = progress({
      notified: { primary: '2026-11-25T05:41:00.000Z', backup: '2026-11-25T06:01:00.000Z' },
      reminderSentAt: '2026-11-25T07:15:00.000Z',
      revealedAt: '2026-11-25T06:05:00.000Z',
    });
    expect(nextSignalStep(done, flags, policy, new Date('2026-11-25T08:00:00.000Z')).step).toBe('wait');
    expect(nextSignalStep(done, flags, policy, new Date('2026-11-25T13:40:00.000Z'))).toEqual({
      step: 'purge',
      why: 'hard-limit',
    });
  });

  it('when nobody revealed the signal on the page by purgeAfter, then it is never purged: it stays held, and a confirmation still purges it', () => {
    const unseen = progress({
      notified: { primary: '2026-11-25T05:41:00.000Z', backup: '2026-11-25T06:01:00.000Z' },
      reminderSentAt: '2026-11-25T07:15:00.000Z',
    });
    for (const late of ['2026-11-25T13:40:00.000Z', '2026-11-27T09:00:00.000Z']) {
      expect(nextSignalStep(unseen, flags, policy, new Date(late))).toEqual({ step: 'held' });
      expect(nextSignalStep(unseen, flags, { ...policy, mode: 'both' }, new Date(late))).toEqual({
        step: 'held',
      });
    }
    const confirmed = { ...unseen, confirmedAt: '2026-11-27T09:00:00.000Z' };
    expect(nextSignalStep(confirmed, flags, policy, new Date('2026-11-27T09:00:01.000Z'))).toEqual({
      step: 'purge',
      why: 'confirmed',
    });
  });

  it('when nobody revealed the signal and purgeAfter passed, then the escalation to the backup and the reminder still go out', () => {
    const late = new Date('2026-11-25T14:00:00.000Z');
    expect(nextSignalStep(progress({}), flags, policy, late)).toEqual({
      step: 'notify',
      role: 'backup',
      escalation: 'no-confirmation',
    });
    const told = progress({
      notified: { primary: '2026-11-25T05:41:00.000Z', backup: '2026-11-25T06:01:00.000Z' },
    });
    expect(nextSignalStep(told, flags, policy, late)).toEqual({ step: 'remind' });
  });

  it('when a link token is past purgeAfter, then it still opens a signal nobody revealed or that is held, and expires only once the hard limit applies', () => {
    const row = {
      signalKey: 'k',
      role: 'primary' as const,
      expiresAt: '2026-11-25T13:40:00.000Z',
      reveals: 0,
    };
    const late = new Date('2026-11-26T08:00:00.000Z');
    expect(judgeToken(row, {}, late).ok).toBe(true);
    expect(judgeToken(row, { revealedAt: RECEIVED, heldAt: RECEIVED }, late).ok).toBe(true);
    expect(judgeToken(row, { revealedAt: RECEIVED }, late)).toEqual({ ok: false, why: 'expired' });
    expect(judgeToken(row, { revealedAt: RECEIVED }, new Date('2026-11-25T13:39:59.000Z')).ok).toBe(true);
    expect(judgeToken(row, { purgedAt: RECEIVED }, late)).toEqual({ ok: false, why: 'gone' });
  });

  it('when a reveal was recorded and a check then writes its older copy of the row, then the reveal time stays', () => {
    const store = SqliteStore.inMemory();
    const row = {
      key: 'b'.repeat(64),
      uidValidity: '1',
      uid: 1,
      needsReview: false,
      children: 1,
      ...progress({}),
    };
    store.putSignal(row);
    store.putSignal({ ...row, revealedAt: '2026-11-25T06:00:00.000Z' });
    store.putSignal({ ...row, reminderSentAt: '2026-11-25T07:15:00.000Z' });
    expect(store.getSignal(row.key)).toMatchObject({
      revealedAt: '2026-11-25T06:00:00.000Z',
      reminderSentAt: '2026-11-25T07:15:00.000Z',
    });
    store.close();
  });

  it('when the primary hands on, then the backup is told at once, before escalateAfter', () => {
    const handed = progress({ handedOnAt: '2026-11-25T05:43:00.000Z' });
    expect(nextSignalStep(handed, flags, policy, new Date('2026-11-25T05:43:01.000Z'))).toEqual({
      step: 'notify',
      role: 'backup',
      escalation: 'handed-on',
    });
  });
});

const identity = {
  school: 'Basisschool De Reuzepas',
  fromAddress: 'hwc@school.nl',
  timezone: 'Europe/Amsterdam',
};

describe('the link mode texts', () => {
  it('when a notification and a reminder are composed, then they hold the school, the time, the reference, the deadline and the link, and say they hold no child data', () => {
    const url = 'https://hwc.school.nl/s/' + 'A'.repeat(43);
    const mail = composeLinkNotification({
      identity,
      contact: { name: 'Zorgcoördinator', email: 'zorg@school.nl' },
      receivedAt: new Date(RECEIVED),
      reference: 'HWC-ABC123',
      url,
      actBy: new Date('2026-11-25T07:15:00.000Z'),
      messageId: '<x@school.nl>',
      needsReview: false,
      pin: true,
    });
    expect(mail.text).toContain('Basisschool De Reuzepas');
    expect(mail.text).toContain('woensdag 25 november 2026 om 06:40');
    expect(mail.text).toContain('vóór woensdag 25 november 2026 om 08:15');
    expect(mail.text).toContain(url);
    expect(mail.text).toContain('pincode');
    expect(mail.text).toContain('bevat bewust geen gegevens van de leerling');
    expect(mail.subject).toBe('Handle with Care-signaal [HWC-ABC123]');
    const reminder = composeLinkReminder({
      identity,
      contact: { name: 'Achterwacht', email: 'b@school.nl' },
      reference: 'HWC-ABC123',
      url,
      at: new Date('2026-11-25T07:15:00.000Z'),
      messageId: '<y@school.nl>',
      pin: false,
    });
    expect(reminder.text).toContain(url);
    expect(reminder.subject).toMatch(/^DRINGEND/);
  });

  it('when the pages are rendered, then the button page has no child data and everything shown is escaped', () => {
    const header = {
      school: 'School <b>',
      reference: 'HWC-ABC123',
      receivedAt: new Date(RECEIVED),
      timezone: 'Europe/Amsterdam',
    };
    const button = buttonPage(header, 'T'.repeat(43), false);
    expect(button).toContain('Toon het signaal');
    expect(button).toContain('School &lt;b&gt;');
    expect(button).not.toMatch(/<script/i);
    const shown = revealPage({
      header,
      token: 'T'.repeat(43),
      children: [{ name: '<img src=x>', birthDate: '2015-04-29' }],
      confirmed: false,
      canHandOn: true,
      revealsLeft: 2,
    });
    expect(shown).toContain(escapeHtml('<img src=x>'));
    expect(shown).toContain('29-4-2015');
    expect(shown).not.toMatch(/<img/);
  });
});

describe('the link tokens', () => {
  it('when a token is issued, then it has 256 bits, only its hash is stored, and it opens its own signal and role only until expiry or purge', () => {
    const store = SqliteStore.inMemory();
    const tokens = store.linkTokens();
    const token = tokens.issue('k'.repeat(64), 'backup', new Date('2026-11-25T13:40:00.000Z'));
    expect(token).toMatch(TOKEN_PATTERN);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    const row = tokens.find(token);
    expect(row).toMatchObject({ signalKey: 'k'.repeat(64), role: 'backup', reveals: 0 });
    expect(tokens.find(token.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')))).toBeUndefined();
    expect(tokenHash(token)).toMatch(/^[0-9a-f]{64}$/);
    const before = new Date('2026-11-25T06:00:00.000Z');
    expect(judgeToken(row, {}, before).ok).toBe(true);
    expect(judgeToken(row, undefined, before)).toEqual({ ok: false, why: 'unknown' });
    expect(judgeToken(row, { purgedAt: '2026-11-25T06:00:00.000Z' }, before)).toEqual({
      ok: false,
      why: 'gone',
    });
    const revealed = { revealedAt: '2026-11-25T06:00:00.000Z' };
    expect(judgeToken(row, revealed, new Date('2026-11-25T13:40:00.000Z'))).toEqual({
      ok: false,
      why: 'expired',
    });
    expect([1, 2, 3].map(() => tokens.countReveal(token, 2))).toEqual([true, true, false]);
    store.close();
  });
});

describe('hwc pin-hash', () => {
  it('when a PIN comes on standard input, then it prints a hash that verifies, and a PIN that is no PIN is refused', async () => {
    const { Readable } = await import('node:stream');
    const { main } = await import('../../src/cli.js');
    const run = async (input: string) => {
      let stdout = '';
      let stderr = '';
      const code = await main(['pin-hash'], {
        env: {},
        cwd: '/',
        stdin: Readable.from([input]),
        stdout: { write: (c: string) => (stdout += c) },
        stderr: { write: (c: string) => (stderr += c) },
        signals: { once: () => undefined },
      });
      return { code, stdout, stderr };
    };
    const ok = await run('2468\n');
    expect(ok.code).toBe(0);
    expect(await verifyPin('2468', ok.stdout.trim())).toBe(true);
    const bad = await run('abc\n');
    expect(bad.code).toBe(64);
    expect(bad.stdout).toBe('');
  });
});
