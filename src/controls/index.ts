/**
 * The control catalogue: the only registry. Order is irrelevant; results are sorted by id.
 */
import { approvalsResetOnChange } from './approvals-reset-on-change';
import { defaultReviewersAreAssigned } from './default-reviewers-are-assigned';
import { mainBranchBlocksDirectPushes } from './main-branch-blocks-direct-pushes';
import { mainBranchBlocksForcePushes } from './main-branch-blocks-force-pushes';
import { mainBranchBuildsMostlySucceed } from './main-branch-builds-mostly-succeed';
import { mainBranchCannotBeDeleted } from './main-branch-cannot-be-deleted';
import { membersUseTwoStepVerification } from './members-use-two-step-verification';
import { mergeChecksAreEnforced } from './merge-checks-are-enforced';
import { mergedPullRequestsHadPassingBuild } from './merged-pull-requests-had-passing-build';
import { mergedPullRequestsIndependentlyApproved } from './merged-pull-requests-independently-approved';
import { mergesNeedPassingBuild } from './merges-need-passing-build';
import { nobodyBypassesPushRestriction } from './nobody-bypasses-push-restriction';
import { offboardedPeopleHaveNoAccess } from './offboarded-people-have-no-access';
import { pipelinesIsEnabled } from './pipelines-is-enabled';
import { pipelinesRunSecurityScan } from './pipelines-run-security-scan';
import { pullRequestsNeedEnoughApprovals } from './pull-requests-need-enough-approvals';
import { repositoryIsClassified } from './repository-is-classified';
import { repositoryIsPrivate } from './repository-is-private';
import { privateRepositoryCannotBeForkedPublicly } from './private-repository-cannot-be-forked-publicly';
import { noCriticalFindingsOnMain } from './no-critical-findings-on-main';
import { pipelinesSecretsAreSecured } from './pipelines-secrets-are-secured';
import { securityScannerReports } from './security-scanner-reports';
import { workspaceSecretsAreSecured } from './workspace-secrets-are-secured';
import { accessWasReviewedRecently } from './access-was-reviewed-recently';
import { deployKeysAreReviewed } from './deploy-keys-are-reviewed';
import { revokedAccessIsGone } from './revoked-access-is-gone';
import { requestedChangesBlockMerge } from './requested-changes-block-merge';
import { workspaceHasFewAdministrators } from './workspace-has-few-administrators';
import { workspaceRequiresTwoStepVerification } from './workspace-requires-two-step-verification';
import type { Control, RepositoryControl, WorkspaceControl } from './types';

export const CATALOGUE: readonly Control[] = [
  repositoryIsClassified,
  repositoryIsPrivate,
  privateRepositoryCannotBeForkedPublicly,
  mainBranchBlocksDirectPushes,
  mainBranchBlocksForcePushes,
  mainBranchCannotBeDeleted,
  mergeChecksAreEnforced,
  nobodyBypassesPushRestriction,
  pullRequestsNeedEnoughApprovals,
  approvalsResetOnChange,
  requestedChangesBlockMerge,
  defaultReviewersAreAssigned,
  mergesNeedPassingBuild,
  pipelinesIsEnabled,
  mainBranchBuildsMostlySucceed,
  pipelinesRunSecurityScan,
  pipelinesSecretsAreSecured,
  securityScannerReports,
  noCriticalFindingsOnMain,
  mergedPullRequestsIndependentlyApproved,
  mergedPullRequestsHadPassingBuild,
  offboardedPeopleHaveNoAccess,
  revokedAccessIsGone,
  accessWasReviewedRecently,
  deployKeysAreReviewed,
  workspaceHasFewAdministrators,
  membersUseTwoStepVerification,
  workspaceRequiresTwoStepVerification,
  workspaceSecretsAreSecured,
] as Control[];

export const REPOSITORY_CONTROLS = CATALOGUE.filter((control): control is RepositoryControl => control.scope === 'repository');
export const WORKSPACE_CONTROLS = CATALOGUE.filter((control): control is WorkspaceControl => control.scope === 'workspace');

export function controlById(id: string): Control | undefined {
  return CATALOGUE.find((control) => control.id === id);
}

/** A control the report already names: one the catalogue lacks is a bug, said by name. */
export function requireControl(id: string): Control {
  const control = controlById(id);
  if (!control) throw new Error(`unknown control ${JSON.stringify(id)}: not in the catalogue`);
  return control;
}
