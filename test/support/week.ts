/**
 * Mail for the school-week scenario: signals with one or more canary children, newsletters, and a
 * contact's reply to the notification it received (which quotes the child, as real replies do).
 */
import { randomBytes } from 'node:crypto';
import type { StoredMessage } from './mailstack.js';
import { headerOf } from './school.js';

export { signalWithChildren, type CanaryChild } from './school.js';

export function newsletter(to: string, id: string): string {
  return [
    'From: Nieuwsbrief Onderwijsregio <nieuws@example.test>',
    `To: ${to}`,
    'Subject: Nieuwsbrief: Handle with Care in de regio',
    `Message-ID: <${id}>`,
    'List-Unsubscribe: <mailto:uit@example.test>',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Deze maand: tien jaar Handle with Care in onze regio. Lees het verhaal van een leerkracht.',
    '',
  ].join('\r\n');
}

/**
 * A contact's reply to a notification: threaded by In-Reply-To and References, quoting the text
 * (and so the child's name), in base64 when asked, as some mail clients send it.
 */
export function replyTo(
  notification: StoredMessage,
  quotedText: string,
  options: { from: string; to: string; base64?: boolean },
): string {
  const messageId = headerOf(notification.source, 'Message-ID') ?? '';
  const subject = headerOf(notification.source, 'Subject') ?? '';
  const body = [
    'Gezien, ik vang de leerling vanochtend op.',
    '',
    'Handle with Care schreef:',
    ...quotedText.split(/\r?\n/).map((line) => `> ${line}`),
    '',
  ].join('\r\n');
  const encoded = options.base64
    ? (
        Buffer.from(body, 'utf8')
          .toString('base64')
          .match(/.{1,76}/g) ?? []
      ).join('\r\n')
    : body;
  return [
    `From: ${options.from}`,
    `To: ${options.to}`,
    `Subject: Re: ${subject}`,
    `Message-ID: <reply-${randomBytes(6).toString('hex')}@school.test>`,
    `In-Reply-To: ${messageId}`,
    `References: ${messageId}`,
    'Date: Wed, 25 Nov 2026 07:20:00 +0100',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    `Content-Transfer-Encoding: ${options.base64 ? 'base64' : '8bit'}`,
    '',
    encoded,
    '',
  ].join('\r\n');
}
