/**
 * Bitbucket's branch-restriction glob (docs/controls.md "Subjects and the main branch"): `*` matches any run of
 * characters, including `/`; every other character matches itself. Also used for slug rules and
 * protected-branch patterns, which the policy documents with the same meaning.
 */
export function globMatches(pattern: string, value: string): boolean {
  const parts = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*')}$`, 's').test(value);
}
