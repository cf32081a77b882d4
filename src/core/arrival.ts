/**
 * When a signal arrived, as opposed to when a check found it: a signal delivered at 18:58 and
 * found at 07:05 arrived at 18:58. The server's INTERNALDATE (RFC 3501 2.3.3: for delivered mail,
 * the time of final delivery) is the arrival; the sender's Date header (RFC 5322 3.6.1: when the
 * sender finished writing it) is used when it is earlier and plausible, for mail that sat in a
 * queue or a server that sets INTERNALDATE on a move. Pure.
 */

/** A clock a few minutes off is normal; more than this and the time is not believed. */
const SKEW_MS = 5 * 60_000;
/** A Date header more than this before delivery is a wrong clock, not a long queue (RFC 5321 4.5.4.1 gives up after 4-5 days). */
const MAX_TRANSIT_MS = 4 * 24 * 60 * 60_000;

export interface ArrivalEvidence {
  /** IMAP INTERNALDATE, from the listing or the full fetch. */
  internalDate?: Date;
  /** The Date header, when it parsed. */
  dateHeader?: Date;
  /** The start of the check that found the signal. */
  foundAt: Date;
}

const valid = (d: Date | undefined): d is Date => d !== undefined && Number.isFinite(d.getTime());

/** The arrival time: never after the check that found it. */
export function arrivalTime(evidence: ArrivalEvidence): Date {
  const found = evidence.foundAt.getTime();
  const internal =
    valid(evidence.internalDate) && evidence.internalDate.getTime() <= found + SKEW_MS
      ? evidence.internalDate.getTime()
      : found;
  let arrival = Math.min(internal, found);
  if (valid(evidence.dateHeader)) {
    const header = evidence.dateHeader.getTime();
    if (header < arrival && header >= arrival - MAX_TRANSIT_MS) arrival = header;
  }
  return new Date(arrival);
}
