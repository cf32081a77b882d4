import { parseArgs } from 'node:util';
import { isIsoDate } from './config/formats.js';
import { EXIT, type Io } from './commands/io.js';
import { packageVersion } from './version.js';

export const USAGE = `hwc-watcher: handles Handle with Care signals for a school's dedicated inbox.

Usage:
  hwc check --config FILE [--dry-run] [--json]
                                        one check now, then exit
  hwc run --config FILE [--accept-broken-chain]
                                        the daemon: checks at schedule.checks on schedule.days
  hwc schedule --config FILE [--from DATE]
                                        the next 10 checks in the school's timezone, and the
                                        holidays and closed days skipped in between
  hwc doctor --config FILE [--send-test]
                                        check the config, DNS, TLS certificates, both logins, the
                                        folders, the clock, the storage and the audit chain;
                                        --send-test mails both contacts a content-free test
  hwc absent --config FILE --from DATE [--to DATE] [--contact primary|backup]
                                        record that a contact is away (the backup is told instead)
  hwc parse FILE.eml [--json]           what hwc would conclude from one e-mail; changes nothing
  hwc audit --config FILE [--format text|json|html] [--from DATE] [--to DATE] [--out FILE]
                                        the audit log: dates, times, counts and outcomes only;
                                        html is the printable report for the MR and parents
  hwc audit verify --config FILE [--expect-head HASH]
                                        recompute the audit log's hash chain; with a head from an
                                        earlier log line or report, prove no rows left the end
  hwc audit prune --config FILE         remove rows older than audit.keep, leaving a prune row
  hwc status --config FILE [--json]     per school: last and next check, signals waiting (a count),
                                        absences today, last error, audit head; exit 1 if not well
  hwc privacy-check --config FILE       search every stored byte for a child's name and birth date,
                                        read from standard input, one per line (not shown as typed)
  hwc pin-hash                          read a PIN for the link page from standard input (not
                                        shown as typed) and print its hash for web.pins.<role>
  hwc --help | --version

  check, run, status, doctor, schedule and audit also take --config-dir DIR instead of --config:
  every *.yaml in DIR is one school (defaults.yaml is merged under each), [--school NAME] picks
  one, [--concurrency N] bounds the checks at once (default 4, or board.concurrency)

Exit codes:
  0   done (also when nothing was found)
  1   run error (a server unreachable, a purge not verified, a broken audit chain)
  2   bad input file (hwc parse)
  64  bad command line
  75  another hwc process holds the storage (a check waited checkTimeout, or a second hwc run)
  78  invalid configuration
`;

const OPTIONS = {
  config: { type: 'string', short: 'c' },
  'config-dir': { type: 'string' },
  school: { type: 'string' },
  concurrency: { type: 'string' },
  'dry-run': { type: 'boolean' },
  'accept-broken-chain': { type: 'boolean' },
  'send-test': { type: 'boolean' },
  from: { type: 'string' },
  to: { type: 'string' },
  contact: { type: 'string' },
  json: { type: 'boolean' },
  format: { type: 'string' },
  out: { type: 'string' },
  'expect-head': { type: 'string' },
  name: { type: 'string', multiple: true },
  date: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

type OptionName = keyof typeof OPTIONS;

/** What each command takes, and its one-line usage; any other option is refused (exit 64). */
const COMMAND_OPTIONS: Record<
  string,
  { options: OptionName[]; usage: string; about: Partial<Record<OptionName, string>> }
> = {
  check: {
    options: ['config', 'dry-run', 'json', 'config-dir', 'school', 'concurrency'],
    usage: 'hwc check --config FILE [--dry-run] [--json]',
    about: {
      'dry-run': 'read-only: classify and print what would happen; sends, flags, deletes and records nothing',
      json: 'the result as one JSON object on stdout, the log on stderr (also the default when stdout is not a terminal)',
    },
  },
  run: {
    options: ['config', 'accept-broken-chain', 'config-dir', 'school', 'concurrency'],
    usage: 'hwc run --config FILE [--accept-broken-chain]',
    about: { 'accept-broken-chain': 'start even when the audit chain is broken' },
  },
  schedule: {
    options: ['config', 'from', 'config-dir', 'school', 'concurrency'],
    usage: 'hwc schedule --config FILE [--from DATE]',
    about: { from: 'start the list on this date (YYYY-MM-DD) instead of now' },
  },
  doctor: {
    options: ['config', 'send-test', 'config-dir', 'school', 'concurrency'],
    usage: 'hwc doctor --config FILE [--send-test]',
    about: { 'send-test': 'also mail both contacts a content-free test' },
  },
  absent: {
    options: ['config', 'from', 'to', 'contact'],
    usage: 'hwc absent --config FILE --from DATE [--to DATE] [--contact primary|backup]',
    about: {
      from: 'first day away (YYYY-MM-DD)',
      to: 'last day away, inclusive',
      contact: 'primary (default) or backup',
    },
  },
  parse: {
    options: ['json'],
    usage: 'hwc parse FILE.eml [--json]',
    about: { json: 'print the conclusion as JSON' },
  },
  audit: {
    options: ['config', 'format', 'from', 'to', 'out', 'expect-head', 'config-dir', 'school', 'concurrency'],
    usage:
      'hwc audit --config FILE [--format text|json|html] [--from DATE] [--to DATE] [--out FILE]\n' +
      '  hwc audit verify --config FILE [--expect-head HASH]\n  hwc audit prune --config FILE',
    about: {
      format: 'text (default), json, or html (the Dutch report for the MR and parents)',
      from: 'first day of the period (YYYY-MM-DD)',
      to: 'last day of the period, inclusive',
      out: 'write the report to this file (mode 0644) instead of stdout',
      'expect-head': 'verify only: a head hash from an earlier report that must still be in the chain',
    },
  },
  status: {
    options: ['config', 'json', 'config-dir', 'school', 'concurrency'],
    usage: 'hwc status --config FILE | --config-dir DIR [--school NAME] [--json]',
    about: { json: 'a JSON list, one entry per school' },
  },
  'pin-hash': {
    options: [],
    usage: 'hwc pin-hash   (the PIN on standard input; prints the line for web.pins.primary or .backup)',
    about: {},
  },
  'privacy-check': {
    options: ['config', 'name', 'date'],
    usage: 'hwc privacy-check --config FILE   (names and dates on standard input, one per line)',
    about: {},
  },
};

/** The audit subcommands take fewer options than the report. */
const AUDIT_SUBCOMMAND_OPTIONS: Record<string, OptionName[]> = {
  verify: ['config', 'expect-head', 'config-dir', 'school', 'concurrency'],
  prune: ['config', 'config-dir', 'school', 'concurrency'],
  report: ['config', 'format', 'from', 'to', 'out', 'config-dir', 'school', 'concurrency'],
};

const BOARD_ABOUT: Partial<Record<OptionName, string>> = {
  'config-dir': 'a directory with one *.yaml per school (defaults.yaml is merged under each)',
  school: 'with --config-dir: only this school (its file name without .yaml)',
  concurrency: 'with --config-dir: checks at once (default: board.concurrency, or 4)',
};

function commandHelp(command: string): string {
  const spec = COMMAND_OPTIONS[command];
  if (!spec) return USAGE;
  const lines = spec.options
    .filter((name) => name !== 'name' && name !== 'date')
    .map((name) => {
      const flag = `--${name}${OPTIONS[name].type === 'string' ? ' VALUE' : ''}`;
      const about =
        name === 'config'
          ? 'the configuration file (this or --config-dir is required)'
          : (spec.about[name] ?? BOARD_ABOUT[name] ?? '');
      return `  ${flag.padEnd(26)}${about}`;
    });
  return `Usage:\n  ${spec.usage}\n\nOptions:\n${lines.join('\n')}\n  ${'--help'.padEnd(26)}this text\n`;
}

/** The first option given that this command (or audit subcommand) does not take, if any. */
function refusedOption(command: string, rest: string[], values: Record<string, unknown>): string | undefined {
  const spec = COMMAND_OPTIONS[command];
  if (!spec) return undefined;
  const allowed =
    command === 'audit' ? (AUDIT_SUBCOMMAND_OPTIONS[rest[0] ?? 'report'] ?? spec.options) : spec.options;
  return Object.keys(values).find(
    (name) => name !== 'help' && name !== 'version' && !allowed.includes(name as OptionName),
  );
}

function parseCommandLine(argv: string[]) {
  return parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
}

type Values = ReturnType<typeof parseCommandLine>['values'];

/** One command's view of the command line: the options, and the positionals after its name. */
interface Invocation {
  command: string;
  values: Values;
  rest: string[];
  io: Io;
}

type Command = (invocation: Invocation) => Promise<number> | number;

// Each command's module is loaded when that command runs, not at start: `hwc check` then never
// parses the modules of doctor, audit, the report or the daemon (see README, Performance).
const audits = () => import('./commands/audit.js');
const checks = () => import('./commands/check.js');
const privacy = () => import('./commands/privacy-check.js');

/** A command that needs --config: without it, the usage error; with it, `run`. */
function withConfig(run: (config: string, invocation: Invocation) => Promise<number> | number): Command {
  return (invocation) => {
    const config = invocation.values.config;
    if (config) return run(config, invocation);
    invocation.io.stderr.write(`hwc ${invocation.command}: --config FILE is required\n`);
    return EXIT.usage;
  };
}

/**
 * A command that takes --config FILE or --config-dir DIR (src/board/): with a directory, `run`
 * once per school, each with its own Io. `pooled`: the whole command takes a place in the
 * directory's concurrency (check and run take one around each check instead).
 */
function withConfigOrDir(
  run: (config: string, invocation: Invocation) => Promise<number> | number,
  pooled = true,
): Command {
  return async (invocation) => {
    const { values, io, command } = invocation;
    const dir = values['config-dir'];
    if (dir === undefined) {
      const misplaced =
        values.school !== undefined
          ? '--school'
          : values.concurrency !== undefined
            ? '--concurrency'
            : undefined;
      if (misplaced && values.config) {
        io.stderr.write(`hwc ${command}: ${misplaced} goes with --config-dir DIR, not with --config FILE\n`);
        return EXIT.usage;
      }
      return withConfig(run)(invocation);
    }
    if (values.config !== undefined) {
      io.stderr.write(`hwc ${command}: give --config FILE or --config-dir DIR, not both\n`);
      return EXIT.usage;
    }
    const { runBoard } = await import('./board/run-board.js');
    return runBoard(
      {
        dir,
        io,
        ...(values.school !== undefined ? { school: values.school } : {}),
        ...(values.concurrency !== undefined ? { concurrency: values.concurrency } : {}),
      },
      {
        name: command,
        pooled,
        buffered: command !== 'run',
        notifies: command === 'run',
        run: (file, own) => run(file, { ...invocation, io: own }),
      },
    );
  };
}

async function status(invocation: Invocation): Promise<number> {
  const { values, io } = invocation;
  const options = { json: values.json ?? false, now: new Date() };
  const { commandStatus, commandStatusDir } = await import('./commands/status.js');
  const dir = values['config-dir'];
  if (dir === undefined) return withConfigOrDir((config) => commandStatus(config, options, io))(invocation);
  if (values.config !== undefined) {
    io.stderr.write('hwc status: give --config FILE or --config-dir DIR, not both\n');
    return EXIT.usage;
  }
  return commandStatusDir(
    {
      dir,
      io,
      ...(values.school !== undefined ? { school: values.school } : {}),
      ...(values.concurrency !== undefined ? { concurrency: values.concurrency } : {}),
    },
    options,
  );
}

function schedule(config: string, { values, io }: Invocation): Promise<number> | number {
  if (values.from !== undefined && !isIsoDate(values.from)) {
    io.stderr.write(`hwc schedule: --from must be a date as YYYY-MM-DD, got "${values.from}"\n`);
    return EXIT.usage;
  }
  const from = values.from ? { from: values.from } : {};
  return import('./commands/schedule.js').then(({ commandSchedule }) =>
    commandSchedule(config, { ...from, now: new Date() }, io),
  );
}

async function absent(config: string, { values, io }: Invocation): Promise<number> {
  const { commandAbsent } = await import('./commands/absent.js');
  return commandAbsent(
    config,
    {
      ...(values.from ? { from: values.from } : {}),
      ...(values.to ? { to: values.to } : {}),
      contact: values.contact ?? 'primary',
    },
    io,
  );
}

function parse({ values, rest, io }: Invocation): Promise<number> | number {
  const file = rest[0];
  if (!file) {
    io.stderr.write('hwc parse: give the path of an .eml file\n');
    return EXIT.usage;
  }
  return import('./commands/parse.js').then(({ commandParse }) =>
    commandParse(file, { json: values.json ?? false }, io),
  );
}

function auditVerify(config: string, { values, io }: Invocation): Promise<number> | number {
  const expectHead = values['expect-head'];
  if (expectHead !== undefined && !/^[0-9a-fA-F]{64}$/.test(expectHead)) {
    io.stderr.write('hwc audit verify: --expect-head must be a SHA-256 hash (64 hex digits)\n');
    return EXIT.usage;
  }
  const options = expectHead ? { expectHead: expectHead.toLowerCase() } : {};
  return audits().then(({ commandAuditVerify }) => commandAuditVerify(config, options, io));
}

/** The audit log itself (text, json or html), after checking --format, --from and --to. */
function auditReport(config: string, { values, io }: Invocation): Promise<number> | number {
  const format = values.format ?? 'text';
  if (format !== 'text' && format !== 'json' && format !== 'html') {
    io.stderr.write(`hwc audit: --format must be text, json or html, got "${format}"\n`);
    return EXIT.usage;
  }
  for (const [flag, date] of [
    ['--from', values.from],
    ['--to', values.to],
  ] as const) {
    if (date !== undefined && !isIsoDate(date)) {
      io.stderr.write(`hwc audit: ${flag} must be a date as YYYY-MM-DD, got "${date}"\n`);
      return EXIT.usage;
    }
  }
  if (values.from && values.to && values.from > values.to) {
    io.stderr.write('hwc audit: --from must not be after --to\n');
    return EXIT.usage;
  }
  const options = {
    ...(values.from ? { from: values.from } : {}),
    ...(values.to ? { to: values.to } : {}),
    ...(values.out ? { out: values.out } : {}),
    now: new Date(),
  };
  return audits().then(({ commandAudit }) => commandAudit(config, { format, ...options }, io));
}

function audit(config: string, invocation: Invocation): Promise<number> | number {
  const subcommand = invocation.rest[0];
  if (subcommand === 'verify') return auditVerify(config, invocation);
  if (subcommand === 'prune') {
    const now = new Date();
    return audits().then(({ commandAuditPrune }) => commandAuditPrune(config, { now }, invocation.io));
  }
  if (subcommand !== undefined) {
    invocation.io.stderr.write(`hwc audit: unknown subcommand "${subcommand}"; use verify or prune\n`);
    return EXIT.usage;
  }
  return auditReport(config, invocation);
}

/** The report of a config directory is one school's: --school names it (verify and prune may run for all). */
const auditCommand: Command = (invocation) => {
  const { values, rest, io } = invocation;
  const report = rest[0] === undefined;
  const schools = values['config-dir'] !== undefined && values.school === undefined;
  if (report && schools) {
    io.stderr.write('hwc audit: with --config-dir, name the school of the report with --school NAME\n');
    return EXIT.usage;
  }
  return withConfigOrDir(audit)(invocation);
};

const COMMANDS: Record<string, Command> = {
  check: withConfigOrDir(
    async (config, { values, io }) =>
      (await import('./commands/check-command.js')).commandCheck(
        config,
        { dryRun: values['dry-run'] ?? false, json: values.json ?? false },
        io,
      ),
    false,
  ),
  run: withConfigOrDir(
    async (config, { values, io }) =>
      (await checks()).commandRun(config, { acceptBrokenChain: values['accept-broken-chain'] ?? false }, io),
    false,
  ),
  schedule: withConfigOrDir(schedule),
  doctor: withConfigOrDir(async (config, { values, io }) =>
    (await import('./commands/doctor/doctor.js')).commandDoctor(
      config,
      { sendTest: values['send-test'] ?? false, now: () => new Date() },
      io,
    ),
  ),
  status,
  absent: withConfig(absent),
  parse,
  audit: auditCommand,
  'pin-hash': async ({ io }) => (await import('./commands/pin-hash.js')).commandPinHash(io),
  'privacy-check': async (invocation) => {
    const { commandPrivacyCheck, NO_SEARCH_ARGUMENTS } = await privacy();
    // What to search for comes on standard input now, never on the command line (ps, shell history).
    if (invocation.values.name || invocation.values.date) {
      invocation.io.stderr.write(NO_SEARCH_ARGUMENTS);
      return EXIT.usage;
    }
    return withConfig((config, { io }) => commandPrivacyCheck(config, io))(invocation);
  },
};

/** The whole command line as a function of its inputs, so that tests can run it in-process. */
export async function main(argv: string[], io: Io): Promise<number> {
  let parsed;
  try {
    parsed = parseCommandLine(argv);
  } catch (err) {
    io.stderr.write(`hwc: ${(err as Error).message}\n\n${USAGE}`);
    return EXIT.usage;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.version) {
    io.stdout.write(`${packageVersion()}\n`);
    return EXIT.ok;
  }
  const run = command !== undefined && Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (values.help && run !== undefined && command !== undefined) {
    io.stdout.write(commandHelp(command));
    return EXIT.ok;
  }
  if (values.help || command === undefined || command === 'help') {
    io.stdout.write(USAGE);
    return values.help || command === 'help' ? EXIT.ok : EXIT.usage;
  }
  if (run === undefined) {
    io.stderr.write(`hwc: unknown command "${command}"\n\n${USAGE}`);
    return EXIT.usage;
  }
  const refused = refusedOption(command, rest, values);
  // privacy-check explains its own refusal of --name and --date.
  if (refused !== undefined && !(command === 'privacy-check' && (refused === 'name' || refused === 'date'))) {
    io.stderr.write(
      `hwc ${command}: --${refused} is not an option of this command\n\n${commandHelp(command)}`,
    );
    return EXIT.usage;
  }
  return run({ command, values, rest, io });
}

/** Runs this process's command line and sets its exit code: what the `hwc` bin does (src/bin.ts). */
export function runFromProcess(): void {
  const io: Io = {
    env: process.env,
    cwd: process.cwd(),
    // A getter: only privacy-check reads standard input, and the other commands leave it alone.
    get stdin() {
      return process.stdin;
    },
    stdout: process.stdout,
    stderr: process.stderr,
    signals: process,
  };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`hwc: unexpected failure (${(err as Error)?.name ?? 'error'})\n`);
      process.exitCode = EXIT.runError;
    },
  );
}
