import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCertificates, startFakeImap, type FakeImapServer } from '../support/fake-mail-servers.js';
import { runHwc } from '../support/hwc.js';
import {
  createNetnsPair,
  inNetns,
  listenInNetns,
  netnsUnavailable,
  SERVER_ADDRESS,
  type NetnsPair,
} from '../support/netns.js';
import { createSchool } from '../support/school.js';

const DAY_MS = 86_400_000;
const unavailable = netnsUnavailable();

/**
 * Only a server that is not on loopback makes a missing STARTTLS a FAIL, and this workplace sends
 * traffic nowhere but loopback and its own namespaces: so the fake IMAP server listens in one
 * namespace and `hwc doctor` runs in another.
 */
describe.skipIf(unavailable)(
  `hwc doctor against a scripted IMAP server on another host${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    let namespaces: NetnsPair | undefined;
    let server: FakeImapServer | undefined;

    beforeAll(async () => {
      namespaces = createNetnsPair();
      const certificates = makeCertificates();
      server = await startFakeImap({
        certificate: certificates.issue(new Date(Date.now() - DAY_MS), new Date(Date.now() + 365 * DAY_MS)),
        startTls: false,
        capabilities: ['UIDPLUS'],
        listenOn: await listenInNetns(namespaces.server, SERVER_ADDRESS),
      });
    });

    // The server first: an open socket would keep its namespace alive after the delete.
    afterAll(async () => {
      await server?.close();
      namespaces?.remove();
    });

    it('when a server that is not on loopback does not offer STARTTLS, then imap tls FAILs and it exits 1', async () => {
      if (!namespaces || !server) throw new Error('the namespaces or the fake server did not start');
      // SMTP stays on the real stack at 127.0.0.1, which the client namespace cannot reach: its
      // lines FAIL too, so only the imap tls line is asserted.
      const school = await createSchool({
        imap: {
          host: SERVER_ADDRESS,
          port: server.port,
          secure: false,
          auth: { user: 'hwc@school.test', pass: { env: 'HWC_IMAP_PASSWORD' } },
        },
      });
      const run = await runHwc(['doctor', '--config', school.install.configFile], {
        env: school.install.env,
        prefix: inNetns(namespaces.client),
      });
      expect(run.stdout).toContain(
        `FAIL  imap tls: ${SERVER_ADDRESS}:${server.port} does not offer STARTTLS; set imap.secure: true with the implicit TLS port, or enable STARTTLS on the server\n`,
      );
      expect(run.code).toBe(1);
    });
  },
);
