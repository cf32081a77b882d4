export type Status = 'OK' | 'WARN' | 'FAIL';

/** One line of `hwc doctor`'s output. */
export interface Finding {
  status: Status;
  /** What was checked, e.g. "imap tls". */
  what: string;
  /** One line: the result and, for WARN and FAIL, the fix. Never a secret or personal data. */
  line: string;
}

/** Prints a finding as soon as it is known, so that a slow server shows where it is stuck. */
export type Report = (finding: Finding) => void;

/** Per connection: doctor must answer quickly, even when a server does not. */
export const TIMEOUT_MS = 10_000;
export const DAY_MS = 86_400_000;
