import { REPOSITORY_CONTROLS, WORKSPACE_CONTROLS } from '../../src/controls';
import type { RepositorySnapshot, Result, WorkspaceSnapshot } from '../../src/controls/types';
import { evaluateRepository, evaluateWorkspace } from '../../src/engine/evaluate';
import { Policy, type PolicyInput } from '../../src/policy/policy';
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
  const policy = Policy.parse(options.policy ?? {});
  const subject = {
    classification: options.classification ?? 'production',
    mainBranch: options.mainBranch === undefined ? 'main' : options.mainBranch,
  };
  const [result] = evaluateRepository(
    [control],
    repositorySnapshot(data),
    subject,
    { slug: 'api', uuid: '{0f3c1a2b-1111-4222-8333-444455556666}', projectKey: 'CORE' },
    { policy, now: options.now ?? NOW },
  );
  return result!;
}

export function checkWorkspace(id: string, data: Partial<WorkspaceSnapshot>, options: Case = {}): Result {
  const control = WORKSPACE_CONTROLS.find((candidate) => candidate.id === id);
  if (!control) throw new Error(`no workspace control ${id}`);
  const [result] = evaluateWorkspace([control], workspaceSnapshot(data), {
    policy: Policy.parse(options.policy ?? {}),
    now: options.now ?? NOW,
  });
  return result!;
}
