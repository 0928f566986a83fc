/**
 * When a branch restriction applies to the main branch (docs/controls.md "Subjects and the main branch"):
 * `glob` patterns match the branch name with `*` standing for a run of characters; `branching_model` types resolve
 * through the repository's effective branching model.
 */
import type { BranchRestriction, BranchingModel } from '../bitbucket/schemas';
import { globMatches } from '../lib/glob';

function modelBranch(branch: NonNullable<BranchingModel['development']> | null | undefined, mainBranch: string): boolean {
  if (!branch) return false;
  if (branch.use_mainbranch) return true;
  const name = branch.branch?.name ?? branch.name ?? null;
  return name === mainBranch;
}

export function appliesToMainBranch(restriction: BranchRestriction, mainBranch: string, model: BranchingModel | null): boolean {
  if ((restriction.branch_match_kind ?? 'glob') === 'glob') return globMatches(restriction.pattern ?? '', mainBranch);
  if (!model) return false;
  switch (restriction.branch_type) {
    case 'development':
      return modelBranch(model.development, mainBranch);
    case 'production':
      return modelBranch(model.production, mainBranch);
    default: {
      const type = model.branch_types.find((candidate) => candidate.kind === restriction.branch_type);
      return type?.prefix !== undefined && type.prefix !== '' && mainBranch.startsWith(type.prefix);
    }
  }
}

/** Whether any restriction needs the effective branching model to resolve (otherwise it is not fetched). */
export function usesBranchingModel(restrictions: readonly BranchRestriction[]): boolean {
  return restrictions.some((restriction) => restriction.branch_match_kind === 'branching_model');
}

export function applying(
  restrictions: readonly BranchRestriction[],
  kinds: readonly string[],
  mainBranch: string,
  model: BranchingModel | null,
): BranchRestriction[] {
  return restrictions.filter((restriction) => kinds.includes(restriction.kind) && appliesToMainBranch(restriction, mainBranch, model));
}

/** A short, stable description of a restriction for evidence. */
export function describeRestriction(restriction: BranchRestriction): Record<string, unknown> {
  return {
    id: restriction.id,
    kind: restriction.kind,
    match:
      (restriction.branch_match_kind ?? 'glob') === 'glob'
        ? `glob:${restriction.pattern ?? ''}`
        : `branching_model:${restriction.branch_type ?? ''}`,
    ...(restriction.value !== undefined && restriction.value !== null ? { value: restriction.value } : {}),
  };
}
