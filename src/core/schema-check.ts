import Value from 'typebox/value';
import type { TSchema, Static } from 'typebox';
import { HomewardError, type ErrorCode } from './errors.js';

export interface SchemaProblem {
  /** JSON pointer into the checked value, e.g. "/devices/2/kind". */
  path: string;
  message: string;
}

/**
 * The one way we validate at a trust boundary: the same TypeBox (JSON Schema) language fastify uses
 * for routes. Returns every problem, with JSON paths, most specific first.
 */
export function schemaProblems(schema: TSchema, value: unknown): SchemaProblem[] {
  if (Value.Check(schema, value)) return [];
  const problems: SchemaProblem[] = [];
  const seen = new Set<string>();
  for (const error of Value.Errors(schema, value)) {
    // TypeBox reports `additionalProperties` twice (a "schema is false" on the key, then the object);
    // keep the one that names the key.
    if (error.keyword === 'boolean') {
      const text = `${error.instancePath}: is not a known field`;
      if (!seen.has(text)) problems.push({ path: error.instancePath || '/', message: 'is not a known field' });
      seen.add(text);
      continue;
    }
    if (error.keyword === 'additionalProperties') continue;
    // Name each missing property by its own path ("/person: is required"), not the parent's.
    const missing = (error.params as { requiredProperties?: unknown }).requiredProperties;
    if (error.keyword === 'required' && Array.isArray(missing)) {
      for (const name of missing) problems.push({ path: `${error.instancePath}/${String(name)}`, message: 'is required' });
      continue;
    }
    const text = `${error.instancePath}: ${error.message}`;
    if (seen.has(text)) continue;
    seen.add(text);
    problems.push({ path: error.instancePath || '/', message: error.message });
  }
  return problems;
}

/** Checks `value` against `schema` and throws a coded error listing every problem by path. */
export function assertSchema<S extends TSchema>(
  schema: S,
  value: unknown,
  code: ErrorCode,
  what: string,
): Static<S> {
  const problems = schemaProblems(schema, value);
  if (problems.length > 0) {
    const lines = problems.map((p) => `  ${p.path}: ${p.message}`).join('\n');
    throw new HomewardError(code, `${what} is not valid:\n${lines}`, problems);
  }
  return value as Static<S>;
}
