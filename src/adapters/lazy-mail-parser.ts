import type { MailParser } from '../core/ports.js';

/**
 * The mail parser, loaded on the first message a check reads: mailparser and its dependencies
 * (iconv-lite, libmime, html-to-text, ...) are the largest part of what a command loads, and a
 * morning without mail never needs them.
 */
export const lazyMailParser: MailParser = {
  async parse(raw, maxBytes) {
    const { mailParser } = await import('./mail-parser.js');
    return mailParser.parse(raw, maxBytes);
  },
};
