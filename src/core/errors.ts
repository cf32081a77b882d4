/**
 * Tiny typed errors. Their messages are fixed English phrases with codes and counts only:
 * never a subject, an address or any text from a mail, because error messages end up in logs.
 */

export class HwcError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The IMAP server cannot be reached, refuses the login, or misbehaves. Exit code 1. */
export class MailboxError extends HwcError {}

/** The SMTP server cannot be reached or refuses our mail. Exit code 1. */
export class MailerError extends HwcError {}

/** A purge left something behind, or the server cannot delete safely. Exit code 1. */
export class PurgeError extends HwcError {}

/** The whole check ran past its budget. Exit code 1. */
export class CheckTimeoutError extends HwcError {}

/** The state database cannot be written (a full disk, a read-only mount). Exit code 1. */
export class StateError extends HwcError {}
