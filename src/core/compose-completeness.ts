import type { OutgoingAttachment } from './ports.js';

/**
 * The Dutch sentences of a notification about a signal that hwc could not read whole, and the
 * attached original. Pure, like compose.ts, which calls these; kept apart so that the wording of
 * the notification itself can change without touching the completeness rules.
 */

/**
 * How the original travels with a notification: attached whole, or held in the HwC mailbox.
 * `untilConfirmed`: attached, and still the signal stays until a confirmation (notify: both, where
 * nothing else would wait for a bounce of the attachment).
 */
export type OriginalNotice =
  { carry: 'attached'; listCut: boolean; untilConfirmed?: boolean } | { carry: 'held'; listCut: boolean };

/** A fixed file name: the signal's subject may hold a child's name and never becomes a name here. */
export const ORIGINAL_FILENAME = 'origineel-signaal.eml';

/** The original signal, byte for byte, as message/rfc822 (RFC 2046 5.2.1), built in memory only. */
export function originalAttachment(raw: Buffer): OutgoingAttachment {
  return { filename: ORIGINAL_FILENAME, contentType: 'message/rfc822', content: raw };
}

/** The lines that say where the whole signal is; none when the notification's body is enough. */
export function originalLines(notice: OriginalNotice | undefined): string[] {
  if (!notice) return [];
  const lines: string[] = [];
  if (notice.listCut) {
    lines.push(
      'Het signaal noemt meer leerlingen dan deze melding kan opsommen. Hierboven staan ze niet allemaal.',
    );
  }
  if (notice.carry === 'attached') {
    lines.push(
      `Het originele bericht zit als bijlage bij deze e-mail (${ORIGINAL_FILENAME}), compleet en met de bijlagen die de afzender meestuurde. hwc-watcher kon het niet met zekerheid helemaal lezen: open de bijlage en lees zelf welke leerling of leerlingen het betreft.`,
    );
    if (notice.untilConfirmed) {
      lines.push(
        'Anders dan gewoonlijk blijft dit signaal in de HwC-mailbox staan tot iemand deze melding heeft bevestigd; pas daarna verwijdert hwc-watcher het. Bevestig dus pas als u de bijlage heeft gelezen.',
      );
    }
    lines.push('');
    return lines;
  }
  lines.push(
    'LET OP: hwc-watcher kon dit signaal niet helemaal lezen en kon het originele bericht niet meesturen, omdat het te groot is. Lees het signaal vandaag nog zelf in de HwC-mailbox, vóór het begin van de lessen: daar staat alles wat de afzender stuurde.',
    'Anders dan gewoonlijk verwijdert hwc-watcher dit signaal pas uit de HwC-mailbox nadat u deze melding heeft bevestigd. Bevestig dus pas als u het signaal in de HwC-mailbox gelezen heeft.',
    '',
  );
  return lines;
}

/** Closes the inline copy of the original text when it was cut, so that nothing is cut silently. */
export function cutNote(carry: OriginalNotice['carry']): string {
  return carry === 'attached'
    ? '[... ingekort: het hele bericht zit als bijlage bij deze e-mail]'
    : '[... ingekort: lees het hele bericht in de HwC-mailbox]';
}

/**
 * The Dutch phrase, in the alert after "1 bericht:" or "3 berichten:", for a mail whose forwards
 * are nested too deep to read.
 */
export const COMPLETENESS_SET_ASIDE_NL = {
  'too-deeply-nested':
    'met doorgestuurde berichten die te diep in elkaar zitten om veilig automatisch te lezen',
} as const;
