/**
 * Signals in the shapes that once lost a child: forwarded as attachments to any depth, with or
 * without multipart, below a long text, with a long list, with the child only in an attachment,
 * in different transfer encodings. Used by the unit, property and real-stack tests of completeness.
 */

export interface ShapeChild {
  name: string;
  /** The date as written in the signal, e.g. 29-4-2015. */
  written: string;
}

export type BodyEncoding = '8bit' | 'quoted-printable' | 'base64';

export interface SignalShape {
  id: string;
  from?: string;
  to?: string;
  children: ShapeChild[];
  /** How many times the signal was forwarded as an attachment (message/rfc822). */
  nesting?: number;
  /** Each forward a multipart/mixed with a note and the message/rfc822 part; otherwise a bare message/rfc822. */
  multipart?: boolean;
  /** Characters of forwarded thread and disclaimer above the children. */
  padding?: number;
  /** Where the children stand: in the text, or only in an attached text file ("zie bijlage"). */
  childIn?: 'body' | 'attachment';
  encoding?: BodyEncoding;
  /** Bytes of an extra attachment (a scanned form), to make the signal large. */
  ballast?: number;
}

const CRLF = '\r\n';

/** RFC 2045 6.7, enough for tests: every non-ASCII byte, '=' and control bytes as =XX; soft breaks. */
function quotedPrintable(text: string): string {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    let encoded = '';
    for (const byte of Buffer.from(line, 'utf8')) {
      encoded +=
        byte === 0x3d || byte > 0x7e || (byte < 0x20 && byte !== 0x09)
          ? `=${byte.toString(16).toUpperCase().padStart(2, '0')}`
          : String.fromCharCode(byte);
    }
    let rest = encoded;
    while (rest.length > 75) {
      let cut = 75;
      // Never split an =XX escape.
      if (rest[cut - 1] === '=') cut -= 1;
      else if (rest[cut - 2] === '=') cut -= 2;
      out.push(`${rest.slice(0, cut)}=`);
      rest = rest.slice(cut);
    }
    out.push(rest);
  }
  return out.join(CRLF);
}

function base64Lines(data: Buffer): string {
  return (data.toString('base64').match(/.{1,76}/g) ?? []).join(CRLF);
}

function encodeText(text: string, encoding: BodyEncoding): string {
  if (encoding === 'base64') return base64Lines(Buffer.from(text, 'utf8'));
  if (encoding === 'quoted-printable') return quotedPrintable(text);
  return text.split('\n').join(CRLF);
}

const FILLER =
  'Dit bericht is uitsluitend bestemd voor de geadresseerde. Heeft u het per vergissing ontvangen, ' +
  'verwijder het dan en laat het de afzender weten. ';

function padding(chars: number): string {
  const lines: string[] = [];
  let total = 0;
  for (let i = 0; total < chars; i += 1) {
    const line = `> ${i}: ${FILLER}`;
    lines.push(line);
    total += line.length + 1;
  }
  return lines.join('\n');
}

function childLines(children: ShapeChild[]): string[] {
  return children.map((child) => `${child.name}, ${child.written}, Handle with Care`);
}

function headers(shape: SignalShape, subject: string, id: string): string[] {
  return [
    `From: Veilig Thuis Regio Proef <${shape.from ?? 'signaal@veiligthuis.test'}>`,
    `To: ${shape.to ?? 'hwc@school.test'}`,
    `Subject: ${subject}`,
    `Message-ID: <${id}>`,
    'Date: Wed, 25 Nov 2026 05:40:00 +0000',
    'MIME-Version: 1.0',
  ];
}

/** The innermost message: the signal as Veilig Thuis wrote it. */
function innermost(shape: SignalShape): string {
  const encoding = shape.encoding ?? '8bit';
  const pad = shape.padding ? [padding(shape.padding), ''] : [];
  const inId = (shape.nesting ?? 0) > 0 ? `inner-${shape.id}` : shape.id;
  const needsMixed = shape.childIn === 'attachment' || (shape.ballast ?? 0) > 0;
  const bodyText =
    shape.childIn === 'attachment'
      ? [
          'Goedemorgen,',
          '',
          'Handle with Care: zie bijlage.',
          '',
          'Met vriendelijke groet,',
          'Veilig Thuis',
        ].join('\n')
      : [
          'Goedemorgen,',
          '',
          ...pad,
          ...childLines(shape.children),
          '',
          'Met vriendelijke groet,',
          'Veilig Thuis',
        ].join('\n');
  const textPart = [
    'Content-Type: text/plain; charset=utf-8',
    `Content-Transfer-Encoding: ${encoding}`,
    '',
    encodeText(bodyText, encoding),
  ];
  if (!needsMixed) return [...headers(shape, 'Handle with Care', inId), ...textPart, ''].join(CRLF);
  const boundary = `b-${shape.id.replace(/[^a-z0-9]/gi, '')}-inner`;
  const parts: string[][] = [textPart];
  if (shape.childIn === 'attachment') {
    parts.push([
      'Content-Type: text/plain; charset=utf-8; name="signaal.txt"',
      'Content-Disposition: attachment; filename="signaal.txt"',
      'Content-Transfer-Encoding: base64',
      '',
      base64Lines(Buffer.from(childLines(shape.children).join('\n'), 'utf8')),
    ]);
  }
  if ((shape.ballast ?? 0) > 0) {
    const ballast = Buffer.alloc(shape.ballast ?? 0);
    for (let i = 0; i < ballast.length; i += 1) ballast[i] = (i * 7919) % 251;
    parts.push([
      'Content-Type: application/pdf; name="formulier.pdf"',
      'Content-Disposition: attachment; filename="formulier.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      base64Lines(ballast),
    ]);
  }
  return [
    ...headers(shape, 'Handle with Care', inId),
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    ...parts.flatMap((part) => [`--${boundary}`, ...part]),
    `--${boundary}--`,
    '',
  ].join(CRLF);
}

/** The signal, forwarded as an attachment `nesting` times; the outermost message has `shape.id`. */
export function shapedSignal(shape: SignalShape): string {
  let message = innermost(shape);
  const levels = shape.nesting ?? 0;
  for (let level = 1; level <= levels; level += 1) {
    const id = level === levels ? shape.id : `fwd-${level}-${shape.id}`;
    const head = headers(shape, `Fwd: Handle with Care (${level})`, id);
    if (shape.multipart) {
      const boundary = `b-${shape.id.replace(/[^a-z0-9]/gi, '')}-${level}`;
      message = [
        ...head,
        `Content-Type: multipart/mixed; boundary="${boundary}"`,
        '',
        `--${boundary}`,
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Zie het doorgestuurde bericht.',
        `--${boundary}`,
        'Content-Type: message/rfc822',
        'Content-Disposition: attachment',
        '',
        message,
        `--${boundary}--`,
        '',
      ].join(CRLF);
    } else {
      message = [...head, 'Content-Type: message/rfc822', '', message].join(CRLF);
    }
  }
  return message;
}

const FIRST = [
  'Ysolde',
  'Teunis',
  'Quirijn',
  'Maartje',
  'Fenneke',
  'Jorrit',
  'Wobbe',
  'Hiske',
  'Ayşe',
  'Çiğdem',
];
const LAST = [
  'Brinkhorst',
  'Quakkelaar',
  'Zwartveld',
  'Oosterbeek',
  'Vlaskamp',
  'Heemskerk',
  'Yılmaz',
  'Öztürk',
];

const SECOND = ['Bakker', 'Visser', 'Smit', 'Mulder', 'Bos', 'Vos', 'Peters', 'Hendriks'];

/** `count` children with distinct names made of name-like words, and dates in 2012-2019. */
export function manyChildren(count: number, seed = 0): ShapeChild[] {
  const children: ShapeChild[] = [];
  for (let i = 0; i < count; i += 1) {
    const n = i + seed;
    const first = FIRST[n % FIRST.length] ?? 'Ysolde';
    const last = LAST[Math.floor(n / FIRST.length) % LAST.length] ?? 'Brinkhorst';
    const group = Math.floor(n / (FIRST.length * LAST.length));
    // A double surname keeps every name distinct in long lists.
    const second = group > 0 ? `-${SECOND[(group - 1) % SECOND.length] ?? 'Bakker'}` : '';
    children.push({
      name: `${first} ${last}${second}`,
      written: `${(n % 27) + 1}-${(n % 12) + 1}-${2012 + (n % 8)}`,
    });
  }
  return children;
}
