import { REPOSITORY_CONTROLS, WORKSPACE_CONTROLS } from '../../src/controls';
import type { RepositorySnapshot, Result, WorkspaceSnapshot } from '../../src/controls/types';
import { evaluateRepository, evaluateWorkspace } from '../../src/engine/evaluate';
import { Policy, type PolicyInput } from '../../src/policy/policy';
import { resolveRepository, resolveWorkspaceExceptions } from '../../src/policy/resolve';
import { NOW, repositorySnapshot, workspaceSnapshot } from '../builders/snapshot';

export interface Case {
  policy?: PolicyInput;
  classification?: 'production' | 'non-production' | 'unclassified';
  mainBranch?: string | null;
  now?: Date;
}

/** Evaluates one repository control through the engine, as a scan would. */
export function checkRepository(id: string, data: Partial<RepositorySnapshot>, options: Case = {}): Result {
  const control = REPOSITORY_CONTROLS.find((candidate) => candidate.id === id);
  if (!control) throw new Error(`no repository control ${id}`);
  // The classification comes from the policy, as in a scan: the case's own (production by default) is added to it.
  const input = options.policy ?? {};
  const classification = options.classification ?? 'production';
  const repositories = { ...input.classification?.repositories, ...(classification === 'unclassified' ? {} : { api: classification }) };
  const policy = Policy.parse({ ...input, classification: { rules: [], ...input.classification, repositories } });
  const now = options.now ?? NOW;
  const identity = { slug: 'api', uuid: '{0f3c1a2b-1111-4222-8333-444455556666}', projectKey: 'CORE' };
  const resolved = resolveRepository(
    [control],
    { identity, mainBranch: options.mainBranch === undefined ? 'main' : options.mainBranch },
    policy,
    now,
  );
  const [result] = evaluateRepository(repositorySnapshot(data), resolved, { policy, now });
  if (!result) throw new Error(`${id} gave no result`);
  return result;
}

export function checkWorkspace(id: string, data: Partial<WorkspaceSnapshot>, options: Case = {}): Result {
  const control = WORKSPACE_CONTROLS.find((candidate) => candidate.id === id);
  if (!control) throw new Error(`no workspace control ${id}`);
  const policy = Policy.parse(options.policy ?? {});
  const now = options.now ?? NOW;
  const [result] = evaluateWorkspace(
    [control],
    workspaceSnapshot(data),
    { policy, now },
    resolveWorkspaceExceptions([control], policy, now),
  );
  if (!result) throw new Error(`${id} gave no result`);
  return result;
}
