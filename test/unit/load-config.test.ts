import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LoadConfigResult, loadConfig } from '../../src/config/load-config.js';
import type { ResolvedConfig } from '../../src/config/schema.js';

const IMAP_PASSWORD = 'imap-Geheim-7731';
const SMTP_PASSWORD = 'smtp-Geheim-9918';

/** A valid configuration; `{{SMTP_PASS}}` and `{{IMAP_TLS}}` are filled in per test. */
const TEMPLATE = `
school: Basisschool De Reuzepas
timezone: Europe/Amsterdam
imap:
  host: imap.example.nl
  port: 993
  secure: true
  {{IMAP_TLS}}
  auth: { user: hwc@school.example.nl, pass: { env: HWC_IMAP_PASSWORD } }
smtp:
  host: smtp.example.nl
  port: 587
  secure: false
  auth: { user: hwc@school.example.nl, pass: {{SMTP_PASS}} }
from: "Handle with Care <hwc@school.example.nl>"
senders: ["@veiligthuis.example.nl"]
contacts:
  primary: { name: Zorgcoördinator, email: zorg@school.example.nl }
  backup: { name: Achterwacht, email: backup@school.example.nl }
schedule: { checks: ["07:00"], days: [mon, tue, wed, thu, fri] }
escalateAfter: 20m
storage: state
`;

let dir: string;
let configDir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hwc-load-config-'));
  configDir = join(dir, 'etc');
  mkdirSync(configDir);
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function writeConfig(options: { smtpPass?: string; imapTls?: string; text?: string } = {}): string {
  const text =
    options.text ??
    TEMPLATE.replace('{{SMTP_PASS}}', options.smtpPass ?? '{ file: smtp-password }').replace(
      '{{IMAP_TLS}}',
      options.imapTls ?? '',
    );
  const path = join(configDir, 'hwc.yaml');
  writeFileSync(path, text);
  return path;
}

const ENV = { HWC_IMAP_PASSWORD: IMAP_PASSWORD };

function ok(result: LoadConfigResult): { config: ResolvedConfig; warnings: string[] } {
  if ('errors' in result) throw new Error(`unexpected errors:\n${result.errors.join('\n')}`);
  return result;
}

function errorsOf(result: LoadConfigResult): string[] {
  if (!('errors' in result)) throw new Error('expected errors, got a config');
  return result.errors;
}

describe('loadConfig: secrets', () => {
  it('when passwords come from env and a relative file, then both are resolved and the file is read next to the config', async () => {
    writeFileSync(join(configDir, 'smtp-password'), `${SMTP_PASSWORD}\n`);
    writeConfig();

    // cwd is elsewhere: the secret file and storage resolve against the config file's directory.
    const { config, warnings } = ok(await loadConfig('etc/hwc.yaml', { env: ENV, cwd: dir }));

    expect(warnings).toEqual([]);
    expect(config.imap.auth.pass?.reveal()).toBe(IMAP_PASSWORD);
    expect(config.smtp.auth.pass?.reveal()).toBe(SMTP_PASSWORD);
    expect(config.storage).toBe(join(configDir, 'state'));
    expect(config.imap.tls).toEqual({ rejectUnauthorized: true });
  });

  it('when the password file ends with CRLF, then only the final line break is removed', async () => {
    writeFileSync(join(configDir, 'smtp-password'), ' with spaces \r\n');
    const { config } = ok(await loadConfig(writeConfig(), { env: ENV, cwd: '/' }));
    expect(config.smtp.auth.pass?.reveal()).toBe(' with spaces ');
  });

  it('when a password is a systemd credential, then it is read from $CREDENTIALS_DIRECTORY', async () => {
    const credentials = join(dir, 'credentials');
    mkdirSync(credentials);
    writeFileSync(join(credentials, 'smtp-password'), `${SMTP_PASSWORD}\n`);
    const path = writeConfig({ smtpPass: '{ credential: smtp-password }' });

    const { config } = ok(
      await loadConfig(path, { env: { ...ENV, CREDENTIALS_DIRECTORY: credentials }, cwd: dir }),
    );

    expect(config.smtp.auth.pass?.reveal()).toBe(SMTP_PASSWORD);
  });

  it('when the credential file is missing, then the error names the key and the LoadCredential fix', async () => {
    const credentials = join(dir, 'credentials');
    mkdirSync(credentials);
    const path = writeConfig({ smtpPass: '{ credential: smtp-password }' });

    const errors = errorsOf(
      await loadConfig(path, { env: { ...ENV, CREDENTIALS_DIRECTORY: credentials }, cwd: dir }),
    );

    expect(errors).toEqual([
      'smtp.auth.pass: cannot read the systemd credential smtp-password in $CREDENTIALS_DIRECTORY (it does not exist); add LoadCredential=smtp-password:/path/to/secret to the service unit',
    ]);
  });

  it('when the environment variable is not set, then the error names the key, the variable and the fix', async () => {
    writeFileSync(join(configDir, 'smtp-password'), SMTP_PASSWORD);
    const errors = errorsOf(await loadConfig(writeConfig(), { env: {}, cwd: dir }));
    expect(errors).toEqual([
      'imap.auth.pass: environment variable HWC_IMAP_PASSWORD is not set; set it, or use { file: /path }',
    ]);
  });

  it('when the password file does not exist, then the error names the key and the path', async () => {
    const errors = errorsOf(await loadConfig(writeConfig(), { env: ENV, cwd: dir }));
    expect(errors).toEqual([
      `smtp.auth.pass: cannot read the password file ${join(configDir, 'smtp-password')} (it does not exist); create it with only the password (chmod 600), or use { env: NAME }`,
    ]);
  });

  it('when the password file cannot be read, then the error says so and never shows its content', async () => {
    writeFileSync(join(configDir, 'smtp-password'), SMTP_PASSWORD);
    const readFile = (p: string) => {
      if (p.endsWith('smtp-password'))
        throw Object.assign(new Error(`EACCES: ${SMTP_PASSWORD}`), { code: 'EACCES' });
      return readFileSync(p, 'utf8');
    };
    const errors = errorsOf(await loadConfig(writeConfig(), { env: ENV, cwd: dir, readFile }));
    expect(errors).toEqual([
      expect.stringMatching(/^smtp\.auth\.pass: cannot read .*\(permission denied for this user\)/),
    ]);
    expect(errors.join('\n')).not.toContain(SMTP_PASSWORD);
  });

  it('when the password file is empty, then it is an error', async () => {
    writeFileSync(join(configDir, 'smtp-password'), '\n');
    const errors = errorsOf(await loadConfig(writeConfig(), { env: ENV, cwd: dir }));
    expect(errors).toEqual([
      `smtp.auth.pass: the password file ${join(configDir, 'smtp-password')} is empty; write the password into it`,
    ]);
  });

  it('when the config is serialised or inspected, then no password appears', async () => {
    writeFileSync(join(configDir, 'smtp-password'), SMTP_PASSWORD);
    const { config } = ok(await loadConfig(writeConfig(), { env: ENV, cwd: dir }));
    for (const text of [
      JSON.stringify(config),
      inspect(config, { depth: 10, showHidden: true }),
      String(config.smtp.auth.pass),
    ]) {
      expect(text).not.toContain(SMTP_PASSWORD);
      expect(text).not.toContain(IMAP_PASSWORD);
    }
  });

  it('when several secrets fail, then every failure is reported', async () => {
    const errors = errorsOf(
      await loadConfig(writeConfig({ imapTls: 'tls: { ca: missing-ca.pem }' }), { env: ENV, cwd: dir }),
    );
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(
      /^imap\.tls\.ca: cannot read the CA certificate file .*missing-ca\.pem \(it does not exist\)/,
    );
    expect(errors[1]).toMatch(/^smtp\.auth\.pass: cannot read the password file/);
  });
});

describe('loadConfig: tls.ca', () => {
  const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

  it('when tls.ca names a PEM file, then its content is in the resolved config', async () => {
    writeFileSync(join(configDir, 'smtp-password'), SMTP_PASSWORD);
    writeFileSync(join(configDir, 'ca.pem'), PEM);
    const { config } = ok(
      await loadConfig(writeConfig({ imapTls: 'tls: { ca: ca.pem }' }), { env: ENV, cwd: dir }),
    );
    expect(config.imap.tls).toEqual({ rejectUnauthorized: true, caFile: join(configDir, 'ca.pem'), ca: PEM });
  });

  it('when tls.ca is not a PEM file, then the error says so', async () => {
    writeFileSync(join(configDir, 'smtp-password'), SMTP_PASSWORD);
    writeFileSync(join(configDir, 'ca.der'), 'binary');
    const errors = errorsOf(
      await loadConfig(writeConfig({ imapTls: 'tls: { ca: ca.der }' }), { env: ENV, cwd: dir }),
    );
    expect(errors).toEqual([
      `imap.tls.ca: ${join(configDir, 'ca.der')} does not contain a PEM certificate (-----BEGIN CERTIFICATE-----); use the CA certificate in PEM format`,
    ]);
  });
});

describe('loadConfig: the file itself', () => {
  it('when the YAML has a syntax error, then the error gives the line and column and not the line text', async () => {
    const text = TEMPLATE.replace('{{IMAP_TLS}}', '').replace('{{SMTP_PASS}}', `"${SMTP_PASSWORD}`);
    const path = writeConfig({ text });
    const errors = errorsOf(await loadConfig(path, { env: ENV, cwd: dir }));
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toMatch(new RegExp(`^${path}: line \\d+, column \\d+: YAML syntax error: `));
    expect(errors.join('\n')).not.toContain(SMTP_PASSWORD);
  });

  it('when the YAML is badly indented, then the error points at the offending line', async () => {
    const path = writeConfig({ text: 'school: X\nimap:\n  host: a\n port: 993\n' });
    const errors = errorsOf(await loadConfig(path, { env: ENV, cwd: dir }));
    expect(errors[0]).toMatch(new RegExp(`^${path}: line 4, column 1: YAML syntax error: `));
  });

  it('when a key appears twice, then it is a YAML error with its line', async () => {
    const path = writeConfig({ text: 'school: A\nschool: B\n' });
    const errors = errorsOf(await loadConfig(path, { env: ENV, cwd: dir }));
    expect(errors).toEqual([
      `${path}: line 2, column 1: YAML syntax error: Map keys must be unique; check the indentation and quotes on or just before that line`,
    ]);
  });

  it('when the configuration file does not exist, then the error names the path', async () => {
    const errors = errorsOf(await loadConfig('nope.yaml', { env: ENV, cwd: dir }));
    expect(errors).toEqual([
      `${join(dir, 'nope.yaml')}: cannot read the configuration file (it does not exist); check the path, or start from config/hwc.example.yaml`,
    ]);
  });

  it('when the file is valid YAML but an invalid configuration, then the parseConfig errors are returned', async () => {
    const path = writeConfig({
      text: TEMPLATE.replace('port: 993', 'port: imap')
        .replace('{{IMAP_TLS}}', '')
        .replace('{{SMTP_PASS}}', '{ file: smtp-password }'),
    });
    const errors = errorsOf(await loadConfig(path, { env: ENV, cwd: dir }));
    expect(errors).toEqual(['imap.port: expected a number between 1 and 65535, got "imap"']);
  });

  it('when the file is empty, then the error says to start from the example', async () => {
    const errors = errorsOf(
      await loadConfig(writeConfig({ text: '# nothing yet\n' }), { env: ENV, cwd: dir }),
    );
    expect(errors).toEqual(['(top level): the configuration is empty; start from config/hwc.example.yaml']);
  });

  it('when a plain-text password is allowed, then the warning comes through and the value is usable', async () => {
    const text = `${TEMPLATE.replace('{{IMAP_TLS}}', '').replace('{{SMTP_PASS}}', `"${SMTP_PASSWORD}"`)}allowPlaintextPassword: true\n`;
    const { config, warnings } = ok(await loadConfig(writeConfig({ text }), { env: ENV, cwd: dir }));
    expect(config.smtp.auth.pass?.reveal()).toBe(SMTP_PASSWORD);
    expect(warnings).toEqual([
      expect.stringMatching(/^smtp\.auth\.pass: the password is written in plain text/),
    ]);
    expect(warnings.join('\n')).not.toContain(SMTP_PASSWORD);
  });

  it('when the example file is loaded with its secrets in place, then it resolves', async () => {
    const example = readFileSync(new URL('../../config/hwc.example.yaml', import.meta.url), 'utf8');
    const passwordFile = join(dir, 'smtp-password');
    writeFileSync(passwordFile, SMTP_PASSWORD);
    chmodSync(passwordFile, 0o600);
    const path = writeConfig({ text: example.replace('/etc/hwc-watcher/smtp-password', passwordFile) });
    const { config } = ok(await loadConfig(path, { env: ENV, cwd: dir }));
    expect(config.smtp.auth.pass?.reveal()).toBe(SMTP_PASSWORD);
    expect(config.storage).toBe('/var/lib/hwc-watcher');
  });
});

describe('an environment variable named like a property every object has', () => {
  it('when pass is { env: constructor } and no such variable is set, then it is not set, though Object.prototype has one', async () => {
    const path = writeConfig({ smtpPass: '{ env: constructor }' });
    const result = await loadConfig(path, { env: { HWC_IMAP_PASSWORD: IMAP_PASSWORD }, cwd: configDir });
    expect(result).toEqual({
      errors: [expect.stringMatching(/^smtp\.auth\.pass: environment variable constructor is not set/)],
    });
  });
});
