import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useZoneSpans } from '../../src/adapters/zone-spans.js';
import { knownOffsetSpans, localParts } from '../../src/core/zone-offsets.js';

const NOW = Date.UTC(2026, 11, 2, 6, 0);
const DAY = 86_400_000;

describe('the time zone spans kept between runs', () => {
  it('when a run used a zone and no file was there, then the end of the run writes its spans (0600), and the next run hands them to localParts', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'hwc-zones-')), 'compile');
    const save = useZoneSpans(dir, () => NOW);
    localParts(new Date(NOW), 'Europe/Amsterdam');
    save();
    const file = join(dir, 'zones.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const written = JSON.parse(readFileSync(file, 'utf8')) as { zones: Record<string, number[][]> };
    expect(Object.keys(written.zones)).toEqual(['Europe/Amsterdam']);
    // Nothing but zone names, instants and offsets.
    expect(readFileSync(file, 'utf8')).toMatch(
      /^\{"version":"[^"]*","zones":\{"Europe\/Amsterdam":\[(\[\d+,\d+,\d+\],?)+\]\}\}$/,
    );

    const spans = written.zones['Europe/Amsterdam'] ?? [];
    expect(spans[0]?.[0]).toBeLessThanOrEqual(NOW - 45 * DAY);
    expect(spans.at(-1)?.[1]).toBeGreaterThanOrEqual(NOW + 300 * DAY);
    useZoneSpans(dir, () => NOW);
    expect(knownOffsetSpans('Europe/Amsterdam')?.length).toBe(spans.length);
  });

  it('when the file was made from other ICU data or is damaged, then it is ignored and written again', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hwc-zones-'));
    const file = join(dir, 'zones.json');
    const other = { version: 'other-icu/1999a', zones: { 'Asia/Tokyo': [[0, 10 ** 13, 5 * 3_600_000]] } };
    writeFileSync(file, JSON.stringify(other));
    const save = useZoneSpans(dir, () => NOW);
    expect(knownOffsetSpans('Asia/Tokyo')).toBeUndefined();
    localParts(new Date(NOW), 'Asia/Tokyo');
    save();
    const renewed = JSON.parse(readFileSync(file, 'utf8')) as {
      version: string;
      zones: Record<string, number[][]>;
    };
    expect(renewed.version).not.toBe(other.version);
    expect(renewed.zones['Asia/Tokyo']?.every((span) => span[2] === 9 * 3_600_000)).toBe(true);

    writeFileSync(file, '{"version": ');
    expect(() => useZoneSpans(dir, () => NOW)()).not.toThrow();
  });

  it('when a span in the file has gaps or an impossible offset, then none of that zone is used', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hwc-zones-'));
    const version = `${process.versions.icu ?? ''}/${process.versions.tz ?? ''}`;
    const zones = {
      'America/Chicago': [
        [0, 100, 0],
        [200, 300, 0],
      ],
      'America/Denver': [[0, 10 ** 13, 30 * 3_600_000]],
    };
    writeFileSync(join(dir, 'zones.json'), JSON.stringify({ version, zones }));
    useZoneSpans(dir, () => NOW);
    expect(knownOffsetSpans('America/Chicago')).toBeUndefined();
    expect(knownOffsetSpans('America/Denver')).toBeUndefined();
  });

  it('when the directory cannot be written, then the end of the run throws nothing', () => {
    // A file where the directory would be: not even root can make it.
    const blocker = join(mkdtempSync(join(tmpdir(), 'hwc-zones-')), 'cache');
    writeFileSync(blocker, '');
    const save = useZoneSpans(join(blocker, 'compile'), () => NOW);
    localParts(new Date(NOW), 'Europe/Lisbon');
    expect(() => save()).not.toThrow();
  });
});
