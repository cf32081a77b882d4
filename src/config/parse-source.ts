/**
 * From the text of a school's config file (and a config directory's shared defaults) to a
 * validated Config: YAML, then parseConfig. Only a config that no earlier run parsed (or whose
 * parse is not kept: config-cache.ts) gets here, so yaml and zod load only then.
 */
import { deepMerge, schoolDefaultsOf } from './config-defaults.js';
import { parseConfig, type ParseConfigResult } from './parse-config.js';
import { readYaml } from './read-yaml.js';

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
