import type { AuditLog, Clock, Logger, MailboxOpener, MailParser, StateStore } from '../core/ports.js';
import type { ContactRole, NotifyMode } from '../core/vocabulary.js';
import { judgeToken, type LinkTokens } from '../core/link-token.js';
import { referenceOf } from '../core/identity.js';
import { classify } from '../core/classify.js';
import { needsOriginal } from '../core/completeness.js';
import { localDate } from '../core/schedule.js';
import { buttonPage, PAGES, revealPage, type SignalHeader } from '../core/link-page.js';
import { recordConfirmation } from '../check/confirmations.js';
import { verifyPin } from './pin.js';

export interface LinkActionDeps {
  school: string;
  timezone: string;
  notify: NotifyMode;
  maxMessageBytes: number;
  maxReveals: number;
  pins: Partial<Record<ContactRole, string>>;
  store: StateStore & AuditLog;
  tokens: LinkTokens;
  opener: MailboxOpener;
  parser: MailParser;
  clock: Clock;
  logger: Logger;
  /**
   * Runs `write` while no check runs, in this process or another (a manual `hwc check`), so that
   * a check that read a signal before cannot overwrite the confirmation with what it read.
   * Rejects when the checks' lock stays taken; the page then says "try again".
   */
  exclusive: <T>(write: () => T) => Promise<T>;
  /** Asks the daemon for a check now: the purge after a confirmation, the backup after a hand-on. */
  checkNow: () => void;
}

/** What the server sends: a status and a whole page; `refused` counts towards the rate limit. */
export interface PageAnswer {
  status: number;
  html: string;
  refused?: 'unknown' | 'expired';
}

type Opened =
  | { ok: true; token: string; role: ContactRole; key: string; header: SignalHeader; reveals: number }
  | { ok: false; answer: PageAnswer };

function open(deps: LinkActionDeps, token: string): Opened {
  const row = deps.tokens.find(token);
  const signal = row ? deps.store.getSignal(row.signalKey) : undefined;
  const verdict = judgeToken(row, signal, deps.clock.now());
  if (!verdict.ok) {
    if (verdict.why === 'gone') return { ok: false, answer: { status: 410, html: PAGES.gone() } };
    const refused = verdict.why === 'expired' ? 'expired' : 'unknown';
    return { ok: false, answer: { status: 404, html: PAGES.invalid(), refused } };
  }
  const record = signal as NonNullable<typeof signal>;
  return {
    ok: true,
    token,
    role: verdict.row.role,
    key: record.key,
    reveals: verdict.row.reveals,
    header: {
      school: deps.school,
      reference: referenceOf(record.key),
      receivedAt: new Date(record.receivedAt),
      timezone: deps.timezone,
    },
  };
}

type OpenedToken = Extract<Opened, { ok: true }>;

/** The refusal when this contact has a PIN (web.pins) and `pin` is not it; undefined when it passes. */
async function refusePin(
  deps: LinkActionDeps,
  opened: OpenedToken,
  pin: string | undefined,
): Promise<PageAnswer | undefined> {
  const pinHash = deps.pins[opened.role];
  if (!pinHash || (pin !== undefined && (await verifyPin(pin, pinHash)))) return undefined;
  deps.logger.warn({ step: 'link', role: opened.role, outcome: 'refused', reason: 'wrong-pin' }, 'wrong PIN');
  return { status: 403, html: buttonPage(opened.header, opened.token, true, true), refused: 'unknown' };
}

/** A POST that needs the token and, where the contact has one, the PIN: reveal and confirm alike. */
async function openWithPin(deps: LinkActionDeps, token: string, pin: string | undefined): Promise<Opened> {
  const opened = open(deps, token);
  if (!opened.ok) return opened;
  const wrongPin = await refusePin(deps, opened, pin);
  return wrongPin ? { ok: false, answer: wrongPin } : opened;
}

/** GET: a button and nothing else, whoever fetches it (a person, or a mail scanner). */
export function showButton(deps: LinkActionDeps, token: string): PageAnswer {
  const opened = open(deps, token);
  if (!opened.ok) return opened.answer;
  return { status: 200, html: buttonPage(opened.header, token, Boolean(deps.pins[opened.role])) };
}

/** POST action=reveal: the child's name and birth date, read from the HwC mailbox right now. */
export async function reveal(
  deps: LinkActionDeps,
  token: string,
  pin: string | undefined,
): Promise<PageAnswer> {
  const opened = await openWithPin(deps, token, pin);
  if (!opened.ok) return opened.answer;
  if (!deps.tokens.countReveal(token, deps.maxReveals)) {
    deps.logger.warn({ step: 'link', role: opened.role, reason: 'too-many-reveals' }, 'reveal limit reached');
    return { status: 429, html: PAGES.tooManyReveals() };
  }
  const read = await readSignal(deps, opened.key);
  if (!read) return { status: 503, html: PAGES.unavailable() };
  const record = markRevealed(deps, opened.key);
  deps.logger.info({ step: 'link', role: opened.role, outcome: 'revealed' }, 'a contact opened a signal');
  return {
    status: 200,
    html: revealPage({
      header: opened.header,
      token,
      children: read.children,
      ...(read.originalText !== undefined ? { originalText: read.originalText } : {}),
      readInMailbox: read.readInMailbox,
      confirmed: Boolean(record?.confirmedAt),
      canHandOn: opened.role === 'primary' && deps.notify === 'escalate',
      pin: Boolean(deps.pins[opened.role]),
      revealsLeft: Math.max(0, deps.maxReveals - opened.reveals - 1),
    }),
  };
}

/**
 * Records the first reveal: from now on purgeAfter may purge the signal. Read and written with no
 * await between, and the store keeps the first time, so a running check cannot undo it.
 */
function markRevealed(deps: LinkActionDeps, key: string): ReturnType<StateStore['getSignal']> {
  const record = deps.store.getSignal(key);
  if (!record || record.revealedAt || record.purgedAt) return record;
  const revealed = { ...record, revealedAt: deps.clock.now().toISOString() };
  deps.store.putSignal(revealed);
  return revealed;
}

/**
 * The signal as the mailbox holds it now: by folder, UIDVALIDITY and UID from the state, parsed and
 * recognised in memory. Undefined when it cannot be read (the server is down, the UID is stale).
 */
async function readSignal(
  deps: LinkActionDeps,
  key: string,
): Promise<
  | { children: ReturnType<typeof classify>['children']; originalText?: string; readInMailbox: boolean }
  | undefined
> {
  const record = deps.store.getSignal(key);
  if (!record || record.purgedAt) return undefined;
  const folder = record.folder ?? 'INBOX';
  try {
    const mailbox = await deps.opener.open({ readOnly: true });
    try {
      const validity =
        folder === 'INBOX' ? mailbox.uidValidity : (await mailbox.listHeaders(folder)).uidValidity;
      if (validity !== record.uidValidity) return undefined;
      const raw = await mailbox.fetchSource(record.uid, folder);
      const parsed = raw ? await deps.parser.parse(raw, deps.maxMessageBytes) : undefined;
      if (!parsed?.ok) return undefined;
      const classified = classify(parsed.facts, { today: localDate(deps.clock.now(), deps.timezone) });
      const doubt = classified.needsReview || classified.children.length === 0;
      return {
        children: classified.children,
        readInMailbox: needsOriginal(classified, parsed.facts),
        ...(doubt ? { originalText: parsed.facts.text.slice(0, 20_000) } : {}),
      };
    } finally {
      await mailbox.close();
    }
  } catch (err) {
    deps.logger.warn({ step: 'link', outcome: 'failed', err }, 'the signal could not be read for the page');
    return undefined;
  }
}

/** POST action=confirm: the same transition as a confirming reply, then the purge follows. */
export async function confirm(
  deps: LinkActionDeps,
  token: string,
  pin: string | undefined,
): Promise<PageAnswer> {
  const opened = await openWithPin(deps, token, pin);
  if (!opened.ok) return opened.answer;
  // Only who saw the child on this link may confirm: a confirm ends the wait and starts the purge.
  // A reveal is counted before the mailbox is read, so a recorded reveal of the signal is needed too.
  if (opened.reveals === 0 || !deps.store.getSignal(opened.key)?.revealedAt) {
    deps.logger.warn({ step: 'link', role: opened.role, reason: 'not-revealed' }, 'confirm before a reveal');
    return { status: 409, html: buttonPage(opened.header, token, Boolean(deps.pins[opened.role])) };
  }
  const outcome = await deps.exclusive(() =>
    recordConfirmation(deps, { key: opened.key, role: opened.role, proof: 'link' }, deps.clock.now()),
  );
  if (outcome === 'not-counted') return { status: 409, html: PAGES.invalid() };
  deps.checkNow();
  return { status: 200, html: PAGES.confirmed() };
}

/** POST action=hand-on: the primary contact cannot act today, so the backup is told at once. */
export async function handOn(deps: LinkActionDeps, token: string): Promise<PageAnswer> {
  const opened = open(deps, token);
  if (!opened.ok) return opened.answer;
  if (opened.role !== 'primary') return { status: 409, html: PAGES.invalid() };
  const outcome = await deps.exclusive(() => handOnRecord(deps, opened.key));
  if (outcome === 'gone') return { status: 410, html: PAGES.gone() };
  if (outcome.marked) {
    deps.logger.info(
      { step: 'link', role: 'primary', outcome: 'handed-on' },
      'the primary contact handed a signal on',
    );
    deps.checkNow();
  }
  return { status: 200, html: PAGES.handedOn(outcome.backupTold) };
}

/** The hand-on's write, under the checks' lock: whether it was new, and whether the backup knew. */
function handOnRecord(deps: LinkActionDeps, key: string): 'gone' | { marked: boolean; backupTold: boolean } {
  const record = deps.store.getSignal(key);
  if (!record || record.purgedAt) return 'gone';
  const backupTold = Boolean(record.notified.backup);
  if (record.handedOnAt || record.confirmedAt) return { marked: false, backupTold };
  const now = deps.clock.now().toISOString();
  deps.store.transaction(() => {
    deps.store.putSignal({ ...record, handedOnAt: now });
    deps.store.append({ at: now, type: 'signal', data: { event: 'handed-on', role: 'primary' } });
  });
  return { marked: true, backupTold };
}
