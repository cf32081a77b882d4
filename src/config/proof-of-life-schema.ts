import * as z from 'zod';
import { WEEKDAYS, type Weekday } from '../core/vocabulary.js';
import { expecting, field } from './fields.js';

/**
 * `proofOfLife:` (optional; both parts off unless named): `weeklyReport: fri` sends the contacts a
 * content-free mail each week on that day, after its first check; `selfTest: [mon]` (or one day)
 * sends a content-free test mail to the HwC address itself on those days, which the next check
 * must find and removes.
 */
const day = field(`one of ${WEEKDAYS.join(', ')}`, { missing: 'write a day, or remove the key' }, (value) => {
  const text = typeof value === 'string' ? value.trim().toLowerCase() : '';
  return (WEEKDAYS as readonly string[]).includes(text) ? (text as Weekday) : undefined;
});

export const proofOfLifeSchema = z
  .strictObject(
    {
      weeklyReport: day.optional(),
      selfTest: z
        .union([day, z.array(day, { error: expecting('a list of days such as [mon, thu]', '') })])
        .optional()
        .transform((v) => (v === undefined ? undefined : [...new Set(Array.isArray(v) ? v : [v])])),
    },
    {
      error: expecting(
        'a mapping such as { weeklyReport: fri, selfTest: [mon] }',
        'write proofOfLife: { weeklyReport: …, selfTest: … }, or remove the key',
      ),
    },
  )
  .optional();

export interface ProofOfLifeConfig {
  weeklyReport?: Weekday;
  selfTest?: Weekday[];
}

export function proofOfLifeOf(
  p: { weeklyReport?: Weekday | undefined; selfTest?: Weekday[] | undefined } | undefined,
): ProofOfLifeConfig | undefined {
  if (!p || (p.weeklyReport === undefined && !p.selfTest?.length)) return undefined;
  return {
    ...(p.weeklyReport ? { weeklyReport: p.weeklyReport } : {}),
    ...(p.selfTest?.length ? { selfTest: p.selfTest } : {}),
  };
}
