import { describe, expect, it } from 'vitest';
import {
  composeAcknowledgement,
  composeAlert,
  composeMdn,
  composeNotification,
  formatBirthDate,
} from '../../src/core/compose.js';

const identity = {
  school: 'Basisschool De Proef',
  fromAddress: 'hwc@school.test',
  timezone: 'Europe/Amsterdam',
};
const at = new Date('2026-11-25T06:02:00Z');

describe('Dutch texts', () => {
  it('when a signal is notified, then the text names each child, the codeword, the time and the reference', () => {
    const mail = composeNotification({
      identity,
      contact: { name: 'Zorgcoördinator', email: 'zorg@school.test' },
      role: 'primary',
      children: [
        { name: 'Anouk van der Berg', birthDate: '2015-02-03' },
        { name: 'Sem van der Berg', birthDate: '2017-12-31' },
      ],
      receivedAt: at,
      reference: 'HWC-ABCDEF',
      confirmationCode: 'K7P2Q-9XMRT',
      messageId: 'hwc.notify-primary.x@school.test',
      needsReview: false,
      reviewReasons: [],
    });
    expect(mail.text).toContain('Leerling: Anouk van der Berg');
    expect(mail.text).toContain('Geboortedatum: 3 februari 2015');
    expect(mail.text).toContain('Geboortedatum: 31 december 2017');
    expect(mail.text).toContain('Codewoord: Handle with Care');
    expect(mail.text).toContain('Ontvangen: vandaag om 07:02.');
    expect(mail.text).toContain('antwoorden');
    expect(mail.subject).toBe('Handle with Care-signaal [HWC-ABCDEF]');
    expect(mail.subject).not.toContain('Anouk');
    expect(mail.text).toContain('Bevestigingscode: K7P2Q-9XMRT');
    expect(mail.subject).not.toContain('K7P2Q');
  });

  it('when a signal needs review, then the notification says what to check and quotes the original', () => {
    const mail = composeNotification({
      identity,
      contact: { name: 'Zorg', email: 'zorg@school.test' },
      role: 'primary',
      children: [{ name: 'Anouk', birthDate: '' }],
      receivedAt: at,
      reference: 'HWC-ABCDEF',
      confirmationCode: 'K7P2Q-9XMRT',
      messageId: 'x@school.test',
      needsReview: true,
      reviewReasons: ['birth date does not exist'],
      originalText: 'Anouk, 31-02-2015, HwC',
    });
    expect(mail.subject.startsWith('Controleer:')).toBe(true);
    expect(mail.text).toContain('- een geboortedatum bestaat niet');
    expect(mail.text).toContain('Anouk, 31-02-2015, HwC');
    expect(mail.text).toContain('niet herkend');
  });

  it('when Veilig Thuis is acknowledged, then the receipt threads, is marked auto-replied and names no one', () => {
    const mail = composeAcknowledgement({
      identity,
      to: 'vt@veiligthuis.test',
      originalMessageId: 'sig@vt.test',
      originalReferences: ['earlier@vt.test'],
      receivedAt: at,
      messageId: 'hwc.ack.x@school.test',
    });
    expect(mail.inReplyTo).toBe('sig@vt.test');
    expect(mail.references).toEqual(['earlier@vt.test', 'sig@vt.test']);
    expect(mail.headers?.['Auto-Submitted']).toBe('auto-replied');
    expect(mail.text).toContain('ontvangen');
  });

  it('when an MDN is composed, then it is a processed, automatic disposition (RFC 8098)', () => {
    const mail = composeMdn({
      identity,
      to: 'vt@veiligthuis.test',
      originalMessageId: 'sig@vt.test',
      messageId: 'hwc.mdn.x@school.test',
      reportingUa: 'hwc-watcher; hwc-watcher 1.0.0',
    });
    expect(mail.disposition).toEqual({
      originalMessageId: 'sig@vt.test',
      finalRecipient: 'hwc@school.test',
      reportingUa: 'hwc-watcher; hwc-watcher 1.0.0',
      disposition: 'automatic-action/MDN-sent-automatically; processed',
    });
  });

  it('when messages are set aside, then the alert counts them by reason in Dutch', () => {
    const mail = composeAlert({
      identity,
      contact: { name: 'Zorg', email: 'zorg@school.test' },
      counts: { 'untrusted-sender': 2, 'too-big': 1 },
      at,
      messageId: 'hwc.alert.x@school.test',
    });
    expect(mail.text).toContain('staan 3 berichten die hwc-watcher niet zelf afhandelt');
    expect(mail.text).toContain('- 2 berichten: ogenschijnlijk een signaal');
    expect(mail.text).toContain('- 1 bericht: te groot');
    expect(mail.subject).toBe('HwC-mailbox: 3 berichten moeten door iemand bekeken worden');
  });

  it('when a birth date is not a valid ISO date, then it says so instead of guessing', () => {
    expect(formatBirthDate('2006-02-03')).toBe('3-2-2006');
    expect(formatBirthDate('')).toContain('niet herkend');
  });
});
