import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canaryForms, scanForCanaries } from '../support/canary.js';
import { startHwc } from '../support/daemon.js';
import { runHwc, type HwcRun } from '../support/hwc.js';
import {
  deliver,
  listFolders,
  listMessages,
  submit,
  waitForMessages,
  type MailUser,
  type StoredMessage,
} from '../support/mailstack.js';
import { createSchool, headerOf, textOf, type School } from '../support/school.js';
import { newsletter, replyTo, signalWithChildren, type CanaryChild } from '../support/week.js';

// Canary children: names and birth dates that occur nowhere else, so any hit is a leak.
const YSOLDE: CanaryChild = {
  name: 'Ysolde Brinkhorst-Vlaskamp',
  isoDate: '2016-04-29',
  written: '29-4-2016',
};
const TEUNIS: CanaryChild = {
  name: 'Teunis van der Quakkelaar',
  isoDate: '2015-11-03',
  written: '03-11-2015',
};
const WOBBELTJE: CanaryChild = {
  name: 'Wobbeltje van der Quakkelaar',
  isoDate: '2018-02-17',
  written: '17-02-2018',
};
const FENNEKE: CanaryChild = { name: 'Fenneke Oosterzwaluw', isoDate: '2017-08-09', written: '9-8-2017' };
const RUARDUS: CanaryChild = { name: 'Ruardus Klingelhoeffer', isoDate: '2016-06-21', written: '21-06-2016' };
const MARIJTJE: CanaryChild = {
  name: 'Marijtje Klingelhoeffer',
  isoDate: '2019-12-05',
  written: '5-12-2019',
};
const CANARIES = [YSOLDE, TEUNIS, WOBBELTJE, FENNEKE, RUARDUS, MARIJTJE];

interface AuditLog {
  chain: { intact: boolean; head: string };
  rows: { type: string; data: Record<string, unknown> }[];
}

/** Every stdout and stderr of every process of the week, and every report: all are scanned. */
class Week {
  readonly outputs: Record<string, string> = {};
  private count = 0;

  constructor(readonly s: School) {}

  record(label: string, run: HwcRun): HwcRun {
    this.count += 1;
    this.outputs[`${this.count}-${label}-stdout`] = run.stdout;
    this.outputs[`${this.count}-${label}-stderr`] = run.stderr;
    return run;
  }

  async hwc(label: string, args: string[], input?: string): Promise<HwcRun> {
    return this.record(
      label,
      await runHwc([...args, '--config', this.s.install.configFile], {
        env: this.s.install.env,
        ...(input === undefined ? {} : { input }),
      }),
    );
  }

  async check(label: string): Promise<HwcRun> {
    const run = await this.hwc(`check-${label}`, ['check']);
    expect(run.code, `${label}: ${run.stdout}${run.stderr}`).toBe(0);
    return run;
  }

  async signal(id: string, children: CanaryChild[], mdn: boolean): Promise<void> {
    const raw = signalWithChildren(this.s.vt.address, this.s.hwc.address, { id, children, mdn });
    await deliver(raw, { from: this.s.vt.address, to: [this.s.hwc.address] });
  }

  async newsletter(id: string): Promise<void> {
    await deliver(newsletter(this.s.hwc.address, id), {
      from: 'nieuws@example.test',
      to: [this.s.hwc.address],
    });
  }

  /** The contact replies to the notification about `child` that it found in its own INBOX. */
  async confirm(contact: MailUser, child: CanaryChild, options: { base64?: boolean } = {}): Promise<void> {
    const notification = await this.notificationAbout(contact, child);
    const raw = replyTo(notification, await textOf(notification), {
      from: contact.address,
      to: this.s.hwc.address,
      ...options,
    });
    await submit(contact, raw, { from: contact.address, to: [this.s.hwc.address] });
  }

  async notificationAbout(contact: MailUser, child: CanaryChild): Promise<StoredMessage> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      for (const message of await listMessages(contact, 'INBOX')) {
        if (!(headerOf(message.source, 'Subject') ?? '').includes('Handle with Care-signaal')) continue;
        if ((await textOf(message)).includes(child.name)) return message;
      }
      if (Date.now() > deadline)
        throw new Error(`${contact.address} has no notification about a canary child`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async inboxHolds(count: number): Promise<void> {
    await waitForMessages(this.s.hwc, 'INBOX', count, 15_000);
  }
}

describe('a whole school week on the real Dovecot and Postfix', () => {
  it('when a week of signals, siblings, read receipts, newsletters, confirmations and restarts has passed, then every signal was handled and not one byte of a child is left anywhere', async () => {
    // notify: both tells both contacts at once, so that either of them can confirm by replying.
    const s = await createSchool({ notify: 'both' });
    const week = new Week(s);

    // Monday: the server starts after the weekend, with a signal and a newsletter waiting. The
    // daemon finds that the scheduled checks were missed and catches up at once.
    await week.signal('week-a@veiligthuis.test', [YSOLDE], true);
    await week.newsletter('week-news-1@example.test');
    await week.inboxHolds(2);
    const daemon = startHwc(['run', '--config', s.install.configFile], { env: s.install.env });
    await daemon.waitForOutput(/"step":"audit"/, 60_000);
    const stopped = week.record('run', await daemon.stop('SIGTERM'));
    expect(stopped.code, stopped.stdout + stopped.stderr).toBe(0);
    expect(stopped.signal).toBeNull();
    expect(stopped.stdout).toContain('"event":"catch-up"');
    expect(stopped.stdout).toContain('"event":"stopped"');

    // Monday, later: the zorgcoördinator confirms by replying; the reply quotes the child.
    await week.confirm(s.zorg, YSOLDE);
    await week.inboxHolds(2);
    await week.check('monday');

    // Tuesday: two signals, one for siblings; each confirmed by a different contact.
    await week.signal('week-b@veiligthuis.test', [TEUNIS, WOBBELTJE], false);
    await week.signal('week-c@veiligthuis.test', [FENNEKE], true);
    await week.inboxHolds(3);
    await week.check('tuesday-morning');
    await week.confirm(s.backup, TEUNIS, { base64: true });
    await week.confirm(s.zorg, FENNEKE);
    await week.inboxHolds(3);
    await week.check('tuesday-confirmations');

    // Wednesday: a second newsletter, and a check that finds nothing new.
    await week.newsletter('week-news-2@example.test');
    await week.inboxHolds(2);
    await week.check('wednesday');
    await week.check('wednesday-quiet');

    // Thursday: siblings again, with a read-receipt request, confirmed by the achterwacht.
    await week.signal('week-d@veiligthuis.test', [RUARDUS, MARIJTJE], true);
    await week.inboxHolds(3);
    await week.check('thursday');
    await week.confirm(s.backup, MARIJTJE);
    await week.inboxHolds(3);
    await week.check('thursday-confirmation');

    // Friday: a quiet last check.
    const friday = await week.check('friday');
    const fridayHead = /"head":"([0-9a-f]{64})"/.exec(friday.stdout)?.[1];
    expect(fridayHead).toBeDefined();

    // Both contacts were told about every child, siblings together.
    for (const contact of [s.zorg, s.backup]) {
      const siblings = await textOf(await week.notificationAbout(contact, TEUNIS));
      expect(siblings).toContain(WOBBELTJE.name);
      await week.notificationAbout(contact, RUARDUS);
    }
    // Veilig Thuis got an acknowledgement for each signal and a read receipt where it asked.
    await waitForMessages(s.vt, 'INBOX', 7, 15_000);

    // The log: four signals purged and verified, four confirmations, an intact chain.
    const json = await week.hwc('audit-json', ['audit', '--format', 'json']);
    expect(json.code).toBe(0);
    const log = JSON.parse(json.stdout) as AuditLog;
    expect(log.chain.intact).toBe(true);
    expect(log.chain.head).toBe(fridayHead);
    const handled = log.rows.filter((row) => row.type === 'signal' && row.data.event === undefined);
    const confirmed = log.rows.filter((row) => row.type === 'signal' && row.data.event === 'confirmed');
    expect(handled).toHaveLength(4);
    expect(handled.every((row) => row.data.purgeVerified === true)).toBe(true);
    expect(handled.map((row) => row.data.children)).toEqual([1, 2, 1, 2]);
    expect(confirmed.map((row) => row.data.confirmedBy)).toEqual(['primary', 'backup', 'primary', 'backup']);
    expect(log.rows.filter((row) => row.type === 'check')).toHaveLength(9);

    const text = await week.hwc('audit-text', ['audit', '--format', 'text']);
    expect(text.stdout).toContain('chain: intact');
    const reportFile = join(s.install.dir, 'rapport.html');
    const html = await week.hwc('audit-html', ['audit', '--format', 'html', '--out', reportFile]);
    expect(html.code).toBe(0);
    const report = readFileSync(reportFile, 'utf8');
    expect(report).toContain('Het logboek is intact.');
    const verify = await week.hwc('verify', ['audit', 'verify', '--expect-head', fridayHead ?? '']);
    expect(verify.code, verify.stdout).toBe(0);

    // hwc privacy-check, with every canary: nothing found, and nothing of them printed.
    const privacy = await week.hwc(
      'privacy-check',
      ['privacy-check'],
      CANARIES.flatMap((child) => [child.name, child.isoDate]).join('\n'),
    );
    expect(privacy.code, privacy.stdout + privacy.stderr).toBe(0);
    expect(privacy.stdout).toMatch(/6 names, 6 dates, \d+ forms/);
    expect(privacy.stdout).toContain('result: nothing found');

    // Every folder of the HwC account: no signal, no reply, no copy; only the two newsletters,
    // set aside for a person.
    const forms = canaryForms(
      CANARIES.map((child) => child.name),
      CANARIES.map((child) => child.isoDate),
    );
    const mailbox: Record<string, string> = {};
    for (const folder of await listFolders(s.hwc)) {
      const messages = await listMessages(s.hwc, folder.path);
      if (folder.path === 'INBOX') {
        expect(messages.map((m) => headerOf(m.source, 'Message-ID')).sort()).toEqual([
          '<week-news-1@example.test>',
          '<week-news-2@example.test>',
        ]);
        expect(messages.every((m) => m.flags.includes('$HwcSetAside'))).toBe(true);
      } else {
        expect(messages, folder.path).toHaveLength(0);
      }
      messages.forEach((m, i) => (mailbox[`${folder.path}-${i}`] = m.source.toString('latin1')));
    }
    expect(scanForCanaries(forms, [], mailbox).hits).toEqual([]);
    // The scan does find a child where one is: in the notification the contact received.
    const notification = await week.notificationAbout(s.zorg, FENNEKE);
    expect(
      scanForCanaries(forms, [], { notification: notification.source.toString('latin1') }).hits,
    ).not.toEqual([]);

    // Every file under the storage dir and the private TMPDIR, every output, every report.
    const { hits, filesScanned } = scanForCanaries(forms, [s.install.storage, s.install.tmp], {
      ...week.outputs,
      'report.html': report,
    });
    expect(filesScanned).toBeGreaterThan(0);
    expect(Object.keys(week.outputs).length).toBeGreaterThan(20);
    expect(hits).toEqual([]);
  }, 300_000);
});
