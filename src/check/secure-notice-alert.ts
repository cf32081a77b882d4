import { randomUUID } from 'node:crypto';
import { composeSecureNoticeAlert } from '../core/compose.js';
import { KEYWORD } from '../core/decide.js';
import { MailerError } from '../core/errors.js';
import type { ContactRole } from '../core/vocabulary.js';
import { isPrimaryAbsent, type CheckContext, type ReadMessage } from './context.js';
import { sendOrFail } from './send-or-fail.js';

/**
 * Secure-mail notices: the signal is behind a link, so a person must open it before lessons
 * start. One urgent, content-free alert per notice, to whoever stands in today. The notice stays
 * in INBOX; it is marked only after SMTP accepted the alert, so a failed send is retried by the
 * next check and a sent one is never repeated. No receipt and no MDN go to the sender: nobody read it.
 */
export async function alertSecureNotices(ctx: CheckContext, messages: ReadMessage[]): Promise<void> {
  const { deps, counts } = ctx;
  const { settings, clock } = deps;
  for (const message of messages) {
    if (message.decision.action !== 'secure-notice') continue;
    const now = clock.now();
    const absent = isPrimaryAbsent(settings, now);
    const compose = (role: ContactRole) =>
      composeSecureNoticeAlert({
        identity: ctx.identity,
        contact: settings.contacts[role],
        at: now,
        messageId: `hwc.secure.${randomUUID()}@${ctx.domain}`,
      });
    // The backup stands in while the primary contact is away, or when SMTP refuses the primary.
    const first = await deps.mailer.send(compose(absent ? 'backup' : 'primary'));
    if (first.accepted.length === 0) {
      if (absent)
        throw new MailerError('RECIPIENT_REFUSED', 'SMTP server refused the recipient of the alert');
      await sendOrFail(deps.mailer, compose('backup'));
    }
    counts.alertsSent += 1;
    counts.setAside += 1;
    // $HwcSetAside too, so that every later check passes the notice by before reading it.
    await ctx.mailbox.addKeywords(
      message.entry.uid,
      [KEYWORD.secureNotice, KEYWORD.setAside],
      message.folder,
    );
    deps.logger.warn({ step: 'secure-notice' }, 'secure-mail notice left for a person; urgent alert sent');
  }
}
