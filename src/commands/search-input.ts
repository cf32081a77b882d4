import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import type { InputStream } from './io.js';

export const SEARCH_PROMPT =
  'Typ per regel een naam of geboortedatum; sluit af met een lege regel of Ctrl-D. Wat u typt wordt niet getoond.\n' +
  'Type one name or birth date per line; end with an empty line or Ctrl-D. What you type is not shown.\n';

/**
 * Reads what `hwc privacy-check` searches for from standard input, one term per line, up to an
 * empty line or the end of input. On a terminal nothing typed is echoed: the terms are a child's
 * name and birth date, and must not stay on the screen, in the scrollback or in a recording.
 * Resolves 'interrupted' on Ctrl-C. The progress lines count the terms and never quote them.
 */
export function readSearchTerms(
  input: InputStream,
  stderr: { write(chunk: string): unknown },
  prompt: string = SEARCH_PROMPT,
): Promise<string[] | 'interrupted'> {
  const tty = input.isTTY === true && typeof input.setRawMode === 'function';
  // On a terminal readline puts the input in raw mode (so the terminal does not echo) and echoes
  // to `output` itself: a sink for output makes typing invisible. No history keeps the lines.
  const lines = createInterface({
    input,
    ...(tty ? { output: sink(), terminal: true } : { terminal: false }),
    crlfDelay: Infinity,
    historySize: 0,
  });
  // Only now, with echo off: what is typed after the prompt appears never reaches the screen.
  if (tty) stderr.write(prompt);
  const terms: string[] = [];
  return new Promise((resolve) => {
    let done = false;
    const finish = (result: string[] | 'interrupted'): void => {
      if (done) return;
      done = true;
      lines.close();
      if (tty) stderr.write('\n');
      resolve(result);
    };
    lines.on('line', (line: string) => {
      if (done) return;
      const term = line.trim();
      if (term === '') return finish(terms);
      terms.push(term);
      if (tty) stderr.write(`  ${terms.length} ontvangen / received\n`);
    });
    lines.on('close', () => finish(terms));
    lines.on('SIGINT', () => finish('interrupted'));
  });
}

function sink(): Writable {
  return new Writable({ write: (_chunk, _encoding, callback) => callback() });
}
