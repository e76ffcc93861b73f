// What the configuration loader says about a document: the list of problems, each naming its key ([] = accepted).
import { buildConfig, ConfigError } from '../../src/config.js';

export function configProblems(input: unknown, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    buildConfig(input, env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}
