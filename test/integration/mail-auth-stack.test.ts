import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { sendSigned, sendUnsigned, stampedResults, type SignedEnvelope } from '../support/mail-auth.js';
import {
  createUser,
  MAILSTACK_SCRIPT,
  mailstackEnv,
  waitForMessages,
  type MailUser,
  type StoredMessage,
} from '../support/mailstack.js';

const execFileAsync = promisify(execFile);

function message(from: string, to: string, extraHeaders: string[] = []): string {
  return [
    ...extraHeaders,
    `From: Veilig Thuis <${from}>`,
    `To: ${to}`,
    'Subject: Handle with Care',
    `Message-ID: <${randomBytes(8).toString('hex')}@mail-auth.test>`,
    'Date: Tue, 25 Nov 2025 09:00:00 +0100',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Dit is een test.',
    '',
  ].join('\r\n');
}

async function receive(send: (to: MailUser) => Promise<void>): Promise<StoredMessage> {
  const user = await createUser('auth');
  await send(user);
  const [received] = await waitForMessages(user, 'INBOX', 1);
  if (!received) throw new Error('no message arrived');
  return received;
}

function signed(from: string, options: Omit<SignedEnvelope, 'from' | 'to'> = {}, extra: string[] = []) {
  return receive((to) =>
    sendSigned(message(from, to.address, extra), { from, to: [to.address], ...options }),
  );
}

function unsigned(from: string, extra: string[] = []) {
  return receive((to) => sendUnsigned(message(from, to.address, extra), { from, to: [to.address] }));
}

/** `method=result` of every DKIM and DMARC result the stack's MX stamped (OpenDKIM adds dkim-atps too). */
function verdicts(received: StoredMessage): string[] {
  const { dkim = [], dmarc = [] } = stampedResults(received.headers);
  return [...dkim.map((r) => `dkim=${r.result}`), ...dmarc.map((r) => `dmarc=${r.result}`)];
}

describe('mail authentication in the private mail stack', () => {
  it('when the stack runs, then its MX stamps as mx.school.test and status lists the three milters', async () => {
    const env = mailstackEnv();
    expect(env.authservId).toBe('mx.school.test');
    const { stdout } = await execFileAsync(MAILSTACK_SCRIPT, ['status'], {
      env: { ...process.env, HWC_MAILSTACK_DIR: env.dir },
    });
    expect(stdout).toMatch(/^verifier: \d+$/m);
    expect(stdout).toMatch(/^opendmarc: \d+$/m);
    expect(stdout).toMatch(/^signer: \d+$/m);
  });

  it('when veiligthuis.test sends through the signing path, then the MX stamps dkim=pass and dmarc=pass', async () => {
    const received = await signed('signaal@veiligthuis.test');
    expect(received.headers).toMatch(/^DKIM-Signature:[^]*?\bd=veiligthuis\.test;/m);
    expect(verdicts(received)).toEqual(['dkim=pass', 'dmarc=pass']);
    const results = stampedResults(received.headers);
    expect(results.dkim?.[0]?.details).toContain('header.d=veiligthuis.test');
    expect(results.dmarc?.[0]?.details).toContain('header.from=veiligthuis.test');
  });

  it('when a subdomain of veiligthuis.test sends through the signing path, then DMARC passes by relaxed alignment', async () => {
    const received = await signed('signaal@regio.veiligthuis.test');
    expect(verdicts(received)).toEqual(['dkim=pass', 'dmarc=pass']);
    expect(stampedResults(received.headers).dkim?.[0]?.details).toContain('header.d=veiligthuis.test');
  });

  it('when a mail From veiligthuis.test is injected on the inbound port unsigned, then dkim=none and dmarc=fail (p=reject)', async () => {
    const received = await unsigned('signaal@veiligthuis.test');
    expect(received.headers).not.toMatch(/^DKIM-Signature:/im);
    expect(verdicts(received)).toEqual(['dkim=none', 'dmarc=fail']);
    expect(stampedResults(received.headers).dmarc?.[0]?.details).toContain('p=reject');
  });

  it('when a mail From gemeente.test (p=quarantine) arrives unsigned, then it is delivered with dmarc=fail, not held', async () => {
    const received = await unsigned('burgerzaken@gemeente.test');
    expect(verdicts(received)).toEqual(['dkim=none', 'dmarc=fail']);
    expect(stampedResults(received.headers).dmarc?.[0]?.details).toContain('p=quarantine');
  });

  it('when a mail From veiligthuis.test is signed by attacker.test, then dkim passes for attacker.test and dmarc fails', async () => {
    const received = await signed('signaal@veiligthuis.test', { signAs: 'attacker.test' });
    expect(received.headers).toMatch(/^DKIM-Signature:[^]*?\bd=attacker\.test;/m);
    expect(received.headers).not.toMatch(/^X-Hwc-Test-Sign-As:/im);
    expect(verdicts(received)).toEqual(['dkim=pass', 'dmarc=fail']);
    expect(stampedResults(received.headers).dkim?.[0]?.details).toContain('header.d=attacker.test');
  });

  it('when a mail is signed as veiligthuis.test with a key that is not published, then dkim and dmarc fail', async () => {
    const received = await signed('signaal@veiligthuis.test', { wrongKey: true });
    expect(received.headers).toMatch(/^DKIM-Signature:[^]*?\bd=veiligthuis\.test;/m);
    expect(verdicts(received)).toEqual(['dkim=fail', 'dmarc=fail']);
    expect(stampedResults(received.headers).dkim?.[0]?.details).toContain('header.d=veiligthuis.test');
  });

  it("when the sender writes its own Authentication-Results with the MX's authserv-id, then it is removed and the real verdict stands", async () => {
    const forged = [
      'Authentication-Results: mx.school.test; dkim=pass header.d=veiligthuis.test; dmarc=pass header.from=veiligthuis.test',
      'Authentication-Results: mx.relay.test; dkim=pass header.d=veiligthuis.test',
      'Received-SPF: pass (mx.school.test: 127.0.0.1 is permitted) client-ip=127.0.0.1; envelope-from=signaal@veiligthuis.test;',
    ];
    const received = await unsigned('signaal@veiligthuis.test', forged);
    expect(verdicts(received)).toEqual(['dkim=none', 'dmarc=fail']);
    expect(received.headers).not.toContain('mx.school.test; dkim=pass header.d=veiligthuis.test; dmarc=pass');
    // Another server's header is not the MX's to judge: it stays (and a trust rule must ignore it).
    expect(received.headers).toContain('Authentication-Results: mx.relay.test; dkim=pass');

    const viaAttacker = await signed('signaal@veiligthuis.test', { signAs: 'attacker.test' }, forged);
    expect(verdicts(viaAttacker)).toEqual(['dkim=pass', 'dmarc=fail']);
  });
});
