/**
 * Where each control applies (docs/controls.md "Subjects and the main branch", "Classification"):
 * non-production repositories are evaluated only for BB-REPO-1 and BB-REPO-2, and a repository without a
 * main branch (empty) makes every branch control not-applicable. The table is the specification; each row is
 * run through the engine as a scan would.
 */
import { REPOSITORY_CONTROLS } from '../../src/controls';
import { checkRepository } from './harness';

// [id, evaluated for non-production repositories, needs the main branch]
const SPEC: Array<[string, boolean, boolean]> = [
  ['BB-REPO-1', true, false],
  ['BB-REPO-2', true, false],
  ['BB-REPO-3', false, false],
  ['BB-BP-1', false, true],
  ['BB-BP-2', false, true],
  ['BB-BP-3', false, true],
  ['BB-BP-4', false, true],
  ['BB-BP-5', false, true],
  ['BB-CR-1', false, true],
  ['BB-CR-2', false, true],
  ['BB-CR-3', false, true],
  ['BB-CR-4', false, true],
  ['BB-CI-1', false, true],
  ['BB-CI-2', false, false],
  ['BB-CI-3', false, true],
  ['BB-CI-4', false, true],
  ['BB-CI-5', false, false],
  ['BB-VULN-1', false, true],
  ['BB-VULN-2', false, true],
  ['BB-PR-1', false, true],
  ['BB-PR-2', false, true],
];

describe('where each repository control applies', () => {
  it('covers every repository control', () => {
    expect(SPEC.map(([id]) => id).sort()).toEqual(REPOSITORY_CONTROLS.map((control) => control.id).sort());
  });

  it.each(SPEC)('%s: non-production evaluated %s, needs the main branch %s', (id, nonProduction, needsMainBranch) => {
    const nonProd = checkRepository(id, {}, { classification: 'non-production' });
    if (nonProduction) expect(nonProd.outcome).not.toBe('not-applicable');
    else expect(nonProd).toMatchObject({ outcome: 'not-applicable', message: 'Not checked for non-production repositories.' });
    const empty = checkRepository(id, {}, { mainBranch: null });
    if (needsMainBranch)
      expect(empty).toMatchObject({ outcome: 'not-applicable', message: 'The repository is empty: it has no main branch.' });
    else expect(empty.outcome).not.toBe('not-applicable');
  });
});
