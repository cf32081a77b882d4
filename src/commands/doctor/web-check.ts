import type { ResolvedConfig } from '../../config/schema.js';
import { TIMEOUT_MS, type Finding, type Report } from './finding.js';

/**
 * Link mode: whether the page answers at web.baseUrl, as a contact's phone reaches it (through
 * the proxy, with the certificate the public trusts). A WARN, not a FAIL: `hwc run` serves the
 * page, and doctor is often run before it starts. Nothing is lost when it does not answer: no
 * confirmation means escalation, the reminder and the dead-man path.
 */
export async function webCheck(config: ResolvedConfig, report: Report): Promise<void> {
  if (config.deliver !== 'link' || !config.web) return;
  report(await webFinding(`${config.web.baseUrl}/healthz`, config.web.baseUrl));
}

export async function webFinding(url: string, baseUrl: string): Promise<Finding> {
  const what = 'web page';
  try {
    const response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) });
    const body = (await response.text()).trim();
    if (response.status === 200 && body === 'ok') return { status: 'OK', what, line: `${baseUrl} answers` };
    return {
      status: 'WARN',
      what,
      line: `${baseUrl} answered ${response.status}, not the link page; check that the reverse proxy passes ${baseUrl}/ to web.listen`,
    };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    const code = cause?.code ?? (err as { name?: string }).name ?? 'error';
    return {
      status: 'WARN',
      what,
      line: `${baseUrl} does not answer (${code}); the links in the notifications open nothing until it does: start hwc run, and check web.listen, the proxy and its certificate`,
    };
  }
}
