import type { Mailbox } from '../core/ports.js';
import type { TriageCandidate } from '../core/triage.js';

/** At most this many messages, and this many bytes, in one FETCH: a batch is held in memory whole. */
const BATCH_MESSAGES = 25;
const BATCH_BYTES = 16 * 1024 * 1024;

/**
 * The sources of the messages a check reads, fetched in batches (one UID FETCH per batch of
 * consecutive candidates in one folder, RFC 3501 6.4.5) instead of one round trip per message.
 * Candidates are still read in triage order, and only one batch is held at a time.
 */
export class SourceBatches {
  #held = new Map<string, Buffer>();

  constructor(
    private readonly mailbox: Mailbox,
    private readonly candidates: readonly TriageCandidate[],
    private readonly maxMessageBytes: number,
  ) {}

  async source(candidate: TriageCandidate): Promise<Buffer | undefined> {
    const { folder, entry } = candidate;
    if (!this.mailbox.fetchSources) return this.mailbox.fetchSource(entry.uid, folder);
    const key = keyOf(candidate);
    if (!this.#held.has(key)) await this.#fetchBatchFrom(candidate);
    const source = this.#held.get(key);
    this.#held.delete(key);
    return source;
  }

  async #fetchBatchFrom(first: TriageCandidate): Promise<void> {
    const start = this.candidates.indexOf(first);
    const batch: number[] = [];
    let bytes = 0;
    for (const candidate of start >= 0 ? this.candidates.slice(start) : [first]) {
      // Too big a message is never downloaded; the batch stays in one folder, in triage order.
      if (candidate.entry.size > this.maxMessageBytes) continue;
      if (candidate.folder !== first.folder) break;
      if (
        batch.length > 0 &&
        (batch.length >= BATCH_MESSAGES || bytes + candidate.entry.size > BATCH_BYTES)
      ) {
        break;
      }
      batch.push(candidate.entry.uid);
      bytes += candidate.entry.size;
    }
    const sources = await this.mailbox.fetchSources?.(batch, first.folder);
    this.#held = new Map([...(sources ?? [])].map(([uid, source]) => [`${first.folder}\n${uid}`, source]));
  }
}

const keyOf = (candidate: TriageCandidate): string => `${candidate.folder}\n${candidate.entry.uid}`;
