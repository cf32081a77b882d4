import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  knownOffsetSpans,
  offsetSpans,
  rememberOffsetSpans,
  zonesInUse,
  type OffsetSpan,
} from '../core/zone-offsets.js';

const DAY = 86_400_000;
/** What a run may ask about: the days before (status, missed mornings) and the checks ahead. */
const NEEDED_BEFORE = 45 * DAY;
const NEEDED_AFTER = 60 * DAY;
/** What is made at once: a new file about once a year. */
const MADE_AFTER = 400 * DAY;
/** Real offsets lie within UTC-12 and UTC+14; anything else in the file is not ours. */
const MAX_OFFSET = 18 * 3_600_000;

/** The ICU data the spans came from: other data (a Node upgrade, new zone rules) makes them void. */
function icuVersion(versions: NodeJS.ProcessVersions): string {
  return `${versions.icu ?? ''}/${versions.tz ?? ''}`;
}

function validSpans(value: unknown): OffsetSpan[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const spans: OffsetSpan[] = [];
  for (const entry of value) {
    if (!Array.isArray(entry) || entry.length !== 3) return undefined;
    const [from, to, offsetMs] = entry as unknown[];
    if (![from, to, offsetMs].every((n) => Number.isSafeInteger(n))) return undefined;
    const span = { from: from as number, to: to as number, offsetMs: offsetMs as number };
    if (span.from >= span.to || Math.abs(span.offsetMs) > MAX_OFFSET) return undefined;
    if (spans.length > 0 && spans[spans.length - 1]?.to !== span.from) return undefined;
    spans.push(span);
  }
  return spans;
}

function covers(spans: readonly OffsetSpan[] | undefined, from: number, to: number): boolean {
  return spans !== undefined && (spans[0]?.from ?? Infinity) <= from && (spans.at(-1)?.to ?? 0) >= to;
}

/**
 * Reads the time zone spans an earlier run wrote to `dir` (zones.json) and hands them to
 * core/zone-offsets.ts, so that this run's local times need no date formatter (about 20 ms of
 * an empty check). Returns what to call at the end of the process: it writes spans for every zone
 * the run used that the file did not cover well, while ICU is loaded anyway. A file that is
 * missing, damaged or from other ICU data is ignored and written again; failures cost only speed.
 */
export function useZoneSpans(dir: string, now: () => number, versions = process.versions): () => void {
  const file = join(dir, 'zones.json');
  const version = icuVersion(versions);
  const stored: Record<string, OffsetSpan[]> = {};
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown; zones?: unknown };
    if (data.version === version && typeof data.zones === 'object' && data.zones !== null) {
      for (const [zone, value] of Object.entries(data.zones)) {
        const spans = validSpans(value);
        if (spans === undefined) continue;
        stored[zone] = spans;
        rememberOffsetSpans(zone, spans);
      }
    }
  } catch {
    // No file yet, or one that is not ours: this run asks ICU.
  }
  return () => {
    const at = now();
    const stale = zonesInUse().filter(
      (zone) => !covers(knownOffsetSpans(zone), at - NEEDED_BEFORE, at + NEEDED_AFTER),
    );
    if (stale.length === 0) return;
    try {
      for (const zone of stale) stored[zone] = offsetSpans(zone, at - NEEDED_BEFORE, at + MADE_AFTER);
      const zones = Object.fromEntries(
        Object.entries(stored).map(([zone, spans]) => [zone, spans.map((s) => [s.from, s.to, s.offsetMs])]),
      );
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const partial = `${file}.${process.pid}.tmp`;
      writeFileSync(partial, JSON.stringify({ version, zones }), { mode: 0o600 });
      renameSync(partial, file);
    } catch {
      // An unknown zone (RangeError) or a directory that cannot be written: only slower.
    }
  };
}
