/**
 * The only field names a log line may carry. The logger drops every other field at run time, and
 * the Logger port (ports.ts) takes its field names from this list, so that a field it would drop
 * does not compile either: no code path can log a subject, an address or a body by accident.
 */
export const LOG_FIELDS = [
  'step',
  'event',
  'outcome',
  'reason',
  'role',
  'kind',
  'folder',
  'folders',
  'uid',
  'count',
  'counts',
  'durationMs',
  'delayMs',
  'attempt',
  'code',
  'responseCode',
  'err',
  'dryRun',
  'host',
  'port',
  'next',
  'head',
  'rows',
  'school',
  'checks',
  'senders',
  'timezone',
  'warning',
  'version',
  'signal',
  'pid',
  /** A school's name in a config directory (its file name), on every line of that school. */
  'schoolName',
] as const;

export type LogField = (typeof LOG_FIELDS)[number];
