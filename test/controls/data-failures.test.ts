/**
 * Every control, every data need, every way that need can fail (403, 404, a 429 that never recovers, 5xx,
 * a malformed body): the result is `not-evaluable` with the reason and how to fix it — never pass or fail.
 */
import { REPOSITORY_CONTROLS, WORKSPACE_CONTROLS } from '../../src/controls';
import { FAILURES, failed } from '../builders/snapshot';
import { checkRepository, checkWorkspace } from './harness';

const repositoryRows = REPOSITORY_CONTROLS.flatMap((control) =>
  control.needs
    .filter((need) => need !== 'effectiveBranchingModel')
    .flatMap((need) =>
      FAILURES.map(
        ([label, kind, status]) => [`${control.id}: ${need} fails with ${label} → not-evaluable`, control.id, need, kind, status] as const,
      ),
    ),
);
const workspaceRows = WORKSPACE_CONTROLS.flatMap((control) =>
  control.needs.flatMap((need) =>
    FAILURES.map(
      ([label, kind, status]) => [`${control.id}: ${need} fails with ${label} → not-evaluable`, control.id, need, kind, status] as const,
    ),
  ),
);

describe('data that cannot be read', () => {
  it.each(repositoryRows)('%s', (_name, id, need, kind, status) => {
    const result = checkRepository(id, { [need]: failed(kind, status) });
    expect(result.outcome).toBe('not-evaluable');
    expect(result.message).toContain(`Could not read ${need}`);
    expect(result.evidence).toMatchObject({ need, kind, status });
    expect(result.remediation!.length).toBeGreaterThan(0);
  });

  it.each(workspaceRows.length > 0 ? workspaceRows : [['(none)', '', '', 'forbidden', 403] as const])(
    '%s',
    (_name, id, need, kind, status) => {
      if (!id) return;
      const result = checkWorkspace(id, { [need]: failed(kind, status) }, { policy: { offboarded: [] } });
      expect(result.outcome).toBe('not-evaluable');
      expect(result.evidence).toMatchObject({ need, kind });
    },
  );

  it('a branching-model read that fails makes the branch controls not-evaluable when a restriction needs it', () => {
    const result = checkRepository('BB-BP-1', {
      branchRestrictions: {
        ok: true,
        value: [{ id: 1, kind: 'push', branch_match_kind: 'branching_model', branch_type: 'development', users: [], groups: [] }],
      },
      effectiveBranchingModel: failed('forbidden', 403),
    });
    expect(result).toMatchObject({ outcome: 'not-evaluable', evidence: { need: 'effectiveBranchingModel' } });
  });

  it('a 403 on branch restrictions tells the admin which scope is missing', () => {
    expect(checkRepository('BB-BP-1', { branchRestrictions: failed('forbidden', 403) }).remediation![0]).toContain(
      'admin:repository:bitbucket',
    );
  });
});
