/** A YAML file's text as plain data, with errors and warnings that name the line, never quote it. */
import { LineCounter, parseDocument } from 'yaml';

export function readYaml(
  source: string,
  configPath: string,
): { data: unknown; warnings: string[] } | { errors: string[] } {
  const lineCounter = new LineCounter();
  // prettyErrors off: the pretty form quotes the offending line, which may hold a password.
  const doc = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const where = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return `${configPath}: line ${line}, column ${col}`;
  };
  const firstLine = (message: string) => (message.split('\n')[0] ?? '').slice(0, 160);
  if (doc.errors.length > 0) {
    return {
      errors: doc.errors.map(
        (e) =>
          `${where(e.pos[0])}: YAML syntax error: ${firstLine(e.message)}; check the indentation and quotes on or just before that line`,
      ),
    };
  }
  const warnings = doc.warnings.map((w) => `${where(w.pos[0])}: YAML warning: ${firstLine(w.message)}`);
  try {
    return { data: doc.toJS({ maxAliasCount: 100 }), warnings };
  } catch (err) {
    const message = err instanceof Error ? firstLine(err.message) : 'unknown error';
    return { errors: [`${configPath}: YAML error: ${message}`] };
  }
}
