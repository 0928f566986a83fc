/**
 * Mutating resolvers: the policy, exceptions, attestations, the offboarded list and "Scan now" are for
 * workspace administrators only, as Bitbucket tells the calling user (`asUser`); anyone else gets
 * FORBIDDEN and nothing changes. Every input is validated as a whole before anything is written, and
 * every change is recorded in the history with who made it.
 */
import { z } from 'zod';
import { controlById } from '../../controls';
import { now } from '../../lib/clock';
import { isUuid, unwrapUuid } from '../../lib/uuid';
import { Attestation, OffboardedPerson, Policy, PolicyException, itemId } from '../../policy/policy';
import { rescanScope, type RescanScope } from '../../policy/rescan-scope';
import { sameRepository } from '../../policy/resolve';
import {
  AttestationInput,
  EvidencePayload,
  ExceptionInput as ContractExceptionInput,
  OffboardedInput,
  PolicyUpdate as ContractPolicyUpdate,
  RecheckInput,
  RevokeInput,
  type ResolverAnswer,
} from '../../contract/resolvers';
import { periodOf } from './read-resolvers';
import { isRepositoryAdmin, isWorkspaceAdmin } from '../../services/authorization';
import { enqueue } from '../../services/scan-jobs';
import { createStore } from '../../store/store';
import { callerOf, extensionOf, type ResolverRequest } from './context';
import { failure, ok, parsePayload, type Envelope } from './envelope';

/** A policy larger than this cannot be stored in one KVS value (240 KiB) with room to spare. */
const MAX_POLICY_BYTES = 200 * 1024;
const SCAN_NOW_INTERVAL_MS = 10 * 60_000;
/** Scan now and the re-plans of policy saves share one run per this interval. */
const MANUAL_PLAN_INTERVAL_MS = 10 * 60_000;

export async function asAdmin(
  request: ResolverRequest,
  refusal = 'Only workspace administrators can change Attest settings.',
): Promise<{ accountId: string; workspaceUuid: string } | Envelope<never>> {
  const { accountId, workspaceUuid } = callerOf(request);
  if (!accountId || !workspaceUuid) return failure('FORBIDDEN', 'Open this from Bitbucket while signed in.');
  if (!(await isWorkspaceAdmin(accountId, workspaceUuid))) return failure('FORBIDDEN', refusal);
  return { accountId, workspaceUuid };
}

/** An `expiresOn` that is a date in the future, or the INVALID_INPUT answer naming it. */
function futureDate(value: string): Envelope<never> | null {
  if (Number.isNaN(Date.parse(value))) return failure('INVALID_INPUT', 'expiresOn: expected a date (YYYY-MM-DD)');
  if (Date.parse(value) <= now().getTime()) return failure('INVALID_INPUT', 'expiresOn: must be in the future');
  return null;
}

function knownControl(field: string) {
  return z.string().refine((id) => controlById(id) !== undefined, `${field}: unknown control id`);
}

/** Saves a whole new policy after validating it; records the change and re-plans the evaluation. */
async function savePolicy(next: unknown, actor: string, what: string, workspaceUuid: string): Promise<Envelope<{ policy: Policy }>> {
  const parsed = Policy.strict().safeParse(next);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return failure('INVALID_INPUT', `${issue?.path.join('.') || 'policy'}: ${issue?.message ?? 'invalid'}`);
  }
  if (Buffer.byteLength(JSON.stringify(parsed.data)) > MAX_POLICY_BYTES)
    return failure('INVALID_INPUT', 'policy: too large to store; remove expired exceptions or old attestations');
  const store = createStore();
  const at = now().toISOString();
  const before = await store.getPolicy();
  await store.putPolicy(parsed.data);
  await store.addHistory([
    { subject: 'workspace', subjectName: 'policy', control: 'policy', from: null, to: null, at, cause: what, actor },
  ]);
  const scope = rescanScope(before, parsed.data);
  if (scope.kind === 'some') await reevaluateSome(scope, workspaceUuid, at);
  if (scope.kind === 'all') await replanAll(workspaceUuid, at);
  return ok({ policy: parsed.data });
}

/** Only what the change affects: the repositories an exception names, and the workspace controls. */
async function reevaluateSome(scope: Extract<RescanScope, { kind: 'some' }>, workspaceUuid: string, at: string): Promise<void> {
  const records = scope.repositories.length > 0 ? await createStore().listRepositories() : [];
  const named = records.filter((record) => scope.repositories.some((reference) => sameRepository(reference, record)));
  await enqueue([
    ...named.map((record) => ({
      job: { kind: 'repository' as const, workspaceUuid, repositoryUuid: record.uuid, cause: 'policy-change', notBefore: at },
    })),
    ...(scope.workspace ? [{ job: { kind: 'workspace' as const, workspaceUuid, cause: 'policy-change' } }] : []),
    { job: { kind: 'summary', workspaceUuid, cause: 'policy-change', notBefore: at }, delayInSeconds: 60 },
  ]);
}

/**
 * Classification and thresholds change verdicts everywhere: re-plan within the budget, sharing Scan now's
 * limit. A re-plan already waiting reads the newest policy when it runs, so a burst of saves costs one.
 */
async function replanAll(workspaceUuid: string, at: string): Promise<void> {
  const store = createStore();
  const scan = await store.getScan();
  const pending = scan.manualPlanAt !== null && Date.parse(scan.manualPlanAt) > Date.parse(at);
  if (pending) return;
  const earliest = scan.manualPlanAt ? Date.parse(scan.manualPlanAt) + MANUAL_PLAN_INTERVAL_MS : 0;
  const runAt = Math.max(Date.parse(at) + 5_000, earliest);
  await enqueue([
    { job: { kind: 'plan', workspaceUuid, cause: 'policy-change' }, delayInSeconds: Math.ceil((runAt - Date.parse(at)) / 1000) },
  ]);
  await store.markScan({ manualPlanAt: new Date(runAt).toISOString() });
}

/** The contract's payload, with the control ids checked against the catalogue. */
const PolicyUpdate = ContractPolicyUpdate.extend({ disabledControls: z.array(knownControl('disabledControls')).optional() });

export async function updatePolicy(request: ResolverRequest) {
  const admin = await asAdmin(request);
  if ('ok' in admin) return admin;
  const input = parsePayload(PolicyUpdate, request.payload);
  if ('error' in input) return input.error;
  const current = await createStore().getPolicy();
  const changed = Object.keys(input.data).sort();
  if (changed.length === 0) return failure('INVALID_INPUT', 'payload: nothing to change');
  return savePolicy({ ...current, ...input.data }, admin.accountId, `policy updated: ${changed.join(', ')}`, admin.workspaceUuid);
}

const ExceptionInput = ContractExceptionInput.extend({ control: knownControl('control') });

export async function addException(request: ResolverRequest) {
  const admin = await asAdmin(request);
  if ('ok' in admin) return admin;
  const input = parsePayload(ExceptionInput, request.payload);
  if ('error' in input) return input.error;
  const invalidDate = futureDate(input.data.expiresOn);
  if (invalidDate) return invalidDate;
  const exception = PolicyException.parse({ ...input.data, approvedBy: admin.accountId });
  const current = await createStore().getPolicy();
  return savePolicy(
    { ...current, exceptions: [...current.exceptions, exception] },
    admin.accountId,
    `exception added: ${exception.control} on ${exception.repository}`,
    admin.workspaceUuid,
  );
}

export async function revokeException(request: ResolverRequest) {
  const admin = await asAdmin(request);
  if ('ok' in admin) return admin;
  const input = parsePayload(RevokeInput, request.payload);
  if ('error' in input) return input.error;
  const current = await createStore().getPolicy();
  const target = current.exceptions.find((exception) => itemId(exception) === input.data.id);
  if (!target) return failure('NOT_FOUND', 'id: no such exception (revoked already, or changed by someone else)');
  return savePolicy(
    { ...current, exceptions: current.exceptions.filter((exception) => exception !== target) },
    admin.accountId,
    `exception revoked: ${target.control} on ${target.repository}`,
    admin.workspaceUuid,
  );
}

export async function addAttestation(request: ResolverRequest) {
  const admin = await asAdmin(request);
  if ('ok' in admin) return admin;
  const input = parsePayload(AttestationInput, request.payload);
  if ('error' in input) return input.error;
  const invalidDate = futureDate(input.data.expiresOn);
  if (invalidDate) return invalidDate;
  const attestation = Attestation.parse({ ...input.data, attestedBy: admin.accountId, attestedOn: now().toISOString() });
  const current = await createStore().getPolicy();
  return savePolicy(
    { ...current, attestations: [...current.attestations, attestation] },
    admin.accountId,
    `attestation added: ${attestation.control}`,
    admin.workspaceUuid,
  );
}

export async function revokeAttestation(request: ResolverRequest) {
  const admin = await asAdmin(request);
  if ('ok' in admin) return admin;
  const input = parsePayload(RevokeInput, request.payload);
  if ('error' in input) return input.error;
  const current = await createStore().getPolicy();
  const target = current.attestations.find((attestation) => itemId(attestation) === input.data.id);
  if (!target) return failure('NOT_FOUND', 'id: no such attestation (revoked already, or changed by someone else)');
  return savePolicy(
    { ...current, attestations: current.attestations.filter((attestation) => attestation !== target) },
    admin.accountId,
    `attestation revoked: ${target.control}`,
    admin.workspaceUuid,
  );
}

/** `accountId[,name[,offboardedOn]]` per line; a header line naming `accountId` is skipped. */
export function parseOffboardedCsv(csv: string, today: string): Array<z.input<typeof OffboardedPerson>> | string {
  const people: Array<z.input<typeof OffboardedPerson>> = [];
  const lines = csv
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);
  for (const [index, line] of lines.entries()) {
    const [accountId = '', name, offboardedOn] = line.split(',').map((cell) => cell.trim().replace(/^"|"$/g, ''));
    if (index === 0 && /account.?id/i.test(accountId)) continue;
    if (!/^[A-Za-z0-9:_-]+$/.test(accountId))
      return `csv: line ${index + 1}: ${JSON.stringify(accountId.slice(0, 40))} is not an account id`;
    people.push({ accountId, ...(name ? { name } : {}), offboardedOn: offboardedOn || today });
  }
  return people;
}

export async function setOffboarded(request: ResolverRequest) {
  const admin = await asAdmin(request);
  if ('ok' in admin) return admin;
  const input = parsePayload(OffboardedInput, request.payload);
  if ('error' in input) return input.error;
  const people = 'csv' in input.data ? parseOffboardedCsv(input.data.csv, now().toISOString().slice(0, 10)) : input.data.people;
  if (typeof people === 'string') return failure('INVALID_INPUT', people);
  const current = await createStore().getPolicy();
  return savePolicy(
    { ...current, offboarded: people },
    admin.accountId,
    `offboarded list set: ${people.length} people`,
    admin.workspaceUuid,
  );
}

/**
 * `evidence/backfill`: reads an audit period's merged pull requests from Bitbucket into the ledger, in queue
 * jobs (`evidence-period`), for administrators (it spends the app's Bitbucket requests). Asking again for the
 * same period while it runs answers its progress; another period replaces it.
 */
export async function backfillEvidence(request: ResolverRequest): Promise<Envelope<ResolverAnswer<'evidence/backfill'>>> {
  const input = parsePayload(EvidencePayload, request.payload);
  if ('error' in input) return input.error;
  const admin = await asAdmin(request);
  if ('ok' in admin) return admin;
  const period = periodOf(input.data);
  if ('ok' in period) return period;
  const store = createStore();
  const [since, until] = [period.since.toISOString(), period.until.toISOString()];
  const current = await store.getEvidencePeriod();
  if (current && current.since === since && current.until === until && current.finishedAt === null) return ok({ state: current });
  const state = {
    since,
    until,
    requestedBy: admin.accountId,
    requestedAt: now().toISOString(),
    done: 0,
    repositories: null,
    recorded: 0,
    gaps: [],
    finishedAt: null,
  };
  await store.putEvidencePeriod(state);
  await enqueue([{ job: { kind: 'evidence-period', workspaceUuid: admin.workspaceUuid, since, until, cause: 'evidence-period' } }]);
  return ok({ state });
}

export async function scanNow(request: ResolverRequest) {
  const admin = await asAdmin(request);
  if ('ok' in admin) return admin;
  const store = createStore();
  const scan = await store.getScan();
  const at = now();
  if (scan.scanNowAt && at.getTime() - Date.parse(scan.scanNowAt) < SCAN_NOW_INTERVAL_MS) {
    return failure('RATE_LIMITED', `A scan was started at ${scan.scanNowAt}; the next one can start 10 minutes after it.`);
  }
  // A policy save's re-plan counts too: waiting, or run less than 10 minutes ago.
  if (scan.manualPlanAt && at.getTime() < Date.parse(scan.manualPlanAt) + MANUAL_PLAN_INTERVAL_MS) {
    return failure(
      'RATE_LIMITED',
      `A re-evaluation after a settings change runs at ${scan.manualPlanAt}; a scan can start 10 minutes after it.`,
    );
  }
  await store.markScan({ scanNowAt: at.toISOString(), manualPlanAt: at.toISOString() });
  await enqueue([{ job: { kind: 'plan', workspaceUuid: admin.workspaceUuid, cause: 'manual-scan' } }]);
  await store.addHistory([
    {
      subject: 'workspace',
      subjectName: 'scan',
      control: 'scan',
      from: null,
      to: null,
      at: at.toISOString(),
      cause: 'scan started by an administrator',
      actor: admin.accountId,
    },
  ]);
  return ok({ queuedAt: at.toISOString() });
}

/** "Re-check" on the repository card: for the repository's administrators. */
export async function recheckRepository(request: ResolverRequest) {
  const input = parsePayload(RecheckInput, request.payload);
  if ('error' in input) return input.error;
  const uuid = input.data.repositoryUuid ?? extensionOf(request).repository?.uuid;
  if (!uuid || !isUuid(uuid)) return failure('INVALID_INPUT', 'repositoryUuid: no repository in the payload or the module context');
  const { accountId, workspaceUuid } = callerOf(request);
  if (!accountId || !workspaceUuid) return failure('FORBIDDEN', 'Open this from Bitbucket while signed in.');
  if (!(await isRepositoryAdmin(accountId, workspaceUuid, uuid)))
    return failure('FORBIDDEN', 'Only the repository’s administrators can re-check it.');
  const at = now().toISOString();
  // One Re-check per repository every 10 minutes (a key with a TTL), so a button cannot spend the hour.
  const last = await createStore().claimRecheck(uuid, at);
  if (last !== null)
    return failure('RATE_LIMITED', `This repository was re-checked at ${last}; it can be re-checked again 10 minutes after that.`);
  await enqueue([{ job: { kind: 'repository', workspaceUuid, repositoryUuid: unwrapUuid(uuid), cause: 'manual-recheck', notBefore: at } }]);
  return ok({ queuedAt: at });
}
