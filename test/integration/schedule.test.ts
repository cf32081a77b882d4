import { describe, expect, it } from 'vitest';
import { makeInstall, runHwc } from '../support/hwc.js';

function install(schedule: Record<string, unknown>) {
  const server = (port: number) => ({
    host: 'imap.example.test',
    port,
    secure: true,
    auth: { user: 'hwc@school.test', pass: { env: 'HWC_IMAP_PASSWORD' } },
  });
  return makeInstall(
    {
      school: 'Basisschool De Proeftuin',
      timezone: 'Europe/Amsterdam',
      imap: server(993),
      smtp: { ...server(465), auth: { user: 'hwc@school.test', pass: { env: 'HWC_SMTP_PASSWORD' } } },
      from: 'hwc@school.test',
      senders: ['@veiligthuis.test'],
      contacts: {
        primary: { name: 'Zorgcoördinator', email: 'zorg@school.test' },
        backup: { name: 'Achterwacht', email: 'backup@school.test' },
      },
      schedule: { checks: ['07:00', '07:45'], days: ['mon', 'tue', 'wed', 'thu', 'fri'], ...schedule },
      escalateAfter: '20m',
    },
    { imap: 'x', smtp: 'y' },
  );
}

describe('hwc schedule', () => {
  it('when closed days are ignored, then the next 10 checks skip the kerstvakantie and say why', async () => {
    const school = install({ holidays: { region: 'midden' }, closedDays: 'ignore' });
    const run = await runHwc(['schedule', '--config', school.configFile, '--from', '2026-12-17'], {
      env: school.env,
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      [
        'Next 10 checks for Basisschool De Proeftuin (timezone Europe/Amsterdam, region midden, closed days: ignore):',
        '  2026-12-17 Thu 07:00',
        '  2026-12-17 Thu 07:45',
        '  2026-12-18 Fri 07:00',
        '  2026-12-18 Fri 07:45',
        '  skipped 2026-12-21 Mon to 2027-01-01 Fri: kerstvakantie (midden)',
        '  2027-01-04 Mon 07:00',
        '  2027-01-04 Mon 07:45',
        '  2027-01-05 Tue 07:00',
        '  2027-01-05 Tue 07:45',
        '  2027-01-06 Wed 07:00',
        '  2027-01-06 Wed 07:45',
        'school holidays from: school rosters 2026-2027 (not yet checked against rijksoverheid.nl)',
        '',
      ].join('\n'),
    );
  });

  it('when closed days are acknowledged, then each closed weekday has one check, marked with the reason', async () => {
    const school = install({ holidays: { region: 'zuid', closed: ['2027-03-25'] } });
    const run = await runHwc(['schedule', '--config', school.configFile, '--from', '2027-03-24'], {
      env: school.env,
    });
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toContain('region zuid, closed days: acknowledge');
    expect(lines.slice(1, 7)).toEqual([
      '  2027-03-24 Wed 07:00',
      '  2027-03-24 Wed 07:45',
      '  2027-03-25 Thu 07:00  (closed by the school (schedule.holidays.closed): one check to pass on and acknowledge signals)',
      '  2027-03-26 Fri 07:00  (Goede Vrijdag: one check to pass on and acknowledge signals)',
      '  2027-03-29 Mon 07:00  (Tweede Paasdag: one check to pass on and acknowledge signals)',
      '  2027-03-30 Tue 07:00',
    ]);
  });

  it('when the built-in holidays of the region end before the checks shown, then it says so', async () => {
    const school = install({ holidays: { region: 'noord' } });
    const run = await runHwc(['schedule', '--config', school.configFile, '--from', '2028-09-04'], {
      env: school.env,
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('note: the built-in school holidays for region noord end 2028-08-27');
  });

  it('when the checks shown run into a holiday that is not built in, then it names it and the fix', async () => {
    const school = install({ holidays: { region: 'zuid' } });
    const run = await runHwc(['schedule', '--config', school.configFile, '--from', '2027-07-01'], {
      env: school.env,
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      'note: the zomervakantie 2027 of region zuid is not built in (the sources disagree; it falls between 2027-07-03 and 2027-09-05); add it under schedule.holidays.closed\n',
    );
  });

  it('when the checks skip an official holiday, then the source is rijksoverheid.nl', async () => {
    const school = install({ holidays: { region: 'zuid' }, closedDays: 'ignore' });
    const run = await runHwc(['schedule', '--config', school.configFile, '--from', '2027-10-21'], {
      env: school.env,
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('  skipped 2027-10-25 Mon to 2027-10-29 Fri: herfstvakantie (zuid)\n');
    expect(run.stdout).toMatch(
      /\nschool holidays from: rijksoverheid\.nl, Overzicht schoolvakanties 2027-2028\n$/,
    );
  });

  it('when the configuration is invalid, then it names the key and exits 78', async () => {
    const school = install({ holidays: { region: 'oost' } });
    const run = await runHwc(['schedule', '--config', school.configFile], { env: school.env });
    expect(run.code).toBe(78);
    expect(run.stderr).toContain('schedule.holidays.region: expected one of noord, midden, zuid, got "oost"');
  });

  it('when --from is not a date, then it exits 64', async () => {
    const school = install({});
    const run = await runHwc(['schedule', '--config', school.configFile, '--from', 'tomorrow'], {
      env: school.env,
    });
    expect(run.code).toBe(64);
  });
});
