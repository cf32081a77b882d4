import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/check/run-check.js';
import { formatWhen } from '../../src/core/dutch-time.js';
import { FixedClock } from '../support/fakes.js';
import { deliver, listMessages, waitForMessages } from '../support/mailstack.js';
import { createSchool, inProcessCheck, signalMail, textOf } from '../support/school.js';

const HOURS = 60 * 60_000;

describe('when a signal arrived, on the real Dovecot', () => {
  it('when the headers-first listing reads a message, then it carries its INTERNALDATE for the batched fetch that follows', async () => {
    const s = await createSchool();
    const before = Date.now();
    await deliver(signalMail(s.vt.address, s.hwc.address, { id: 'arrival-1@veiligthuis.test' }), {
      from: s.vt.address,
      to: [s.hwc.address],
    });
    await waitForMessages(s.hwc, 'INBOX', 1, 10_000);
    const check = inProcessCheck(s, new FixedClock(new Date()));
    const mailbox = await check.deps.opener.open({ readOnly: true });
    try {
      const listing = await mailbox.listHeaders('INBOX');
      const [entry] = listing.entries;
      expect(entry?.internalDate).toBeDefined();
      const listed = Date.parse(entry?.internalDate ?? '');
      // INTERNALDATE has whole seconds (RFC 3501 9, date-time).
      expect(listed).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 2000);
      expect(listed).toBeLessThanOrEqual(Date.now() + 2000);
      const fetched = await mailbox.fetchSources?.([entry?.uid ?? 0], 'INBOX');
      expect(fetched?.get(entry?.uid ?? 0)?.toString('utf8')).toContain('Handle with Care');
    } finally {
      await mailbox.close();
      check.close();
    }
  });

  it('when a check finds a signal hours after it arrived, then the notification and the receipt say both times', async () => {
    const s = await createSchool();
    await deliver(signalMail(s.vt.address, s.hwc.address, { id: 'arrival-2@veiligthuis.test' }), {
      from: s.vt.address,
      to: [s.hwc.address],
    });
    await waitForMessages(s.hwc, 'INBOX', 1, 10_000);
    const [delivered] = await listMessages(s.hwc, 'INBOX');
    expect(delivered).toBeDefined();
    // The check runs eleven hours later, as the morning check after an evening delivery does.
    const foundAt = new Date(Date.now() + 11 * HOURS);
    const check = inProcessCheck(s, new FixedClock(foundAt));
    try {
      const mailbox = await check.deps.opener.open({ readOnly: true });
      const [entry] = (await mailbox.listHeaders('INBOX')).entries;
      await mailbox.close();
      await runCheck(check.deps, { dryRun: false });
      await waitForMessages(s.zorg, 'INBOX', 1, 10_000);
      const text = await textOf((await listMessages(s.zorg, 'INBOX'))[0]);
      const arrived = new Date(entry?.internalDate ?? '');
      expect(text).toContain(
        `Ontvangen: ${formatWhen(arrived, foundAt, 'Europe/Amsterdam')}, gevonden bij de controle van`,
      );
      const [row] = check.store.allSignals();
      expect(row?.arrivedAt).toBe(arrived.toISOString());
      await waitForMessages(s.vt, 'INBOX', 1, 10_000);
      const receipt = await textOf((await listMessages(s.vt, 'INBOX'))[0]);
      expect(receipt).toContain('bij de controle van de mailbox op');
    } finally {
      check.close();
    }
  });
});
