/**
 * Evaluate: run each enabled control on its slices, in isolation. A failing data need or a throwing
 * control makes that result `not-evaluable` and spares the others; a list the control needs in full that
 * was cut short is `not-evaluable` too. Exceptions are attached to fails; remediation only to fails and
 * not-evaluable results.
 */
import type { Policy } from '../policy/policy';
import { findException, type RepositoryIdentity } from '../policy/resolve';
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

function withException(result: Result, policy: Policy, identity: RepositoryIdentity | null, now: Date): Result {
  if (result.outcome !== 'fail') return result;
  const match = findException(policy, result.control, identity, now);
  if (!match) return result;
  const { reason, approvedBy, expiresOn } = match.exception;
  return { ...result, exception: { reason, approvedBy, expiresOn, expired: match.expired } };
}

const EMPTY_REPOSITORY = {
  outcome: 'not-applicable' as const,
  message: 'The repository is empty: it has no main branch.',
  evidence: { mainBranch: null },
};

/** One applicable control: a branch control sees the main branch as a string, or is not applicable. */
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
  if (mainBranch === null) return { control: control.id, ...EMPTY_REPOSITORY };
  return run(control, () => control.evaluate(data, { ...subject, mainBranch }, context), slices);
}

export function evaluateRepository(
  controls: readonly RepositoryControl[],
  snapshot: Partial<RepositorySnapshot>,
  subject: RepositorySubject,
  identity: RepositoryIdentity,
  context: EvaluationContext,
): Result[] {
  const results: Result[] = [];
  for (const control of controls) {
    if (context.policy.disabledControls.includes(control.id)) continue;
    let result: Result;
    if (subject.classification === 'non-production' && !control.appliesToNonProduction) {
      result = {
        control: control.id,
        outcome: 'not-applicable',
        message: 'Not checked for non-production repositories.',
        evidence: { classification: 'non-production' },
      };
    } else {
      result = evaluateOne(control, snapshot, subject, context);
    }
    results.push(withException(result, context.policy, identity, context.now));
  }
  return results.sort((a, b) => a.control.localeCompare(b.control));
}

export function evaluateWorkspace(
  controls: readonly WorkspaceControl[],
  snapshot: Partial<WorkspaceSnapshot>,
  context: EvaluationContext,
): Result[] {
  return controls
    .filter((control) => !context.policy.disabledControls.includes(control.id))
    .map((control) =>
      withException(
        run(
          control,
          () => control.evaluate(snapshot as WorkspaceSnapshot, context),
          snapshot as Record<string, Slice<unknown> | undefined>,
        ),
        context.policy,
        null,
        context.now,
      ),
    )
    .sort((a, b) => a.control.localeCompare(b.control));
}
