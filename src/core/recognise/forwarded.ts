/**
 * Forwarded mail: the municipality forwards the signal from Veilig Thuis. Gmail writes
 * "---------- Doorgestuurd bericht ----------" / "Forwarded message" followed by Van:/Datum:/
 * Onderwerp:/Aan: lines; Outlook writes a line of underscores or "-----Oorspronkelijk bericht-----"
 * and a From:/Sent:/To:/Subject: (Van:/Verzonden:/Aan:/Onderwerp:) block; Apple Mail writes
 * "Begin doorgestuurd bericht:". The child is in the forwarded part; the header lines of the
 * forward (with their sender names and dates) are never children.
 */

export interface ForwardSplit {
  /** Body sections: the forwarder's own text first, then each forwarded message, header lines removed. */
  segments: string[][];
  forwarded: boolean;
  /** Values of "Onderwerp:"/"Subject:" lines inside forward headers. */
  forwardedSubjects: string[];
}

const MARKER =
  /^\s*(?:-{2,}\s*(?:doorgestuurd bericht|forwarded message|original message|oorspronkelijk bericht|origineel bericht|oorspronkelijke bericht|weitergeleitete nachricht)\s*-*|(?:begin (?:doorgestuurd bericht|forwarded message))\s*:?|_{10,}|-{10,})\s*$/i;

const HEADER_LINE =
  /^\s*(?:\*\s*)?(van|from|datum|date|verzonden|sent|aan|to|cc|bcc|onderwerp|subject|beantwoorden aan|reply-to|belangrijkheid|importance|bijlagen|attachments)(?:\s*\*)?\s*:/i;

// A reply attribution: "Op 20-11-2026 om 10:12 schreef Marieke Jansen <m@x.test>:", "On ... wrote:".
const ATTRIBUTION = /^\s*(?:op|on|am|le)\s.*\b(?:schreef|wrote|schrieb|a écrit)\b/i;

function headerKey(line: string): string | undefined {
  const m = HEADER_LINE.exec(line);
  return m ? (m[1] ?? '').toLowerCase() : undefined;
}

/** Counts header lines starting at index i, allowing folded continuation lines such as a long Aan: list. */
function headerBlockLength(lines: string[], i: number): number {
  let n = 0;
  let headers = 0;
  while (i + n < lines.length) {
    const line = lines[i + n] ?? '';
    if (headerKey(line) !== undefined) {
      headers += 1;
      n += 1;
    } else if (headers > 0 && /^[ \t]+\S/.test(line) && n < 50) {
      n += 1;
    } else {
      break;
    }
  }
  return headers === 0 ? 0 : n;
}

export function splitForwarded(lines: string[]): ForwardSplit {
  const segments: string[][] = [[]];
  const forwardedSubjects: string[] = [];
  let forwarded = false;
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? '';
    if (line.length < 400 && ATTRIBUTION.test(line)) {
      segments.push([]);
      i += 1;
      continue;
    }
    const isMarker = MARKER.test(line);
    const start = isMarker ? i + 1 : i;
    // Skip blank lines between a marker and its header block.
    let headerStart = start;
    while (isMarker && headerStart < lines.length && (lines[headerStart] ?? '').trim() === '')
      headerStart += 1;
    const blockLength = headerBlockLength(lines, headerStart);
    // Without a marker, only a block of two or more header lines (Outlook's From:/Sent:) is a forward.
    const distinctKeys = new Set(
      lines
        .slice(headerStart, headerStart + blockLength)
        .map(headerKey)
        .filter((k) => k !== undefined),
    );
    if (isMarker || distinctKeys.size >= 2) {
      if (isMarker || blockLength > 0) {
        forwarded = forwarded || blockLength > 0;
        for (const header of lines.slice(headerStart, headerStart + blockLength)) {
          const key = headerKey(header);
          if (key === 'onderwerp' || key === 'subject') {
            forwardedSubjects.push(header.replace(HEADER_LINE, '').trim());
          }
        }
        segments.push([]);
        i = headerStart + blockLength;
        continue;
      }
    }
    // A block that is not a forward has no suffix that is one either (its keys are a subset),
    // so it is passed over whole; re-scanning it line by line would take quadratic time.
    const passed = Math.max(1, isMarker ? 1 : blockLength);
    segments[segments.length - 1]?.push(...lines.slice(i, i + passed));
    i += passed;
  }
  return { segments: segments.filter((s) => s.some((l) => l.trim() !== '')), forwarded, forwardedSubjects };
}
