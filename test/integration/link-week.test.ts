import { join } from 'node:path';
import Database from 'better-sqlite3';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { canaryForms, scanForCanaries } from '../support/canary.js';
import { startHwc, type RunningHwc } from '../support/daemon.js';
import { runHwc, type HwcRun } from '../support/hwc.js';
import { freePort, LINK_PATTERN } from '../support/link-mode.js';
import {
  deliver,
  listFolders,
  listMessages,
  submit,
  waitForMessages,
  type MailUser,
  type StoredMessage,
} from '../support/mailstack.js';
import { createSchool, headerOf, signalWithChildren, textOf, type School } from '../support/school.js';
import { replyTo, type CanaryChild } from '../support/week.js';
import { shapedSignal } from '../support/completeness-mail.js';
import { DATABASE_FILE } from '../../src/adapters/sqlite-store.js';

// Canary children of this week: names and birth dates that occur nowhere else.
const AMALIA: CanaryChild = { name: 'Amalia Zwanenbroek', isoDate: '2016-03-14', written: '14-3-2016' };
const BOUDEWIJN: CanaryChild = { name: 'Boudewijn Kraaiveldt', isoDate: '2015-10-02', written: '02-10-2015' };
const CATOOTJE: CanaryChild = { name: 'Catootje Wielewaalhof', isoDate: '2017-06-23', written: '23-6-2017' };
const DIEDERIK: CanaryChild = { name: 'Diederik Reigersbosch', isoDate: '2018-01-30', written: '30-01-2018' };
const EVERTJE: CanaryChild = { name: 'Evertje Kwartelmeijer', isoDate: '2016-12-07', written: '7-12-2016' };
const CHILDREN = [AMALIA, BOUDEWIJN, CATOOTJE, DIEDERIK, EVERTJE];
const FORMS = canaryForms(
  CHILDREN.map((c) => c.name),
  CHILDREN.map((c) => c.isoDate),
);
const EVERY_DAY = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const READ_FIRST = 'Lees het signaal daarom zelf in de HwC-mailbox';

/** A school in link mode; escalateAfter is short so that the escalation happens during the test. */
async function linkSchool(): Promise<School> {
  const port = await freePort();
  return createSchool({
    deliver: 'link',
    web: { listen: `127.0.0.1:${port}`, baseUrl: `http://127.0.0.1:${port}`, maxReveals: 3 },
    notify: 'escalate',
    escalateAfter: '2s',
    schedule: { checks: ['23:59'], days: EVERY_DAY, deadline: '23:59' },
  });
}

/** Every process of the week, with its output: all of it is scanned at the end. */
class LinkWeek {
  readonly outputs: Record<string, string> = {};
  private readonly seen = new Set<string>();
  private count = 0;
  daemon: RunningHwc | undefined;

  constructor(readonly s: School) {}

  async hwc(label: string, args: string[]): Promise<HwcRun> {
    const run = await runHwc([...args, '--config', this.s.install.configFile], { env: this.s.install.env });
    this.count += 1;
    this.outputs[`${this.count}-${label}-stdout`] = run.stdout;
    this.outputs[`${this.count}-${label}-stderr`] = run.stderr;
    return run;
  }

  /** A manual `hwc check` in a process of its own, beside the running `hwc run`. */
  async check(label: string): Promise<void> {
    const run = await this.hwc(`check-${label}`, ['check']);
    expect(run.code, `${label}: ${run.stdout}${run.stderr}`).toBe(0);
  }

  async run(): Promise<void> {
    this.daemon = startHwc(['run', '--config', this.s.install.configFile], { env: this.s.install.env });
    await this.daemon.waitForOutput(/link page listening/);
  }

  async stop(): Promise<void> {
    const stopped = await this.daemon?.stop();
    if (stopped) {
      this.outputs['run-stdout'] = stopped.stdout;
      this.outputs['run-stderr'] = stopped.stderr;
      expect(stopped.code, stopped.stderr).toBe(0);
    }
  }

  async signal(id: string, child: CanaryChild): Promise<void> {
    await deliver(signalWithChildren(this.s.vt.address, this.s.hwc.address, { id, children: [child] }), {
      from: this.s.vt.address,
      to: [this.s.hwc.address],
    });
  }

  /** The next link that arrives in `contact`'s INBOX; its mail must hold nothing of any child. */
  async newLink(
    contact: MailUser,
    reference?: string,
  ): Promise<{ link: string; mail: StoredMessage; text: string; reference: string }> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      for (const mail of await listMessages(contact, 'INBOX')) {
        const text = await textOf(mail);
        const link = LINK_PATTERN.exec(text)?.[0];
        const subject = headerOf(mail.source, 'Subject') ?? '';
        const ref = /\[(HWC-[^\]]+)\]/.exec(subject)?.[1] ?? '';
        if (!link || this.seen.has(link) || (reference && ref !== reference)) continue;
        this.seen.add(link);
        expect(scanForCanaries(FORMS, [], { raw: mail.source.toString('latin1'), text }).hits).toEqual([]);
        return { link, mail, text, reference: ref };
      }
      if (Date.now() > deadline) throw new Error(`${contact.address} got no new link`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** A form post as the page's plain HTML forms send it (the page has no script). */
async function press(link: string, action: string): Promise<{ status: number; html: string }> {
  const response = await fetch(link, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ t: link.slice(link.lastIndexOf('/') + 1), action }).toString(),
  });
  return { status: response.status, html: await response.text() };
}

interface Row {
  reference: string;
  confirmed_at: string | null;
  purged_at: string | null;
}

function rows(s: School): Row[] {
  const db = new Database(join(s.install.storage, DATABASE_FILE), { readonly: true });
  try {
    return db.prepare('SELECT key AS reference, confirmed_at, purged_at FROM signals').all() as Row[];
  } finally {
    db.close();
  }
}

async function until(what: string, ok: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const purgedCount = (s: School): number => rows(s).filter((r) => r.purged_at).length;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every message in every folder of these mailboxes, raw and decoded, against every child. */
async function childrenInMailboxes(users: MailUser[]): Promise<string[]> {
  const hits: string[] = [];
  for (const user of users) {
    for (const folder of await listFolders(user)) {
      for (const message of await listMessages(user, folder.path)) {
        const parsed = await simpleParser(message.source);
        const found = scanForCanaries(FORMS, [], {
          raw: message.source.toString('latin1'),
          text: parsed.text ?? '',
          html: typeof parsed.html === 'string' ? parsed.html : '',
        });
        if (found.hits.length > 0) hits.push(`${user.address} ${folder.path}`);
      }
    }
  }
  return hits;
}

describe('hwc check in link mode', () => {
  it('when no hwc run serves the page, then a one-shot check refuses with exit 78 and says why, sends nothing and touches no signal', async () => {
    const s = await linkSchool();
    await deliver(
      signalWithChildren(s.vt.address, s.hwc.address, {
        id: 'lw-refuse@veiligthuis.test',
        children: [AMALIA],
      }),
      {
        from: s.vt.address,
        to: [s.hwc.address],
      },
    );
    await waitForMessages(s.hwc, 'INBOX', 1, 15_000);
    const run = await runHwc(['check', '--config', s.install.configFile], { env: s.install.env });
    expect(run.code).toBe(78);
    expect(run.stderr).toContain('deliver: link needs hwc run');
    expect(run.stderr).not.toContain(AMALIA.name);
    expect(await listMessages(s.zorg, 'INBOX')).toHaveLength(0);
    expect(await listMessages(s.hwc, 'INBOX')).toHaveLength(1);
  }, 60_000);
});

describe('a school week in link mode (real Dovecot and Postfix)', () => {
  it('when a week of signals is confirmed on the page, replied to, handed on, left to escalate and one must be read in the mailbox, then every signal was handled and no child is left in any mailbox, file or log', async () => {
    const s = await linkSchool();
    const week = new LinkWeek(s);
    await week.run();
    try {
      // Monday: the zorgcoördinator opens the link, reveals and confirms on the page.
      await week.signal('lw-a@veiligthuis.test', AMALIA);
      await waitForMessages(s.hwc, 'INBOX', 1, 15_000);
      await week.check('monday');
      const a = await week.newLink(s.zorg);
      const scanned = await fetch(a.link);
      expect(await scanned.text()).not.toContain(AMALIA.name);
      const shown = await press(a.link, 'reveal');
      expect(shown.status).toBe(200);
      expect(shown.html).toContain(AMALIA.name);
      expect(shown.html).not.toContain(READ_FIRST);
      expect((await press(a.link, 'confirm')).status).toBe(200);
      await until('monday purge', () => purgedCount(s) === 1);

      // Tuesday: the zorgcoördinator replies to the mail instead. In link mode a reply does not
      // count: it is set aside for a person, and the escalation goes on to the achterwacht.
      await week.signal('lw-b@veiligthuis.test', BOUDEWIJN);
      await waitForMessages(s.hwc, 'INBOX', 1, 15_000);
      await week.check('tuesday');
      const b = await week.newLink(s.zorg);
      await submit(s.zorg, replyTo(b.mail, b.text, { from: s.zorg.address, to: s.hwc.address }), {
        from: s.zorg.address,
        to: [s.hwc.address],
      });
      await waitForMessages(s.hwc, 'INBOX', 2, 15_000);
      await sleep(2_500);
      await week.check('tuesday-reply');
      expect(rows(s).filter((r) => r.confirmed_at)).toHaveLength(1);
      const inbox = await listMessages(s.hwc, 'INBOX');
      const reply = inbox.find((m) => (headerOf(m.source, 'Subject') ?? '').startsWith('Re:'));
      expect(reply?.flags).toContain('$HwcSetAside');
      const escalated = await week.newLink(s.backup, b.reference);
      expect(escalated.text).toContain('als achterwacht');
      expect((await press(escalated.link, 'reveal')).html).toContain(BOUDEWIJN.name);
      expect((await press(escalated.link, 'confirm')).status).toBe(200);
      await until('tuesday purge', () => purgedCount(s) === 2);

      // Wednesday: the zorgcoördinator cannot act today and hands the signal on.
      await week.signal('lw-c@veiligthuis.test', CATOOTJE);
      await until('wednesday signal', async () => (await listMessages(s.hwc, 'INBOX')).length === 2);
      await week.check('wednesday');
      const c = await week.newLink(s.zorg);
      expect((await press(c.link, 'reveal')).html).toContain(CATOOTJE.name);
      expect((await press(c.link, 'hand-on')).status).toBe(200);
      const handedOn = await week.newLink(s.backup, c.reference);
      // A confirm counts only from a link that revealed the signal: the achterwacht looks first.
      expect((await press(handedOn.link, 'reveal')).html).toContain(CATOOTJE.name);
      expect((await press(handedOn.link, 'confirm')).status).toBe(200);
      await until('wednesday purge', () => purgedCount(s) === 3);

      // Thursday: nobody acts on the first link; the escalation brings it to the achterwacht.
      await week.signal('lw-d@veiligthuis.test', DIEDERIK);
      await until('thursday signal', async () => (await listMessages(s.hwc, 'INBOX')).length === 2);
      await week.check('thursday');
      const dPrimary = await week.newLink(s.zorg);
      await sleep(2_500);
      await week.check('thursday-escalation');
      const d = await week.newLink(s.backup, dPrimary.reference);
      expect((await press(d.link, 'reveal')).html).toContain(DIEDERIK.name);
      expect((await press(d.link, 'confirm')).status).toBe(200);
      await until('thursday purge', () => purgedCount(s) === 4);

      // Friday: the child stands only in an attachment, which the page cannot show whole. The mail
      // and the page both say to read the signal in the HwC mailbox before confirming.
      const raw = shapedSignal({
        id: 'lw-e@veiligthuis.test',
        from: s.vt.address,
        to: s.hwc.address,
        children: [{ name: EVERTJE.name, written: EVERTJE.written }],
        childIn: 'attachment',
        encoding: 'base64',
      });
      await deliver(raw, { from: s.vt.address, to: [s.hwc.address] });
      await until('friday signal', async () => (await listMessages(s.hwc, 'INBOX')).length === 2);
      await week.check('friday');
      const e = await week.newLink(s.zorg);
      expect(e.text).toContain(READ_FIRST);
      const page = await press(e.link, 'reveal');
      expect(page.status).toBe(200);
      expect(page.html).toContain('role="alert"');
      expect(page.html).toContain(READ_FIRST);
      expect((await press(e.link, 'confirm')).status).toBe(200);
      await until('friday purge', () => purgedCount(s) === 5);
      await week.check('friday-quiet');
    } finally {
      await week.stop();
    }

    // Every signal confirmed and purged; the HwC mailbox holds only the reply, set aside.
    expect(rows(s).every((r) => r.confirmed_at && r.purged_at)).toBe(true);
    expect(rows(s)).toHaveLength(5);
    const audit = await week.hwc('audit', ['audit', '--format', 'json']);
    const log = JSON.parse(audit.stdout) as {
      chain: { intact: boolean };
      rows: { type: string; data: Record<string, unknown> }[];
    };
    expect(log.chain.intact).toBe(true);
    const handled = log.rows.filter((row) => row.type === 'signal' && row.data.event === undefined);
    expect(handled).toHaveLength(5);
    expect(handled.every((row) => row.data.purgeVerified === true)).toBe(true);

    // Every folder of every mailbox (HwC, both contacts' inboxes and Sent, Veilig Thuis).
    expect(await childrenInMailboxes([s.hwc, s.zorg, s.backup, s.vt])).toEqual([]);
    // Every file hwc wrote (storage, private TMPDIR) and every line any process printed.
    const { hits, filesScanned } = scanForCanaries(FORMS, [s.install.storage, s.install.tmp], week.outputs);
    expect(filesScanned).toBeGreaterThan(0);
    expect(Object.keys(week.outputs).length).toBeGreaterThan(10);
    expect(hits).toEqual([]);
  }, 300_000);
});

describe('the link page beside a check of another process', () => {
  it('when a check holds the storage lock, then a confirmation on the page waits for it, writes nothing while it is held, says "try again" when it lasts too long, and counts once the lock is free', async () => {
    const port = await freePort();
    const s = await createSchool({
      deliver: 'link',
      web: { listen: `127.0.0.1:${port}`, baseUrl: `http://127.0.0.1:${port}`, maxReveals: 3 },
      notify: 'escalate',
      escalateAfter: '1h',
      // The page waits for the lock at most checkTimeout (and at most 25 s).
      checkTimeout: '20s',
      schedule: { checks: ['23:59'], days: EVERY_DAY, deadline: '23:59' },
    });
    const week = new LinkWeek(s);
    await week.signal('lw-lock@veiligthuis.test', AMALIA);
    await waitForMessages(s.hwc, 'INBOX', 1, 15_000);
    await week.run();
    try {
      const { link } = await week.newLink(s.zorg);
      // Only a link that revealed the signal may confirm it.
      expect((await press(link, 'reveal')).html).toContain(AMALIA.name);
      // The test takes the checks' lock as a manual `hwc check` does (another connection, BEGIN
      // EXCLUSIVE on hwc.lock), and holds it past checkTimeout.
      const { CHECK_LOCK_FILE, StorageLock } = await import('../../src/adapters/storage-lock.js');
      const attempt = await StorageLock.acquire(s.install.storage, CHECK_LOCK_FILE, { waitMs: 10_000 });
      if (!('held' in attempt)) throw new Error('the lock was not free');
      try {
        const refused = await press(link, 'confirm');
        expect(refused.status).toBe(500);
        expect(refused.html).toContain('Nu niet beschikbaar');
        expect(rows(s)[0]?.confirmed_at).toBeNull();
      } finally {
        attempt.held.release();
      }
      const confirmed = await press(link, 'confirm');
      expect(confirmed.status).toBe(200);
      expect(rows(s)[0]?.confirmed_at).not.toBeNull();
      await until('the purge', () => purgedCount(s) === 1);
    } finally {
      await week.stop();
    }
  }, 120_000);
});

describe('the notices after a confirmation on the page', () => {
  it('when a contact confirms on the page, then they are thanked and the other contact is told, content-free, once, and a restart sends neither again', async () => {
    const port = await freePort();
    const s = await createSchool({
      deliver: 'link',
      web: { listen: `127.0.0.1:${port}`, baseUrl: `http://127.0.0.1:${port}`, maxReveals: 3 },
      notify: 'both',
      schedule: { checks: ['23:59'], days: EVERY_DAY, deadline: '23:59' },
    });
    const week = new LinkWeek(s);
    await week.signal('lw-thanks@veiligthuis.test', BOUDEWIJN);
    await waitForMessages(s.hwc, 'INBOX', 1, 15_000);
    await week.run();
    // Decoded: "zorgcoördinator" travels as an RFC 2047 encoded word.
    const subjects = async (user: MailUser, prefix: string): Promise<string[]> => {
      const parsed = await Promise.all(
        (await listMessages(user, 'INBOX')).map((m) => simpleParser(m.source)),
      );
      return parsed.map((m) => m.subject ?? '').filter((subject) => subject.startsWith(prefix));
    };
    try {
      await week.check('told');
      const { link } = await week.newLink(s.zorg);
      await week.newLink(s.backup);
      expect((await press(link, 'reveal')).html).toContain(BOUDEWIJN.name);
      expect((await press(link, 'confirm')).status).toBe(200);
      await until('the purge', () => purgedCount(s) === 1);
      await waitForMessages(s.zorg, 'INBOX', 2, 15_000);
      await waitForMessages(s.backup, 'INBOX', 2, 15_000);
      expect(await subjects(s.zorg, 'Bevestiging ontvangen')).toHaveLength(1);
      expect(await subjects(s.backup, 'Opgepakt door de zorgcoördinator')).toHaveLength(1);
      const [thanks] = (await listMessages(s.zorg, 'INBOX')).filter((m) =>
        (headerOf(m.source, 'Subject') ?? '').startsWith('Bevestiging ontvangen'),
      );
      expect(await textOf(thanks)).toContain('via de link in de Handle with Care-melding');
    } finally {
      await week.stop();
    }
    // A restart and another check: the notices are recorded as sent, so nothing goes again.
    await week.run();
    try {
      await week.check('after-restart');
    } finally {
      await week.stop();
    }
    expect(await subjects(s.zorg, 'Bevestiging ontvangen')).toHaveLength(1);
    expect(await subjects(s.backup, 'Opgepakt door de zorgcoördinator')).toHaveLength(1);
    expect(await childrenInMailboxes([s.hwc, s.zorg, s.backup])).toEqual([]);
    expect(scanForCanaries(FORMS, [s.install.storage, s.install.tmp], week.outputs).hits).toEqual([]);
  }, 120_000);
});
