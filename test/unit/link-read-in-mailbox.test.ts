import { describe, expect, it } from 'vitest';
import {
  composeLinkNotification,
  composeLinkReminder,
  READ_IN_MAILBOX_NL,
} from '../../src/core/compose-link.js';
import { revealPage } from '../../src/core/link-page.js';

const identity = {
  school: 'Basisschool De Reuzepas',
  fromAddress: 'hwc@school.nl',
  timezone: 'Europe/Amsterdam',
};
const url = 'https://hwc.school.nl/s/' + 'A'.repeat(43);
const header = {
  school: 'Basisschool De Reuzepas',
  reference: 'HWC-ABC123',
  receivedAt: new Date('2026-11-25T05:40:00.000Z'),
  timezone: 'Europe/Amsterdam',
};

function notification(readInMailbox: boolean | undefined) {
  return composeLinkNotification({
    identity,
    contact: { name: 'Zorgcoördinator', email: 'zorg@school.nl' },
    receivedAt: new Date('2026-11-25T05:40:00.000Z'),
    reference: 'HWC-ABC123',
    url,
    actBy: new Date('2026-11-25T07:15:00.000Z'),
    messageId: '<x@school.nl>',
    needsReview: false,
    pin: false,
    ...(readInMailbox === undefined ? {} : { readInMailbox }),
  });
}

const READ_FIRST =
  'Lees het signaal daarom zelf in de HwC-mailbox (via de webmail of de gedeelde mailbox) voordat';

describe('a signal the page cannot show whole (link mode)', () => {
  it('when the signal needs its original, then the notification and the reminder tell the contact to read it in the HwC mailbox before confirming', () => {
    const mail = notification(true);
    expect(mail.text).toContain(READ_FIRST);
    expect(mail.text).toContain('niet volledig worden getoond');
    // One paragraph, no hard line break in the middle of a sentence.
    expect(mail.text).toContain('voordat u op de pagina bevestigt');
    // The warning comes before the link, so that it is read first.
    expect(mail.text.indexOf(READ_FIRST)).toBeLessThan(mail.text.indexOf(url));
    const reminder = composeLinkReminder({
      identity,
      contact: { name: 'Achterwacht', email: 'b@school.nl' },
      reference: 'HWC-ABC123',
      url,
      at: new Date('2026-11-25T07:15:00.000Z'),
      messageId: '<y@school.nl>',
      pin: false,
      readInMailbox: true,
    });
    expect(reminder.text).toContain(READ_FIRST);
  });

  it('when the signal can be shown whole, then neither the notification nor the page asks to read it in the mailbox', () => {
    for (const mail of [notification(false), notification(undefined)]) {
      expect(mail.text).not.toContain('HwC-mailbox (via de webmail');
    }
    const shown = revealPage({
      header,
      token: 'T'.repeat(43),
      children: [{ name: 'Een Kind', birthDate: '2015-04-29' }],
      confirmed: false,
      canHandOn: true,
      revealsLeft: 2,
    });
    expect(shown).not.toContain('webmail');
  });

  it('when the revealed page cannot show the signal whole, then it says so plainly as an alert, above the child and the confirm button', () => {
    const shown = revealPage({
      header,
      token: 'T'.repeat(43),
      children: [{ name: 'Een Kind', birthDate: '2015-04-29' }],
      confirmed: false,
      canHandOn: true,
      revealsLeft: 2,
      readInMailbox: true,
    });
    const alert = shown.indexOf('role="alert"');
    expect(alert).toBeGreaterThan(-1);
    expect(shown).toContain(READ_IN_MAILBOX_NL.join(' '));
    expect(alert).toBeLessThan(shown.indexOf('Een Kind'));
    expect(alert).toBeLessThan(shown.indexOf('Gezien, ik zorg voor de leerling'));
  });
});
