/** The `code` of a failed send: connection problems are run errors, a refused recipient is not. */
export function smtpFailureCode(err: unknown): string {
  const e = err as { code?: string; responseCode?: number } | undefined;
  if (e?.code === 'EAUTH') return 'SMTP_AUTH_FAILED';
  if (typeof e?.code === 'string') return `SMTP_${e.code}`;
  return 'SMTP_ERROR';
}
