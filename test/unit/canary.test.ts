import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canaryForms, scanForCanaries } from '../support/canary.js';

describe('canary scan', () => {
  const forms = canaryForms(['Quirijn Zwartveld'], ['2014-09-17']);

  it('when a canary is written as base64 at any alignment, then the scan finds it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hwc-canary-'));
    for (const prefix of ['', 'a', 'ab']) {
      writeFileSync(
        join(dir, `b64-${prefix.length}`),
        Buffer.from(`${prefix}Quirijn Zwartveld was here`).toString('base64'),
      );
    }
    const { hits, filesScanned } = scanForCanaries(forms, [dir]);
    expect(filesScanned).toBe(3);
    expect(new Set(hits.map((hit) => hit.file)).size).toBe(3);
  });

  it('when a canary is quoted-printable, lower-cased, or a Dutch date, then the scan finds it', () => {
    const { hits } = scanForCanaries(forms, [], {
      qp: 'Quirijn=20Zwartveld',
      lower: 'quirijn zwartveld',
      date: 'geboren 17-9-2014',
    });
    expect([...new Set(hits.map((hit) => hit.file))].sort()).toEqual(['date', 'lower', 'qp']);
  });

  it('when a file holds only counts, then the scan finds nothing', () => {
    expect(scanForCanaries(forms, [], { clean: '{"signals":1,"children":2}' }).hits).toEqual([]);
  });
});
