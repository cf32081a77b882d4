import { hashPin } from '../web/pin.js';
import { readSearchTerms } from './search-input.js';
import { EXIT, type Io } from './io.js';

const PROMPT =
  'Typ de pincode (4 tot 12 cijfers) en druk op Enter. Wat u typt wordt niet getoond.\n' +
  'Type the PIN (4 to 12 digits) and press Enter. What you type is not shown.\n';

/**
 * `hwc pin-hash`: the PIN comes on standard input (not shown as typed on a terminal), never on
 * the command line, where ps and the shell history keep it; prints the line for web.pins.<role>.
 */
export async function commandPinHash(io: Io): Promise<number> {
  const lines = io.stdin ? await readSearchTerms(io.stdin, io.stderr, PROMPT) : [];
  if (lines === 'interrupted') return EXIT.usage;
  const pin = lines[0]?.trim() ?? '';
  if (!/^\d{4,12}$/.test(pin)) {
    io.stderr.write(
      'hwc pin-hash: give a PIN of 4 to 12 digits on standard input, e.g. hwc pin-hash < pin.txt\n',
    );
    return EXIT.usage;
  }
  io.stdout.write(`${await hashPin(pin)}\n`);
  return EXIT.ok;
}
