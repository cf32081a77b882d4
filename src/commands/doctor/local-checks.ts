import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ResolvedConfig } from '../../config/schema.js';
import { DATABASE_FILE, SqliteStore } from '../../adapters/sqlite-store.js';
import { verifyChain } from '../../core/audit-entry.js';
import { holidayDataUntil, holidayGaps } from '../../core/holidays-nl.js';
import { localDate, nextChecks } from '../../core/schedule.js';
import { GOOGLE_AUTHSERV_ID } from '../../core/trust.js';
import { checkScheduleOf } from '../schedule.js';
import { DAY_MS, type Finding, type Report } from './finding.js';

// About half a year: the next school year's table is published long before, and an upgrade of
// hwc-watcher then fits into a term instead of the summer holiday, when nobody reads the warning.
const CALENDAR_WARN_DAYS = 183;

/** What this machine holds: the clock, the school calendar, the storage and the audit log. */
export function localChecks(config: ResolvedConfig, now: () => Date, report: Report): void {
  report(clockFinding(config, now()));
  report(trustFinding(config));
  report(calendarFinding(config, now()));
  report(storageFinding(config.storage));
  report(auditFinding(config.storage));
}

function clockFinding(config: ResolvedConfig, now: Date): Finding {
  const what = 'clock';
  if (now.getUTCFullYear() < 2025) {
    return {
      status: 'WARN',
      what,
      line: `the system clock says ${now.toISOString()}, which cannot be right; set the clock (e.g. enable systemd-timesyncd)`,
    };
  }
  const local = new Intl.DateTimeFormat('en-GB', {
    timeZone: config.timezone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(now);
  const [next] = nextChecks(now, checkScheduleOf(config), 1);
  const nextText = next
    ? `; next check ${localDate(next, config.timezone)} ${new Intl.DateTimeFormat('en-GB', {
        timeZone: config.timezone,
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      }).format(next)} (see hwc schedule)`
    : '';
  return {
    status: 'OK',
    what,
    line: `${config.timezone}: it is ${localDate(now, config.timezone)} ${local} there${nextText}`,
  };
}

/**
 * Which Authentication-Results decide whether a signal is trusted (src/core/trust.ts). Without a
 * receiving server named, anyone who can reach the school's MX can write a From: of Veilig Thuis.
 */
export function trustFinding(config: Pick<ResolvedConfig, 'trustedAuthservId' | 'receivingServer'>): Finding {
  const what = 'trust';
  const id = config.trustedAuthservId;
  switch (config.receivingServer) {
    case 'microsoft365':
      return {
        status: 'OK',
        what,
        line: 'a signal needs an aligned DKIM or DMARC pass in the topmost Authentication-Results header, which Exchange Online writes without authserv-id',
      };
    case 'google':
      return {
        status: 'OK',
        what,
        line: `a signal needs an aligned DKIM or DMARC pass in the topmost Authentication-Results header of ${GOOGLE_AUTHSERV_ID}`,
      };
    case 'postfix':
    case undefined:
      if (id !== undefined) {
        return {
          status: 'OK',
          what,
          line: `a signal needs an aligned DKIM or DMARC pass in the topmost Authentication-Results of ${id}; that server must remove headers with that authserv-id from incoming mail (OpenDKIM: RemoveARAll yes)`,
        };
      }
  }
  return {
    status: 'WARN',
    what,
    line: 'no receiving server is named, so without authentication results the school trusts the From header alone (anyone can write From: Veilig Thuis); set receivingServer: microsoft365 or google, or trustedAuthservId: <authserv-id of your mail server>',
  };
}

/** The built-in school holidays end somewhere; a school must know before its checks run into that. */
export function calendarFinding(config: ResolvedConfig, now: Date): Finding {
  const what = 'calendar';
  const region = config.schedule.holidays?.region;
  const closedDays = config.schedule.closedDays ?? 'acknowledge';
  if (region === undefined) {
    return {
      status: 'OK',
      what,
      line: `no region: public holidays and schedule.holidays.closed are closed days (closedDays: ${closedDays}); set schedule.holidays.region to skip school holidays too`,
    };
  }
  const until = holidayDataUntil(region);
  const today = localDate(now, config.timezone);
  const [gap] = holidayGaps(region, today, until ?? today);
  if (gap) {
    return {
      status: 'WARN',
      what,
      line: `the ${gap.name} of region ${region} is not built in (${gap.why}); add the school's dates (between ${gap.from} and ${gap.to}) under schedule.holidays.closed`,
    };
  }
  const soon = localDate(new Date(now.getTime() + CALENDAR_WARN_DAYS * DAY_MS), config.timezone);
  if (until === undefined || until < soon) {
    return {
      status: 'WARN',
      what,
      line: `the built-in school holidays for region ${region} end ${until ?? 'before today'}; add the next ones under schedule.holidays.closed, or update hwc-watcher`,
    };
  }
  return {
    status: 'OK',
    what,
    line: `region ${region}, built-in school holidays until ${until} (closedDays: ${closedDays})`,
  };
}

function storageFinding(storage: string): Finding {
  const what = 'storage';
  if (!existsSync(storage)) {
    const parent = dirname(storage);
    try {
      accessSync(parent, constants.W_OK);
      return { status: 'OK', what, line: `${storage} does not exist yet; it will be created with mode 0700` };
    } catch {
      return {
        status: 'FAIL',
        what,
        line: `${storage} does not exist and ${parent} is not writable; create it (install -d -m 0700 ${storage}) for the user that runs hwc`,
      };
    }
  }
  const paths = [storage, join(storage, DATABASE_FILE)].filter((path) => existsSync(path));
  for (const path of paths) {
    const mode = statSync(path).mode & 0o777;
    const fix = `chmod ${path === storage ? '700' : '600'} ${path}`;
    if (mode & 0o006) {
      const how = [mode & 0o004 ? 'readable' : '', mode & 0o002 ? 'writable' : '']
        .filter(Boolean)
        .join(' and ');
      return { status: 'FAIL', what, line: `${path} is world-${how} (mode ${octal(mode)}); ${fix}` };
    }
    if (mode & 0o040) {
      return { status: 'WARN', what, line: `${path} is group-readable (mode ${octal(mode)}); ${fix}` };
    }
  }
  try {
    accessSync(storage, constants.W_OK);
  } catch {
    return { status: 'FAIL', what, line: `${storage} is not writable; give it to the user that runs hwc` };
  }
  return { status: 'OK', what, line: `${storage} is private to its owner` };
}

function octal(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}

function auditFinding(storage: string): Finding {
  const what = 'audit chain';
  if (!existsSync(join(storage, DATABASE_FILE))) {
    return { status: 'OK', what, line: 'no audit log yet (it starts with the first check)' };
  }
  let store: SqliteStore | undefined;
  try {
    store = SqliteStore.open(storage, { readOnly: true });
    const verdict = verifyChain(store.rows());
    if (verdict.intact) {
      return { status: 'OK', what, line: `intact, ${verdict.rows} rows, head ${verdict.head.slice(0, 16)}…` };
    }
    return {
      status: 'FAIL',
      what,
      line: `broken at row ${verdict.firstBrokenId} (${verdict.reason}); run hwc audit verify and investigate before hwc run`,
    };
  } catch {
    return {
      status: 'FAIL',
      what,
      line: `cannot read ${join(storage, DATABASE_FILE)}; check its owner and permissions`,
    };
  } finally {
    store?.close();
  }
}
