import { HwcError } from './errors.js';

export interface SafeError {
  name: string;
  code?: string;
  responseCode?: number;
  message?: string;
}

/**
 * Errors are reduced to their kind and code. Only our own errors keep their message, because
 * only those are known to be fixed phrases; a library's message can quote a server reply,
 * and a server reply can quote an address.
 */
export function safeError(err: unknown): SafeError {
  if (!(err instanceof Error)) return { name: typeof err };
  const out: SafeError = { name: err.name };
  const withCode = err as Error & { code?: unknown; responseCode?: unknown; authenticationFailed?: unknown };
  if (typeof withCode.code === 'string') out.code = withCode.code;
  if (typeof withCode.responseCode === 'number') out.responseCode = withCode.responseCode;
  if (withCode.authenticationFailed === true) out.code = out.code ?? 'AUTHENTICATIONFAILED';
  if (err instanceof HwcError) out.message = err.message;
  return out;
}
