/**
 * Whether a Pipelines variable's name looks like a secret (BB-CI-5, BB-CI-6): one of its words — split at `_`,
 * `-`, `.` and lower-to-upper case changes — is one of the policy's `secretVariableWords`, or one of them plus
 * "S" (`AWS_SECRET_ACCESS_KEY`, `npmToken`, `DB_PASSWORDS`; not `KEYCLOAK_URL` or `MONKEY_MODE`).
 */
import type { PipelineVariable } from '../bitbucket/schemas';

export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[\s_.-]+/)
    .filter(Boolean)
    .map((word) => word.toUpperCase());
}

export function looksSecret(name: string, words: readonly string[]): boolean {
  const wanted = new Set(words.map((word) => word.toUpperCase()));
  return nameWords(name).some((word) => wanted.has(word) || (word.endsWith('S') && wanted.has(word.slice(0, -1))));
}

/** An unsecured variable that looks like a secret, where it lives. */
export interface ExposedVariable {
  name: string;
  where: string;
}

/** The secret-looking variables of one place that are not secured, and those whose `secured` flag was not given. */
export function exposedVariables(
  variables: readonly PipelineVariable[],
  place: { where: string; words: readonly string[] },
): { exposed: ExposedVariable[]; unknown: ExposedVariable[]; secretLooking: number } {
  const secret = variables.filter((variable) => looksSecret(variable.key, place.words));
  const at = (variable: PipelineVariable) => ({ name: variable.key, where: place.where });
  return {
    exposed: secret.filter((variable) => variable.secured === false).map(at),
    unknown: secret.filter((variable) => variable.secured === undefined).map(at),
    secretLooking: secret.length,
  };
}
