/**
 * Read resolvers: stored state for the dashboard and the cards. They never recompute verdicts. Who sees what
 * is asked of Bitbucket as the caller (services/viewer.ts), never taken from the payload:
 * - workspace-wide views (dashboard, evidence, policy) are for members of the workspace;
 * - within them, repository rows, attention items, history entries and evidence rows only for the
 *   repositories the caller can read in Bitbucket; workspace-wide figures (score, outcomes, rates) stay;
 * - what names people (exception reasons and approvers, attestations, the offboarded list, service
 *   accounts) is for workspace administrators;
 * - a card's repository and pull-request data for those who can read that repository.
 */
import type { Policy } from '../../policy/policy';
import { requestsInWindow } from '../../store/request-ledger';
import { ceilingFor } from '../../services/request-ledger';
import { CATALOGUE } from '../../controls';
import { PULL_REQUEST_CHECK_TITLES } from '../../checks/pull-request-checks';
import { now } from '../../lib/clock';
import { isUuid, unwrapUuid } from '../../lib/uuid';
import { evidenceCsv, nonComplianceReason } from '../../report/evidence';
import { viewerOf, type Viewer } from '../../services/viewer';
import { verifyLedger } from '../../services/evidence-verify';
import type { SummaryMeta } from '../../store/records';
import { ledgerCoverage } from '../../report/coverage';
import { createStore } from '../../store/store';
import { EvidencePayload, PullRequestPayload, RepositoryPayload, type ResolverAnswer } from '../../contract/resolvers';
import { callerOf, extensionOf, type ResolverRequest } from './context';
import { repositoryDelivery } from './delivery-resolvers';
import { failure, ok, parsePayload, type Envelope } from './envelope';

export interface ControlInfo {
  title: string;
  severity: string;
  scope: string;
  remediation: string[];
  docs: string;
}

export function controlCatalogue(): Record<string, ControlInfo> {
  return Object.fromEntries(
    CATALOGUE.map((control) => [
      control.id,
      {
        title: control.title,
        severity: control.severity,
        scope: control.scope,
        remediation: [...control.remediation.steps],
        docs: control.docs,
      },
    ]),
  );
}

/** What `dashboard/get` answers, as the contract the dashboard parses declares it. */
export type DashboardData = ResolverAnswer<'dashboard/get'>;

/**
 * The dashboard's first view, in the same KVS calls however many repositories there are: the summary meta,
 * the workspace results and the scan state (three reads) and the last 30 days of history. The repository rows
 * (2.4 MiB at 10,000 repositories, about 245 of the 4,000 read units a minute) are read only when the
 * Repositories tab is opened: `dashboard/repositories`.
 */
/** The caller as Bitbucket sees them, or the refusal to give a non-member. */
export async function memberViewer(request: ResolverRequest): Promise<Viewer | Envelope<never>> {
  const { accountId, workspaceUuid } = callerOf(request);
  if (!accountId || !workspaceUuid) return failure('FORBIDDEN', 'Open this from Bitbucket while signed in.');
  const viewer = await viewerOf(accountId, workspaceUuid);
  if (!viewer.member) return failure('FORBIDDEN', 'Only members of this workspace can see its compliance.');
  return viewer;
}

const canSee = (viewer: Viewer, uuid: string | null, subject: string) =>
  uuid === null ? subject === 'workspace' : viewer.readable.has(uuid);

/** The attention lists with only what the viewer can read; exception reasons and approvers for administrators. */
function attentionFor(viewer: Viewer, attention: SummaryMeta['attention']): SummaryMeta['attention'] {
  return {
    notEvaluable: attention.notEvaluable.filter((item) => canSee(viewer, item.subjectUuid, item.subject)),
    excepted: attention.excepted
      .filter((item) => canSee(viewer, item.subjectUuid, item.subject))
      .map((item) => (viewer.admin ? item : { ...item, reason: 'Visible to workspace administrators', approvedBy: '' })),
    advisory: attention.advisory.filter((item) => canSee(viewer, item.subjectUuid, item.subject)),
  };
}

export async function getDashboard(request: ResolverRequest): Promise<Envelope<DashboardData>> {
  const viewer = await memberViewer(request);
  if ('ok' in viewer) return viewer;
  const store = createStore();
  const at = now();
  const [summary, workspace, scan, history, requestsLastHour, directory] = await Promise.all([
    store.getSummaryMeta(),
    store.getWorkspace(),
    store.getScan(),
    store.recentHistory(new Date(at.getTime() - 30 * 86_400_000), at, 50),
    requestsInWindow(at.getTime(), { exact: false }),
    store.getPeople(),
  ]);
  const shownHistory = history.filter((entry) => (entry.subject === 'workspace' ? true : viewer.readable.has(entry.subject)));
  const meta = summary
    ? (({ chunks: _chunks, generation: _generation, foldedThrough: _folded, ...rest }) => ({
        ...rest,
        attention: attentionFor(viewer, rest.attention),
      }))(summary)
    : null;
  return ok({
    summary: meta,
    workspaceResults: workspace?.results ?? [],
    freshness: {
      lastPlanAt: scan.lastPlanAt,
      hourlyBudget: scan.hourlyBudget,
      hoursPerFullPass: scan.hoursPerFullPass,
      rateLimitedAt: scan.rateLimitedAt,
      requestsLastHour,
      scanShare: ceilingFor('scan', scan.hourlyBudget),
      truncated: scan.truncated,
      lastFullPassAt: scan.lastFullPassAt,
      installedAt: scan.installedAt,
      repositories: scan.repositories,
    },
    history: shownHistory,
    controls: controlCatalogue(),
    people: namesOf(directory, [
      ...(meta?.attention.excepted.map((item) => item.approvedBy) ?? []),
      ...shownHistory.map((entry) => entry.actor),
    ]),
    now: at.toISOString(),
  });
}

/** The names Attest knows for these account ids (the others are shown as account ids). */
export function namesOf(directory: ReadonlyMap<string, string>, ids: ReadonlyArray<string | null | undefined>): Record<string, string> {
  return Object.fromEntries(ids.flatMap((id) => (id && directory.has(id) ? [[id, directory.get(id) ?? id] as const] : [])));
}

/** Every repository's row of the summary, for the dashboard's Repositories tab (it filters and pages them). */
export async function getDashboardRepositories(request: ResolverRequest): Promise<Envelope<ResolverAnswer<'dashboard/repositories'>>> {
  const viewer = await memberViewer(request);
  if ('ok' in viewer) return viewer;
  const summary = await createStore().getSummary();
  return ok({
    generatedAt: summary?.meta.generatedAt ?? null,
    // What the table shows; the outcomes and attention kept for the totals stay in the store.
    repositories: (summary?.rows ?? [])
      .filter((row) => viewer.readable.has(row.uuid))
      .map(({ uuid, slug, project, classification, score, counts, failing, evaluatedAt }) => ({
        uuid,
        slug,
        project,
        classification,
        score,
        counts,
        failing,
        evaluatedAt,
      })),
  });
}

/** An audit period from the UI's dates: `until` after `since`, at most 400 days. */
export function periodOf(input: { since: string; until: string }): { since: Date; until: Date } | Envelope<never> {
  const since = new Date(input.since);
  const until = new Date(input.until);
  if (until <= since) return failure('INVALID_INPUT', 'until: must be after since');
  if (until.getTime() - since.getTime() > 400 * 86_400_000) return failure('INVALID_INPUT', 'until: a period is at most 400 days');
  return { since, until };
}

export async function getEvidence(request: ResolverRequest) {
  const input = parsePayload(EvidencePayload, request.payload);
  if ('error' in input) return input.error;
  const viewer = await memberViewer(request);
  if ('ok' in viewer) return viewer;
  const period = periodOf(input.data);
  if ('ok' in period) return period;
  const { since, until } = period;
  // Only pull requests of repositories the caller can read: the counts below are of those.
  const store = createStore();
  const records = (await store.listEvidenceBetween(since, until)).filter((record) => viewer.readable.has(record.repositoryUuid));
  const compliant = records.filter((record) => record.independentlyApproved && record.passingBuild);
  const [stored, requested] = await Promise.all([store.listRepositories(), store.getEvidencePeriod()]);
  const repositories = stored.filter((record) => viewer.readable.has(record.uuid));
  // This period's reading from Bitbucket; what it could not cover names repositories, so for administrators only.
  const backfill =
    requested && requested.since === since.toISOString() && requested.until === until.toISOString()
      ? (({ requestedBy: _who, ...progress }) => (viewer.admin ? progress : { ...progress, gaps: [] }))(requested)
      : null;
  return ok({
    since: since.toISOString(),
    until: until.toISOString(),
    merged: records.length,
    compliant: compliant.length,
    share: records.length === 0 ? null : compliant.length / records.length,
    nonCompliant: records
      .filter((record) => !(record.independentlyApproved && record.passingBuild))
      .slice(0, 500)
      .map((record) => ({ ...record, reason: nonComplianceReason(record) })),
    csv: evidenceCsv(records),
    coverage: ledgerCoverage(repositories, { since, until, now: now() }),
    backfill,
  });
}

/**
 * Recomputes the evidence chains of the repositories the caller can read. Bounded by the resolver's time
 * (https://developer.atlassian.com/platform/forge/limits-invocation/): what was not reached is counted, never
 * reported as intact.
 */
export async function verifyEvidence(request: ResolverRequest): Promise<Envelope<ResolverAnswer<'evidence/verify'>>> {
  const viewer = await memberViewer(request);
  if ('ok' in viewer) return viewer;
  const verdict = await verifyLedger(createStore(), { only: (uuid) => viewer.readable.has(uuid), deadline: Date.now() + 15_000 });
  return ok({
    intact: verdict.intact,
    records: verdict.records,
    unverified: verdict.unverified,
    repositories: verdict.repositories.map(({ slug, records, links, problem }) => ({ slug, records, links, problem })),
  });
}

async function authorisedRepository(request: ResolverRequest, explicit: string | undefined): Promise<{ uuid: string } | Envelope<never>> {
  const uuid = explicit ?? extensionOf(request).repository?.uuid;
  if (!uuid || !isUuid(uuid)) return failure('INVALID_INPUT', 'repositoryUuid: no repository in the payload or the module context');
  // Members only, even for a public repository: findings show settings (branch restrictions, Pipelines
  // configuration) that Bitbucket shows only to the repository's administrators, not to the public.
  const viewer = await memberViewer(request);
  if ('ok' in viewer) return viewer;
  if (!viewer.readable.has(unwrapUuid(uuid))) return failure('FORBIDDEN', 'You cannot read this repository in Bitbucket.');
  return { uuid: unwrapUuid(uuid) };
}

export async function getRepositoryCard(request: ResolverRequest) {
  const input = parsePayload(RepositoryPayload, request.payload);
  if ('error' in input) return input.error;
  const target = await authorisedRepository(request, input.data.repositoryUuid);
  if ('ok' in target) return target;
  const store = createStore();
  const record = await store.getRepository(target.uuid);
  // Not evaluated yet: where the workspace's scan stands, so the card can say when this one's turn comes.
  const progress =
    record?.results == null
      ? await Promise.all([store.getSummaryMeta(), store.getScan()]).then(([meta, scan]) => ({
          evaluated: meta?.evaluated ?? 0,
          repositories: Math.max(scan.repositories, meta?.repositories ?? 0),
          hoursPerFullPass: scan.hoursPerFullPass,
        }))
      : null;
  const delivery = await repositoryDelivery(target.uuid);
  return ok({ repository: record ?? null, controls: controlCatalogue(), now: now().toISOString(), progress, delivery });
}

export async function getPullRequestCard(request: ResolverRequest) {
  const input = parsePayload(PullRequestPayload, request.payload);
  if ('error' in input) return input.error;
  const id = input.data.pullRequestId ?? Number(extensionOf(request).pullRequest?.id);
  if (!Number.isInteger(id) || id <= 0)
    return failure('INVALID_INPUT', 'pullRequestId: no pull request in the payload or the module context');
  const target = await authorisedRepository(request, input.data.repositoryUuid);
  if ('ok' in target) return target;
  const store = createStore();
  const [record, repository] = await Promise.all([store.getPullRequest(target.uuid, id), store.getRepository(target.uuid)]);
  // Whether the merge check is Required for the branch cannot be read through the API (docs/platform-facts.md §3):
  // the card says so instead of guessing.
  const enforced = repository?.results?.find((result) => result.control === 'BB-BP-4')?.outcome ?? null;
  return ok({
    pullRequest: record ?? null,
    checkTitles: PULL_REQUEST_CHECK_TITLES,
    repository: repository ? { slug: repository.slug, htmlUrl: repository.htmlUrl, mergeChecksEnforced: enforced } : null,
    now: now().toISOString(),
  });
}

export async function getPolicy(request: ResolverRequest) {
  const viewer = await memberViewer(request);
  if ('ok' in viewer) return viewer;
  const store = createStore();
  const [stored, directory] = await Promise.all([store.getPolicy(), store.getPeople()]);
  // What names people (who was excepted and why, attestations, the offboarded list, service accounts) is for
  // administrators; members see the rules, and the dashboard shows them which of their repositories are excepted.
  const policy = viewer.admin
    ? stored
    : {
        ...stored,
        serviceAccounts: [],
        offboarded: null,
        attestations: [],
        exceptions: [],
      };
  const ids = [
    ...policy.serviceAccounts,
    ...(policy.offboarded ?? []).map((person) => person.accountId),
    ...policy.exceptions.map((exception) => exception.approvedBy),
    ...policy.attestations.map((attestation) => attestation.attestedBy),
  ];
  return ok({
    policy,
    redacted: !viewer.admin,
    controls: controlCatalogue(),
    controlIds: CATALOGUE.map((control) => control.id),
    people: namesOf(directory, ids),
    // Who can be picked: the members Attest knows by name, for administrators (who edit the lists).
    members: viewer.admin
      ? [...directory].map(([accountId, name]) => ({ accountId, name })).sort((a, b) => a.name.localeCompare(b.name))
      : [],
    proposedRules: viewer.admin && unclassified(stored) ? proposedRules((await store.getSummary())?.rows ?? []) : [],
  });
}

const unclassified = (policy: Policy) =>
  policy.classification.rules.length === 0 && Object.keys(policy.classification.repositories).length === 0;

/** Project keys that read like places to try things out: proposed as non-production, every other as production. */
const NON_PRODUCTION = /LAB|SANDBOX|PROTO|TEST|DEMO|EXPERIMENT|ARCHIVE|PLAYGROUND|POC|SCRATCH|TRAINING|TMP/i;

/** A rule per project the summary's rows name, the largest first (day one: nothing is classified, so all fail BB-REPO-1). */
export function proposedRules(rows: ReadonlyArray<{ project: string | null }>) {
  const counts = new Map<string, number>();
  for (const row of rows) if (row.project) counts.set(row.project, (counts.get(row.project) ?? 0) + 1);
  return [...counts]
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([project, repositories]) => ({
      project,
      repositories,
      classification: NON_PRODUCTION.test(project) ? ('non-production' as const) : ('production' as const),
    }));
}
