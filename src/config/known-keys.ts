/**
 * Schema introspection for "unknown key" messages: which keys the schema allows at a path.
 */
import type * as z from 'zod';
import { configSchema } from './schema.js';

interface DefLike {
  type: string;
  innerType?: z.core.$ZodType;
  in?: z.core.$ZodType;
  element?: z.core.$ZodType;
  shape?: Record<string, z.core.$ZodType>;
}

function defOf(schema: z.core.$ZodType): DefLike {
  return schema._zod.def as unknown as DefLike;
}

/** Looks through optional/default/transform wrappers to the schema that does the work. */
function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let current = schema;
  for (;;) {
    const def = defOf(current);
    const next = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
    if (next === undefined) return current;
    current = next;
  }
}

/** The keys that the schema allows in the mapping at `path` (for "did you mean"). */
export function knownKeysAt(path: readonly PropertyKey[]): string[] {
  let current = unwrap(configSchema);
  for (const segment of path) {
    const def = defOf(current);
    const child =
      def.type === 'object' ? def.shape?.[String(segment)] : def.type === 'array' ? def.element : undefined;
    if (child === undefined) return [];
    current = unwrap(child);
  }
  const def = defOf(current);
  return def.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}
