/** Shared reading of the branch-protection slices for the branch controls. */
import type { BranchRestriction, BranchingModel } from '../bitbucket/schemas';
import { applying, describeRestriction } from './restrictions';
import { need, type RepositorySnapshot } from './types';

export interface BranchData {
  restrictions: BranchRestriction[];
  model: BranchingModel | null;
  mainBranch: string;
}

export function branchData(
  data: Pick<RepositorySnapshot, 'branchRestrictions' | 'effectiveBranchingModel'>,
  mainBranch: string,
): BranchData {
  return {
    restrictions: need('branchRestrictions', data.branchRestrictions),
    model: need('effectiveBranchingModel', data.effectiveBranchingModel),
    mainBranch,
  };
}

export function kindApplies(branch: BranchData, kinds: readonly string[]): BranchRestriction[] {
  return applying(branch.restrictions, kinds, branch.mainBranch, branch.model);
}

/** Whether merge checks on the main branch block (an `enforce_merge_checks` restriction applies). */
export function enforced(branch: BranchData): boolean {
  return kindApplies(branch, ['enforce_merge_checks']).length > 0;
}

export function evidenceOf(restrictions: readonly BranchRestriction[]): Record<string, unknown> {
  return { restrictions: restrictions.map(describeRestriction) };
}

export const BRANCH_NEEDS = ['branchRestrictions', 'effectiveBranchingModel'] as const;

export const BRANCH_PROTECTION_STEPS = (what: string) => [
  'Open the repository in Bitbucket and go to Repository settings → Branch restrictions.',
  `Add a restriction for the main branch (or edit the existing one) and ${what}.`,
  'Save; Attest re-checks on its next scheduled run, or press "Re-check" on the repository card.',
];

export const DOCS_BRANCH_RESTRICTIONS = 'https://support.atlassian.com/bitbucket-cloud/docs/use-branch-permissions/';
export const DOCS_MERGE_CHECKS = 'https://support.atlassian.com/bitbucket-cloud/docs/suggest-or-require-checks-before-a-merge/';
