import { inspect } from 'node:util';

/**
 * A resolved secret. The value sits in an ES private field, so it is not enumerable,
 * not copied by spread or structuredClone, and JSON.stringify, String() and
 * util.inspect (hence pino and console.log) all print `[secret]`. Call `reveal()`
 * only at the point where the value is handed to imapflow or nodemailer.
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return '[secret]';
  }
  toJSON(): string {
    return '[secret]';
  }
  [inspect.custom](): string {
    return '[secret]';
  }
}
