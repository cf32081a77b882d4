/**
 * From the text of a school's config file (and a config directory's shared defaults) to a
 * validated Config: YAML, then parseConfig. Only a config that no earlier run parsed (or whose
 * parse is not kept: config-cache.ts) gets here, so yaml and zod load only then.
 */
import { LineCounter, parseDocument } from 'yaml';
import { deepMerge, schoolDefaultsOf } from './config-defaults.js';
import { parseConfig, type ParseConfigResult } from './parse-config.js';

/** The texts a config is made of, each with the path its messages name. */
export interface ConfigSources {
  configPath: string;
  config: string;
  /** A config directory's shared defaults (`defaults.yaml`), merged under the school's file. */
  defaults?: { path: string; source: string };
}

export function parseSources(
  sources: ConfigSources,
  env: Record<string, string | undefined>,
): ParseConfigResult {
  const yaml = readYaml(sources.config, sources.configPath);
  if ('errors' in yaml) return yaml;
  let data = yaml.data;
  if (sources.defaults) {
    const defaults = readYaml(sources.defaults.source, sources.defaults.path);
    if ('errors' in defaults) return defaults;
    data = deepMerge(schoolDefaultsOf(defaults.data), data);
  }
  const parsed = parseConfig(data, env);
  if ('errors' in parsed) return parsed;
  return { config: parsed.config, warnings: [...yaml.warnings, ...parsed.warnings] };
}

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
