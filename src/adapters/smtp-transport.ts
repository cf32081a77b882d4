/**
 * The one place that opens SMTP connections: TLS, the clear-text rule and the sign-in (a password,
 * or OAuth2 XOAUTH2 with one forced token refresh), for the mailer and for `hwc doctor` alike.
 */
import nodemailer, { type SendMailOptions, type SMTPSentMessageInfo } from 'nodemailer';
import { MailerError } from '../core/errors.js';
import { requiresStartTls } from '../core/loopback.js';
import { OAuth2Error, type AccessTokenSource } from './oauth2-token.js';
import { smtpFailureCode } from './smtp-failure.js';

export interface SmtpServerSettings {
  host: string;
  port: number;
  secure: boolean;
  user: string;
  ca?: string;
  rejectUnauthorized: boolean;
  timeoutMs?: number;
}

/** OAuth2 sign-in: where tokens come from, and what to tell the admin when the server refuses one. */
export interface SmtpOAuth2 {
  tokens: AccessTokenSource;
  refusalHint: string;
}

/** Exactly one of a password and OAuth2 (SASL XOAUTH2). */
export type SmtpTransportSettings = SmtpServerSettings &
  ({ pass: string; oauth2?: undefined } | { oauth2: SmtpOAuth2; pass?: undefined });

type Transport = ReturnType<typeof nodemailer.createTransport>;
export type { SendMailOptions };

export { smtpFailureCode };

export interface SmtpTransportOptions {
  /**
   * One SMTP session for every mail until close(): one TCP connection, STARTTLS and login per
   * check instead of per mail (Microsoft 365 limits concurrent sessions per mailbox). A refused
   * mail (4yz/5yz) resets the session with RSET (RFC 5321 4.1.1.5) and the next one goes on over
   * it; a session the server dropped is opened again for the next mail.
   */
  oneSession?: boolean;
}

/**
 * nodemailer's pool, kept to one connection. A message the server refused before any of it was
 * sent goes out again over a new connection, at most twice; maxMessages is far above what one
 * check sends.
 */
const ONE_SESSION = { pool: true, maxConnections: 1, maxMessages: 1_000, maxRequeues: 2 } as const;

/**
 * A nodemailer transport whose failures to sign in with OAuth2 are a MailerError that names the
 * fix; every other failure is nodemailer's own error, for smtpFailureCode.
 */
export class SmtpTransport {
  readonly #transport: Transport;
  /** The last failed token request, copied: nodemailer overwrites the error's code with EAUTH. */
  #tokenFailure: { code: string; message: string } | undefined;

  constructor(
    private readonly settings: SmtpTransportSettings,
    options: SmtpTransportOptions = {},
  ) {
    this.#transport = nodemailer.createTransport({
      ...(options.oneSession ? ONE_SESSION : {}),
      host: settings.host,
      port: settings.port,
      secure: settings.secure,
      // Credentials never cross a network in clear text.
      requireTLS: requiresStartTls(settings),
      auth: this.#auth(),
      tls: {
        rejectUnauthorized: settings.rejectUnauthorized,
        ...(settings.ca ? { ca: [settings.ca] } : {}),
      },
      connectionTimeout: settings.timeoutMs ?? 30_000,
      greetingTimeout: settings.timeoutMs ?? 30_000,
      socketTimeout: settings.timeoutMs ?? 60_000,
      logger: false,
      debug: false,
    });
  }

  #auth() {
    const { user, oauth2 } = this.settings;
    if (oauth2 === undefined) return { user, pass: this.settings.pass };
    return {
      type: 'OAuth2' as const,
      user,
      // nodemailer asks again with renew = true when the server refused the token; the expiry of
      // "now" makes it ask every time, and the provider's cache decides.
      provisionCallback: (
        _user: string,
        renew: boolean,
        callback: (err: Error | null, token?: string, expires?: number) => void,
      ) => {
        this.#tokenFailure = undefined;
        oauth2.tokens.token({ forceRefresh: renew }).then(
          (token) => callback(null, token, Date.now()),
          (err: unknown) => {
            if (err instanceof OAuth2Error) this.#tokenFailure = { code: err.code, message: err.message };
            callback(err instanceof Error ? err : new Error('token request failed'));
          },
        );
      },
    };
  }

  /** Connects and signs in, sending nothing. */
  verify(): Promise<void> {
    return this.#signedIn(async () => {
      await this.#transport.verify();
    });
  }

  sendMail(mail: SendMailOptions): Promise<SMTPSentMessageInfo> {
    return this.#signedIn(() => this.#transport.sendMail(mail));
  }

  close(): void {
    this.#transport.close();
  }

  /** Closes the connections at once, also one in the middle of a delivery, whose send then fails. */
  abort(): void {
    this.#transport.close({ force: true });
  }

  async #signedIn<T>(work: () => Promise<T>): Promise<T> {
    this.#tokenFailure = undefined;
    try {
      return await work();
    } catch (err) {
      throw this.#signInFailure(err) ?? err;
    }
  }

  /** Read in a method of its own: the assignment happens in nodemailer's callback, out of TS's sight. */
  #signInFailure(err: unknown): MailerError | undefined {
    const tokenFailure = this.#tokenFailure;
    if (tokenFailure) return new MailerError(tokenFailure.code, tokenFailure.message);
    if (this.settings.oauth2 && smtpFailureCode(err) === 'SMTP_AUTH_FAILED') {
      return new MailerError(
        'SMTP_OAUTH2_REFUSED',
        `SMTP refused the OAuth2 token for the mailbox in smtp.auth.user; ${this.settings.oauth2.refusalHint}`,
      );
    }
    return undefined;
  }
}

/** A transport for the given server and sign-in; it connects when first used. */
export function createSmtpTransport(
  settings: SmtpTransportSettings,
  options: SmtpTransportOptions = {},
): SmtpTransport {
  return new SmtpTransport(settings, options);
}
