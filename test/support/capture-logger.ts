import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/adapters/logger.js';

/** The project's real logger, writing into a string that a test can search (for canaries, say). */
export function captureLogger(): { logger: Logger; logs: () => string } {
  let logged = '';
  const logger = createLogger(
    new Writable({
      write(chunk, _encoding, done) {
        logged += String(chunk);
        done();
      },
    }),
  );
  return { logger, logs: () => logged };
}
