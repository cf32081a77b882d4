import { createHash } from 'node:crypto';
import type { Child } from './types.js';
import { formatBirthDate, formatMoment } from './compose.js';
import { READ_IN_MAILBOX_NL } from './compose-link.js';

/**
 * The link mode's pages, in Dutch, as whole HTML documents. No script at all: plain forms, so the
 * Content-Security-Policy can forbid every script; the one style sheet is allowed by its hash.
 * Everything shown is escaped. Only `revealPage` holds child data, and only a POST renders it.
 */

const STYLE = [
  'body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:1.125rem;line-height:1.5;',
  'margin:0;padding:1rem;background:#fff;color:#111}',
  'main{max-width:36rem;margin:0 auto}',
  'h1{font-size:1.5rem;margin:.5rem 0 1rem}',
  '.child{border:2px solid #111;border-radius:.5rem;padding:.75rem 1rem;margin:1rem 0}',
  '.child dt{font-weight:700}.child dd{margin:0 0 .5rem}',
  'form{margin:1rem 0}',
  'button{display:block;width:100%;min-height:3rem;font-size:1.125rem;padding:.75rem;border-radius:.5rem;',
  'border:2px solid #0b3d91;background:#0b3d91;color:#fff;cursor:pointer}',
  'button.second{background:#fff;color:#0b3d91}',
  'button:focus-visible,input:focus-visible{outline:3px solid #c60;outline-offset:2px}',
  'label{display:block;font-weight:700;margin-bottom:.25rem}',
  'input{font-size:1.25rem;padding:.5rem;width:10rem;border:2px solid #111;border-radius:.25rem}',
  'pre{white-space:pre-wrap;word-break:break-word;background:#f3f3f3;padding:.75rem;color:#111}',
  '.note{color:#333}',
].join('');

/** For the CSP header: `style-src 'sha256-…'` allows exactly this style element. */
export const STYLE_HASH = `sha256-${createHash('sha256').update(STYLE, 'utf8').digest('base64')}`;

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

function page(title: string, body: string): string {
  return [
    '<!doctype html>',
    '<html lang="nl">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="robots" content="noindex, nofollow">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    `<body><main>${body}</main></body>`,
    '</html>',
  ].join('\n');
}

export interface SignalHeader {
  school: string;
  reference: string;
  receivedAt: Date;
  timezone: string;
}

function header(h: SignalHeader): string {
  return [
    `<h1>Handle with Care-signaal</h1>`,
    `<p>${escapeHtml(h.school)}, referentie ${escapeHtml(h.reference)}.<br>`,
    `Ontvangen: ${escapeHtml(formatMoment(h.receivedAt, h.timezone))}.</p>`,
  ].join('\n');
}

function form(token: string, action: string, label: string, extra = '', second = false): string {
  return [
    `<form method="post" action="/s/${escapeHtml(token)}">`,
    `<input type="hidden" name="t" value="${escapeHtml(token)}">`,
    `<input type="hidden" name="action" value="${escapeHtml(action)}">`,
    extra,
    `<button type="submit"${second ? ' class="second"' : ''}>${escapeHtml(label)}</button>`,
    '</form>',
  ].join('\n');
}

const PIN_INPUT = [
  '<label for="pin">Uw pincode</label>',
  '<input id="pin" name="pin" type="password" inputmode="numeric" autocomplete="off" required>',
].join('\n');

/** What a GET shows, to a person and to a link scanner alike: a button, no child data. */
export function buttonPage(h: SignalHeader, token: string, pin: boolean, wrongPin = false): string {
  const pinField = pin
    ? [
        wrongPin ? '<p role="alert"><strong>De pincode klopt niet. Probeer het opnieuw.</strong></p>' : '',
        PIN_INPUT,
      ].join('\n')
    : '';
  return page(
    'Handle with Care-signaal',
    [
      header(h),
      '<p>Druk op de knop om te zien om welke leerling het gaat. Doe dit alleen als u nu zelf kunt kijken.</p>',
      form(token, 'reveal', 'Toon het signaal', pinField),
    ].join('\n'),
  );
}

export interface RevealInput {
  header: SignalHeader;
  token: string;
  children: Child[];
  /** Shown when the recognition doubts: the original text, escaped. */
  originalText?: string;
  confirmed: boolean;
  /** Whether this contact may hand the signal on to the backup. */
  canHandOn: boolean;
  revealsLeft: number;
  /** The page cannot show the signal whole: the contact reads it in the HwC mailbox first. */
  readInMailbox?: boolean;
  /** The contact has a PIN: confirming asks for it again. */
  pin?: boolean;
}

/** The one page with child data: rendered only in answer to a POST, never stored. */
export function revealPage(input: RevealInput): string {
  const children =
    input.children.length === 0
      ? '<p><strong>De leerling is niet automatisch herkend; lees het originele bericht hieronder.</strong></p>'
      : input.children
          .map(
            (child) =>
              `<dl class="child"><dt>Leerling</dt><dd>${escapeHtml(child.name || '(naam niet herkend)')}</dd>` +
              `<dt>Geboortedatum</dt><dd>${escapeHtml(formatBirthDate(child.birthDate))}</dd></dl>`,
          )
          .join('\n');
  const original =
    input.originalText !== undefined
      ? `<p>De automatische herkenning twijfelt. Het originele bericht:</p><pre>${escapeHtml(input.originalText)}</pre>`
      : '';
  const readFirst = input.readInMailbox
    ? `<p role="alert" class="child"><strong>${escapeHtml(READ_IN_MAILBOX_NL.join(' '))}</strong></p>`
    : '';
  const actions = input.confirmed
    ? '<p>Dit signaal is al bevestigd. Het wordt zo uit de HwC-mailbox verwijderd.</p>'
    : [
        form(input.token, 'confirm', 'Gezien, ik zorg voor de leerling', input.pin ? PIN_INPUT : ''),
        input.canHandOn ? form(input.token, 'hand-on', 'Ik kan dit vandaag niet oppakken', '', true) : '',
      ].join('\n');
  return page(
    'Handle with Care-signaal',
    [
      header(input.header),
      readFirst,
      children,
      original,
      '<p>Codewoord: Handle with Care. Zoek de leerling vandaag op, het liefst vóór de eerste les, en vraag wat hij of zij vandaag nodig heeft.',
      'Spreek met de leerling af wie op school het weet; alleen wie nodig is voor de steun.',
      'Schrijf het signaal nergens op, ook niet in het leerlingdossier, en maak geen schermafbeelding.</p>',
      actions,
      `<p class="note">Deze pagina wordt niet bewaard. U kunt het signaal nog ${input.revealsLeft} keer tonen.</p>`,
    ].join('\n'),
  );
}

export function messagePage(title: string, lines: string[]): string {
  return page(
    title,
    [`<h1>${escapeHtml(title)}</h1>`, ...lines.map((l) => `<p>${escapeHtml(l)}</p>`)].join('\n'),
  );
}

export const PAGES = {
  confirmed: () =>
    messagePage('Bevestigd', [
      'Dank u wel. U zorgt voor de leerling; de achterwacht hoeft niets meer te doen.',
      'Het signaal wordt nu uit de HwC-mailbox verwijderd. Sluit deze pagina.',
    ]),
  handedOn: (backupTold: boolean) =>
    messagePage('Doorgegeven aan de achterwacht', [
      backupTold
        ? 'De achterwacht had het signaal ook al ontvangen en kan het oppakken.'
        : 'De achterwacht krijgt het signaal nu. U hoeft niets meer te doen. Sluit deze pagina.',
    ]),
  gone: () =>
    messagePage('Afgehandeld', [
      'Dit signaal is afgehandeld en uit de HwC-mailbox verwijderd. Er is niets meer te zien.',
    ]),
  invalid: () =>
    messagePage('Deze link werkt niet', [
      'Deze link is onbekend of verlopen. Neem bij twijfel contact op met de zorgcoördinator of de achterwacht.',
    ]),
  tooManyReveals: () =>
    messagePage('Te vaak getoond', [
      'Dit signaal is met deze link al het maximale aantal keren getoond. Neem contact op met de achterwacht of met Veilig Thuis.',
    ]),
  slowDown: () =>
    messagePage('Even wachten', [
      'Er zijn te veel onjuiste links geprobeerd. Probeer het over een kwartier opnieuw.',
    ]),
  unavailable: () =>
    messagePage('Nu niet beschikbaar', [
      'Het signaal kan op dit moment niet worden getoond. Probeer het over een paar minuten opnieuw.',
      'Lukt het niet? Dan krijgt de achterwacht het signaal vanzelf.',
    ]),
  httpsOnly: () =>
    messagePage('Alleen via HTTPS', [
      'Deze pagina is alleen via een beveiligde verbinding (https://) bereikbaar.',
    ]),
  notFound: () => messagePage('Niet gevonden', ['Deze pagina bestaat niet.']),
};
