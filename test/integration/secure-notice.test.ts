import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { deliver, listMessages, waitForMessages } from '../support/mailstack.js';
import { canaryForms, scanForCanaries } from '../support/canary.js';
import { runHwc } from '../support/hwc.js';
import { CANARY, createSchool, headerOf, textOf } from '../support/school.js';

describe('a secure-mail notice on the real Dovecot and Postfix', () => {
  it('when a trusted sender sends a secure-mail notice, then the primary gets one urgent content-free alert, no receipt or MDN goes out, and the notice stays', async () => {
    const s = await createSchool({ notify: 'both' });
    // A notice may show the subject in clear, and the subject may name the child.
    const notice = [
      `From: Veilig Thuis Regio Proef <${s.vt.address}>`,
      `To: ${s.hwc.address}`,
      `Subject: Beveiligd bericht: Handle with Care ${CANARY.name} ${CANARY.dutchDate}`,
      'Message-ID: <zivver-it-1@veiligthuis.test>',
      'Date: Wed, 25 Nov 2026 05:30:00 +0000',
      `Disposition-Notification-To: ${s.vt.address}`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      'Veilig Thuis Regio Proef heeft u een beveiligd bericht gestuurd via Zivver.',
      '',
      'Klik voor bericht: https://app.zivver.test/m/canary-link-8f3e',
      'U heeft een sms-code of toegangscode nodig om het bericht te openen.',
      '',
    ].join('\r\n');
    await deliver(notice, { from: s.vt.address, to: [s.hwc.address] });
    await waitForMessages(s.hwc, 'INBOX', 1, 10_000);

    const outputs: string[] = [];
    for (let i = 0; i < 2; i += 1) {
      const run = await runHwc(['check', '--config', s.install.configFile], { env: s.install.env });
      expect(run.code, run.stdout + run.stderr).toBe(0);
      outputs.push(run.stdout, run.stderr);
    }

    await waitForMessages(s.zorg, 'INBOX', 1, 10_000);
    // Give a second alert, were there one, the time to arrive.
    await sleep(1500);
    const alerts = await listMessages(s.zorg, 'INBOX');
    expect(alerts).toHaveLength(1);
    const alert = alerts[0]!;
    expect(headerOf(alert.source, 'Subject')).toBe('Dringend: beveiligd bericht in de HwC-mailbox openen');
    expect(headerOf(alert.source, 'X-Priority')).toBe('1');
    expect(headerOf(alert.source, 'Importance')).toBe('high');
    const text = await textOf(alert);
    expect(text).toContain('vóór het begin van de lessen');
    for (const leak of [CANARY.name, CANARY.dutchDate, 'canary-link-8f3e', 'Zivver', s.vt.address]) {
      expect(alert.source.toString('utf8')).not.toContain(leak);
    }

    expect(await listMessages(s.backup, 'INBOX')).toHaveLength(0);
    // No receipt, no MDN: nobody has read it.
    expect(await listMessages(s.vt, 'INBOX')).toHaveLength(0);
    const inbox = await listMessages(s.hwc, 'INBOX');
    expect(inbox).toHaveLength(1);
    expect(inbox[0]?.flags).toEqual(expect.arrayContaining(['$HwcSecureNotice', '$HwcSetAside']));
    expect(inbox[0]?.flags).not.toContain('$MDNSent');

    const audit = await runHwc(['audit', '--config', s.install.configFile, '--format', 'json'], {
      env: s.install.env,
    });
    outputs.push(audit.stdout, audit.stderr);
    const forms = canaryForms([CANARY.name], [CANARY.isoDate]);
    const { hits, filesScanned } = scanForCanaries(
      [...forms, 'canary-link-8f3e'],
      [s.install.storage, s.install.tmp],
      Object.fromEntries(outputs.map((o, i) => [`output-${i}`, o])),
    );
    expect(filesScanned).toBeGreaterThan(0);
    expect(hits).toEqual([]);
  });
});
