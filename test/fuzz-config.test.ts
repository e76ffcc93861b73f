// Property tests of the configuration loader: any document (the example file with values changed, keys removed or
// added, hostile key names, ${ENV} forms) gives a Config or a ConfigError naming keys, never another exception; a
// Config it gave is accepted again unchanged.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { buildConfig, ConfigError, type Config } from '../src/config.js';
import { anyText, PROPERTY_TIMEOUT, runs } from './helpers/fuzz.js';

const ENV = { CAPWATCH_ADMIN_TOKEN_SHA256: 'a'.repeat(64), CAPWATCH_METRICS_TOKEN: 'm', CAPWATCH_OIDC_SECRET: 's' };
const EXAMPLE = parseYaml(readFileSync(new URL('../capwatch.example.yaml', import.meta.url), 'utf8')) as Record<string, unknown>;
// `inventory` names files the loader reads (the inventory, private keys): this property stays off the file system.
delete EXAMPLE.inventory;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every path to a value in the document, maps and lists included. */
function paths(v: unknown, at: string[] = []): string[][] {
  const out = [at];
  if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...at, k]));
  return out;
}
const PATHS = paths(EXAMPLE).filter((p) => p.length > 0);

function setAt(doc: Json, path: readonly string[], value: Json | undefined): Json {
  if (path.length === 0) return value ?? null;
  const [k, ...rest] = path as [string, ...string[]];
  const base: { [k: string]: Json } = doc && typeof doc === 'object' && !Array.isArray(doc) ? { ...doc } : {};
  // defineProperty: a key named `__proto__` must stay an own key, as YAML and JSON parsers make it.
  const next = setAt(base[k] ?? null, rest, value);
  if (value === undefined && rest.length === 0) delete base[k];
  else Object.defineProperty(base, k, { value: next, enumerable: true, writable: true, configurable: true });
  return base;
}

const KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'enabled', 'port', 'x', ''];
const value: fc.Arbitrary<Json | undefined> = fc.oneof(
  fc.jsonValue() as fc.Arbitrary<Json>,
  fc.constantFrom<Json | undefined>(undefined, -1, 0, 65536, 1e21, 1.5, '', ' ', '0', '0x10', 'true', 'yes', '${X}', '${X:-d}', '${', '$${X}', '${X:-${Y}}', '::', '10.0.0.0/33', '0.0.0.0', [], {}, [null], { __proto__: null }),
  anyText,
);
const edit = fc.tuple(fc.oneof(fc.constantFrom(...PATHS), fc.tuple(fc.constantFrom(...PATHS), fc.constantFrom(...KEYS)).map(([p, k]) => [...p, k])), value);

describe('buildConfig properties', () => {
  it('any edited document gives a Config or a ConfigError naming its problems, never another exception', { timeout: PROPERTY_TIMEOUT }, () => {
    fc.assert(
      fc.property(fc.array(edit, { maxLength: 6 }), fc.dictionary(fc.constantFrom('X', 'Y', 'CAPWATCH_ADMIN_TOKEN_SHA256'), fc.string()), (edits, env) => {
        const doc = edits.reduce<Json>((d, [p, v]) => setAt(d, p, v), structuredClone(EXAMPLE) as Json);
        let config: Config;
        try {
          config = buildConfig(doc, { ...ENV, ...env });
        } catch (err) {
          expect(err, String(err)).toBeInstanceOf(ConfigError);
          const problems = (err as ConfigError).problems;
          expect(problems.length).toBeGreaterThan(0);
          for (const p of problems) expect(typeof p === 'string' && p.length > 0).toBe(true);
          return;
        }
        // What the loader accepted, with its defaults filled in, it accepts again as it is. A value that still holds
        // `${` after expansion (`${X:-${Y}}` gives `${Y}`: defaults do not nest) would be expanded a second time.
        if (!JSON.stringify(config).includes('${')) expect(buildConfig(structuredClone(config), { ...ENV, ...env })).toEqual(config);
      }),
      runs(),
    );
  });

  it('documents that are not maps, or maps of anything, fail with a ConfigError', { timeout: PROPERTY_TIMEOUT }, () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string()), fc.jsonValue())), (doc) => {
        try {
          buildConfig(doc, ENV);
        } catch (err) {
          expect(err, String(err)).toBeInstanceOf(ConfigError);
        }
      }),
      runs(),
    );
  });
});
