import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readSearchTerms, SEARCH_PROMPT } from '../../src/commands/search-input.js';
import { sortSearchTerms } from '../../src/commands/privacy-check.js';

const NAME = 'Ysolde Brinkhorst-Vlaskamp';

/** A terminal as readline sees one: a stream with isTTY and setRawMode, recording the mode switches. */
function fakeTerminal() {
  const input = Object.assign(new PassThrough(), {
    isTTY: true,
    rawModes: [] as boolean[],
    setRawMode(mode: boolean) {
      input.rawModes.push(mode);
      return input;
    },
  });
  let stderr = '';
  return { input, stderr: { write: (chunk: string) => (stderr += chunk) }, written: () => stderr };
}

describe('reading what privacy-check searches for', () => {
  it('when typed on a terminal, then echo is off before the prompt, nothing typed is shown, and raw mode is undone', async () => {
    const terminal = fakeTerminal();
    const read = readSearchTerms(terminal.input, terminal.stderr);
    expect(terminal.input.rawModes).toEqual([true]);
    expect(terminal.written()).toBe(SEARCH_PROMPT);
    terminal.input.write(`${NAME}\r`);
    terminal.input.write('29-4-2015\r');
    terminal.input.write('\r');
    expect(await read).toEqual([NAME, '29-4-2015']);
    expect(terminal.input.rawModes).toEqual([true, false]);
    expect(terminal.written()).toContain('Typ per regel een naam of geboortedatum');
    expect(terminal.written()).toContain('Type one name or birth date per line');
    expect(terminal.written()).toContain('2 ontvangen / received');
    expect(terminal.written()).not.toMatch(/Ysolde|Brinkhorst|29-4-2015/);
  });

  it('when a typing mistake is corrected with backspace on a terminal, then the corrected line is read', async () => {
    const terminal = fakeTerminal();
    const read = readSearchTerms(terminal.input, terminal.stderr);
    terminal.input.write(`${NAME}x\x7f\r`);
    terminal.input.write('\x04');
    expect(await read).toEqual([NAME]);
  });

  it('when Ctrl-C is pressed on a terminal, then reading stops as interrupted and raw mode is undone', async () => {
    const terminal = fakeTerminal();
    const read = readSearchTerms(terminal.input, terminal.stderr);
    terminal.input.write(`${NAME}\r`);
    terminal.input.write('\x03');
    expect(await read).toBe('interrupted');
    expect(terminal.input.rawModes).toEqual([true, false]);
  });

  it('when piped, then there is no prompt, lines are read to the end of input, and the last line needs no newline', async () => {
    let stderr = '';
    const terms = await readSearchTerms(Readable.from([`  ${NAME}  \r\n2015-04-29`]), {
      write: (chunk: string) => (stderr += chunk),
    });
    expect(terms).toEqual([NAME, '2015-04-29']);
    expect(stderr).toBe('');
  });

  it('when piped with an empty line, then the input ends at it', async () => {
    const terms = await readSearchTerms(Readable.from([`${NAME}\n\n2015-04-29\n`]), { write: () => true });
    expect(terms).toEqual([NAME]);
  });
});

describe('sorting the lines into names and dates', () => {
  it('when a line reads as a date in any form --date took, then it is a date; a date-like line that is no date is counted apart; anything else is a name', () => {
    expect(
      sortSearchTerms([
        'Ysolde  Brinkhorst-Vlaskamp',
        '2015-04-29',
        '29-4-2015',
        '29/04/2015',
        '29.4.2015',
        '31-02-2015',
        'Teunis van der Quakkelaar',
      ]),
    ).toEqual({
      names: ['Ysolde Brinkhorst-Vlaskamp', 'Teunis van der Quakkelaar'],
      dates: ['2015-04-29', '2015-04-29', '2015-04-29', '2015-04-29'],
      badDates: 1,
    });
  });
});
