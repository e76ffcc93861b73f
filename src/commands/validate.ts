// What the configuration and the device inventory share: ${ENV} expansion, one validator, errors that name the key.
import { Ajv, type ErrorObject } from 'ajv';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export const ajv = new Ajv({ useDefaults: true, coerceTypes: true, allErrors: true, strict: true });

/** `${NAME}` and `${NAME:-default}` in string values; a missing variable is an error naming the key. */
export function expandEnv(value: unknown, env: NodeJS.ProcessEnv, path: string, problems: string[]): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_m, name: string, fallback?: string) => {
      const v = env[name];
      if (v !== undefined && v !== '') return v;
      if (fallback !== undefined) return fallback;
      problems.push(`${path || '(root)'}: environment variable ${name} is not set`);
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => expandEnv(v, env, `${path}[${i}]`, problems));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = expandEnv(v, env, path ? `${path}.${k}` : k, problems);
    return out;
  }
  return value;
}

/** One schema error as `key.path: problem`. `prefix` names where the document sits (e.g. `inventory`). */
export function describeSchemaError(e: ErrorObject, prefix = ''): string {
  const path = e.instancePath.replace(/^\//, '').replace(/\/(\d+)(?=\/|$)/g, '[$1]').replace(/\//g, '.');
  const key = [prefix, path].filter(Boolean).join(path.startsWith('[') ? '' : '.') || '(root)';
  if (e.keyword === 'additionalProperties') {
    const extra = (e.params as { additionalProperty: string }).additionalProperty;
    return `${key === '(root)' ? extra : `${key}.${extra}`}: unknown key`;
  }
  if (e.keyword === 'enum') return `${key}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
  return `${key}: ${e.message ?? 'invalid'}`;
}

