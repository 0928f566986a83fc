/**
 * Evaluate: run each enabled control on its slices, in isolation. A failing data need or a throwing
 * control makes that result `not-evaluable` and spares the others; a list the control needs in full that
 * was cut short is `not-evaluable` too. Exceptions are attached to fails; remediation only to fails and
 * not-evaluable results.
 */
import type { ExceptionMatch, NotApplicable, ResolvedRepository } from '../policy/resolve';
import {
  MissingData,
  type Control,
  type EvaluationContext,
  type RepositoryControl,
  type RepositorySnapshot,
  type RepositorySubject,
  type Result,
  type Slice,
  type Verdict,
  type WorkspaceControl,
  type WorkspaceSnapshot,
} from '../controls/types';

function truncatedNeed(control: Control, snapshot: Record<string, Slice<unknown> | undefined>): string | null {
  for (const need of control.needs) {
    const slice = snapshot[need];
    if (slice?.ok && slice.truncated) return need;
  }
  return null;
}

function run(control: Control, evaluate: () => Verdict, snapshot: Record<string, Slice<unknown> | undefined>): Result {
  const truncated = truncatedNeed(control, snapshot);
  if (truncated) {
    return {
      control: control.id,
      outcome: 'not-evaluable',
      message: `The ${truncated} list was longer than one scan reads, so ${control.title.toLowerCase()} cannot be decided.`,
      evidence: { truncated },
      remediation: ['The next scheduled run reads further; if this persists, report it with the repository name.'],
    };
  }
  try {
    const verdict = evaluate();
    const result: Result = { control: control.id, outcome: verdict.outcome, message: verdict.message, evidence: verdict.evidence };
    if (verdict.outcome === 'pass' && verdict.enforced !== undefined) result.enforced = verdict.enforced;
    if (verdict.outcome === 'fail' || verdict.outcome === 'not-evaluable') result.remediation = [...control.remediation.steps];
    return result;
  } catch (error) {
    if (error instanceof MissingData) {
      return {
        control: control.id,
        outcome: 'not-evaluable',
        message: `Could not read ${error.need}: ${error.error.message}.`,
        evidence: { need: error.need, kind: error.error.kind, status: error.error.status },
        remediation: error.error.remediation(),
      };
    }
    return {
      control: control.id,
      outcome: 'not-evaluable',
      message: `The control failed to evaluate: ${error instanceof Error ? error.message : String(error)}.`,
      evidence: { kind: 'internal' },
      remediation: ['Report this to the Attest maintainers; the next scheduled run retries.'],
    };
  }
}

function withException(result: Result, exceptions: ReadonlyMap<string, ExceptionMatch>): Result {
  if (result.outcome !== 'fail') return result;
  const match = exceptions.get(result.control);
  if (!match) return result;
  const { reason, approvedBy, expiresOn } = match.exception;
  return { ...result, exception: { reason, approvedBy, expiresOn, expired: match.expired } };
}

const NOT_APPLICABLE: Record<NotApplicable, { message: string; evidence: Record<string, unknown> }> = {
  'non-production': { message: 'Not checked for non-production repositories.', evidence: { classification: 'non-production' } },
  empty: { message: 'The repository is empty: it has no main branch.', evidence: { mainBranch: null } },
};

/** One applicable control: a branch control sees the main branch as a string. */
function evaluateOne(
  control: RepositoryControl,
  snapshot: Partial<RepositorySnapshot>,
  subject: RepositorySubject,
  context: EvaluationContext,
): Result {
  const data = snapshot as RepositorySnapshot;
  const slices = snapshot as Record<string, Slice<unknown> | undefined>;
  if (!control.needsMainBranch) return run(control, () => control.evaluate(data, subject, context), slices);
  const mainBranch = subject.mainBranch;
  if (mainBranch === null) return { control: control.id, outcome: 'not-applicable', ...NOT_APPLICABLE.empty };
  return run(control, () => control.evaluate(data, { ...subject, mainBranch }, context), slices);
}

/** Runs the controls `resolveRepository` found applicable on what was collected; the others are not applicable. */
export function evaluateRepository(
  snapshot: Partial<RepositorySnapshot>,
  resolved: ResolvedRepository,
  context: EvaluationContext,
): Result[] {
  const subject = { classification: resolved.classification, mainBranch: resolved.mainBranch };
  const results: Result[] = [
    ...resolved.notApplicable.map(({ control, why }): Result => ({
      control: control.id,
      outcome: 'not-applicable',
      ...NOT_APPLICABLE[why],
    })),
    ...resolved.applicable.map((control) => evaluateOne(control, snapshot, subject, context)),
  ];
  return results.map((result) => withException(result, resolved.exceptions)).sort((a, b) => a.control.localeCompare(b.control));
}

export function evaluateWorkspace(
  controls: readonly WorkspaceControl[],
  snapshot: Partial<WorkspaceSnapshot>,
  context: EvaluationContext,
  exceptions: ReadonlyMap<string, ExceptionMatch>,
): Result[] {
  const slices = snapshot as Record<string, Slice<unknown> | undefined>;
  return controls
    .filter((control) => !context.policy.disabledControls.includes(control.id))
    .map((control) =>
      withException(
        run(control, () => control.evaluate(snapshot as WorkspaceSnapshot, context), slices),
        exceptions,
      ),
    )
    .sort((a, b) => a.control.localeCompare(b.control));
}
