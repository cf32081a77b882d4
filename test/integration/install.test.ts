/**
 * The release tarball and the Debian package, installed into the real system as root and run as
 * `nobody` with /root, /home and the checkout hidden, as the unit's DynamicUser= and ProtectHome=
 * see the machine; removed again afterwards. Skipped, with the reason, when not root.
 */
import { existsSync, lstatSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sendSigned } from '../support/mail-auth.js';
import { mailstackEnv, waitForMessages } from '../support/mailstack.js';
import { REPO } from '../support/hwc.js';
import { CANARY, createSchool, signalMail, textOf, type School } from '../support/school.js';
import { asNobody, handToNobody, run, systemInstallUnavailable } from '../support/system-install.js';

const VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
const unavailable = systemInstallUnavailable();
if (unavailable) console.log(`install tests skipped: ${unavailable}`);

const work = mkdtempSync(join(tmpdir(), 'hwc-install-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function nobodysSchool(): Promise<School> {
  const env = mailstackEnv();
  const school = await createSchool({ trustedAuthservId: env.authservId });
  handToNobody(school, env.caFile);
  return school;
}

function ok(result: { code: number | null; stdout: string; stderr: string }): string {
  expect(result.code, result.stdout + result.stderr).toBe(0);
  return result.stdout;
}

describe.skipIf(unavailable !== undefined)('a real install, run as an unprivileged user', () => {
  it(
    'when the release tarball is installed with npm install -g, then nobody runs hwc --version and a clean hwc doctor from it, and npm rm -g removes it',
    { timeout: 20 * 60_000 },
    async () => {
      const packed = JSON.parse(
        ok(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: REPO })),
      ) as { filename: string; files: { path: string }[] }[];
      const files = packed[0]?.files.map((f) => f.path) ?? [];
      for (const wanted of [
        'dist/hwc.cjs',
        'dist/cli.js',
        'config/hwc.example.yaml',
        'systemd/hwc-watcher.service',
        'LICENSE',
        'README.md',
        'CHANGELOG.md',
        'SECURITY.md',
        'package.json',
      ]) {
        expect(files).toContain(wanted);
      }
      expect(files.filter((f) => /^(src|test|scripts)\/|\.map$|^node_modules\//.test(f))).toEqual([]);
      const tarball = join(work, packed[0]?.filename ?? '');

      const school = await nobodysSchool();
      try {
        // better-sqlite3 is built here from the registry's package (no prebuilt binary is fetched).
        ok(
          run('npm', ['install', '-g', '--prefer-offline', '--no-audit', '--no-fund', tarball], {
            timeoutMs: 15 * 60_000,
          }),
        );
        const installed = join(ok(run('npm', ['root', '-g'])).trim(), 'hwc-watcher');
        expect(lstatSync(installed).isSymbolicLink()).toBe(false);
        const bin = ok(run('sh', ['-c', 'command -v hwc'])).trim();
        expect(realpathSync(bin)).toBe(join(installed, 'dist/hwc.cjs'));

        expect(ok(asNobody(['hwc', '--version'])).trim()).toBe(VERSION);
        const doctor = asNobody(['hwc', 'doctor', '--config', school.install.configFile], school.install.env);
        const out = ok(doctor);
        expect(out.split('\n').filter((line) => line.startsWith('FAIL'))).toEqual([]);
        expect(out).toMatch(/^OK +imap login/m);
        expect(out).toMatch(/^OK +storage/m);
      } finally {
        run('npm', ['rm', '-g', 'hwc-watcher']);
      }
      expect(existsSync('/usr/bin/hwc') || existsSync('/usr/local/bin/hwc')).toBe(false);
    },
  );

  it(
    'when the Debian package is built and installed with dpkg -i, then nobody runs a real hwc check from /usr/bin/hwc, and dpkg --purge removes every file of it',
    { timeout: 15 * 60_000 },
    async () => {
      const built = ok(
        run('bash', [join(REPO, 'scripts/build-deb'), work], { cwd: REPO, timeoutMs: 10 * 60_000 }),
      );
      const deb = built.trim().split('\n').at(-1) ?? '';
      expect(deb).toMatch(/hwc-watcher_.+_\w+\.deb$/);
      expect(ok(run('dpkg-deb', ['-f', deb, 'Package'])).trim()).toBe('hwc-watcher');
      expect(ok(run('dpkg-deb', ['-f', deb, 'Version'])).trim()).toBe(`${VERSION}-1`);
      expect(ok(run('dpkg-deb', ['-f', deb, 'Depends'])).trim()).toMatch(
        /^nodejs \(>= \d+\.\d+\), nodejs \(<< \d+\)(, libc6 \(>= [\d.]+\).*)?$/,
      );
      expect(ok(run('dpkg-deb', ['-I', deb, 'conffiles'])).trim()).toBe('/etc/hwc-watcher/hwc.example.yaml');
      const contents = ok(run('dpkg-deb', ['-c', deb]));
      for (const path of [
        './usr/bin/hwc -> ../lib/hwc-watcher/dist/hwc.cjs',
        './usr/lib/systemd/system/hwc-watcher.service',
        './usr/lib/hwc-watcher/node_modules/better-sqlite3/build/Release/better_sqlite3.node',
        './usr/share/doc/hwc-watcher/copyright',
      ]) {
        expect(contents).toContain(path);
      }
      expect(contents).toMatch(/^drwx------ root\/root .* \.\/etc\/hwc-watcher\/credentials\/$/m);
      expect(contents).not.toMatch(/node_modules\/(typescript|vitest|eslint|@types)\//);
      expect(contents).not.toMatch(/\/hwc-watcher\/dist\/.*\.map$/m);
      if (run('sh', ['-c', 'command -v lintian']).code === 0) {
        // Debian policy's errors; its warnings (a 0700 credentials directory, no manual page) stay.
        const lintian = run('lintian', ['--tag-display-limit', '0', deb], { timeoutMs: 5 * 60_000 });
        expect(lintian.stdout.split('\n').filter((line) => line.startsWith('E:'))).toEqual([]);
      } else {
        console.log('lintian is not installed: the package was not checked against Debian policy');
      }

      const school = await nobodysSchool();
      try {
        ok(run('dpkg', ['-i', deb]));
        expect(realpathSync('/usr/bin/hwc')).toBe('/usr/lib/hwc-watcher/dist/hwc.cjs');
        expect(ok(asNobody(['hwc', '--version'])).trim()).toBe(VERSION);

        await sendSigned(
          signalMail(school.vt.address, school.hwc.address, { id: 'deb-1@veiligthuis.test' }),
          {
            from: school.vt.address,
            to: [school.hwc.address],
          },
        );
        await waitForMessages(school.hwc, 'INBOX', 1);
        ok(asNobody(['hwc', 'check', '--config', school.install.configFile, '--json'], school.install.env));
        const [notification] = await waitForMessages(school.zorg, 'INBOX', 1);
        expect(await textOf(notification)).toContain(CANARY.name);
      } finally {
        run('dpkg', ['--purge', 'hwc-watcher']);
      }
      for (const path of [
        '/usr/bin/hwc',
        '/usr/lib/hwc-watcher',
        '/usr/lib/systemd/system/hwc-watcher.service',
        '/etc/hwc-watcher',
      ]) {
        expect(existsSync(path), path).toBe(false);
      }
    },
  );
});
