/**
 * Collectors of the needs catalogue v2 added: Code Insights on the main branch's head commit (the reports, then
 * the findings of the SECURITY ones) and Pipelines variables (the repository's and each deployment
 * environment's). Each is read once per repository, and only when an enabled, applicable control needs it.
 */
import { ATTEST_REPORT_ID, listCommitReports, listReportAnnotations } from '../bitbucket/code-insights';
import type { BitbucketClient } from '../bitbucket/client';
import { BitbucketError } from '../bitbucket/errors';
import { listEnvironmentVariables, listEnvironments, listRepositoryVariables } from '../bitbucket/pipelines-variables';
import type { CommitReport, ReportAnnotation } from '../bitbucket/schemas';
import type { RepositoryRef } from '../bitbucket/api';
import type { EnvironmentVariables, FindingCounts, ReportFindings } from '../controls/types';
import type { Collector } from './collect';
import { listSlice, slice } from './slices';

/** Attest's own report is a verdict on controls, not a scanner's: it never counts as one. */
const isScannerReport = (report: CommitReport) => report.external_id !== ATTEST_REPORT_ID;

/** A finding is open unless its result says it passed, was skipped or ignored; one of no type counts as a vulnerability. */
const isOpenVulnerability = (annotation: ReportAnnotation) =>
  (annotation.result === undefined || annotation.result === 'FAILED') &&
  (annotation.annotation_type === undefined || annotation.annotation_type === 'VULNERABILITY');

function countFindings(annotations: readonly ReportAnnotation[]): FindingCounts {
  const counts: FindingCounts = { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0 };
  for (const annotation of annotations.filter(isOpenVulnerability)) {
    const severity = annotation.severity;
    if (severity === 'CRITICAL' || severity === 'HIGH' || severity === 'MEDIUM' || severity === 'LOW') counts[severity]++;
  }
  return counts;
}

/** One SECURITY report's findings; a report whose annotations cannot be read whole says why instead of counting short. */
async function findingsOf(
  client: BitbucketClient,
  target: RepositoryRef & { commit: string },
  report: CommitReport,
): Promise<ReportFindings> {
  const reportId = report.uuid ?? report.external_id;
  const base = { reportId: reportId ?? '', title: report.title ?? '', reporter: report.reporter ?? null, result: report.result ?? null };
  const none: FindingCounts = { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0 };
  if (reportId === undefined)
    return { ...base, counts: none, annotations: 0, incomplete: 'Bitbucket gave the report no id to read its findings by' };
  try {
    const listing = await listReportAnnotations(client, target, reportId);
    const incomplete = listing.truncated ? `more than ${listing.values.length} findings; the rest were not read` : null;
    return { ...base, counts: countFindings(listing.values), annotations: listing.values.length, incomplete };
  } catch (error) {
    if (!(error instanceof BitbucketError)) throw error;
    return { ...base, counts: none, annotations: 0, incomplete: `its findings could not be read (${error.message})` };
  }
}

async function environmentVariables(client: BitbucketClient, ref: RepositoryRef): Promise<EnvironmentVariables[]> {
  const environments = await listEnvironments(client, ref);
  if (environments.truncated)
    throw new BitbucketError(
      'upstream',
      'environments',
      null,
      `more than ${environments.values.length} environments; the rest were not read`,
    );
  const out: EnvironmentVariables[] = [];
  for (const environment of environments.values) {
    const variables = await listEnvironmentVariables(client, { ...ref, environmentUuid: environment.uuid });
    const name = environment.name ?? environment.uuid;
    if (variables.truncated)
      throw new BitbucketError('upstream', 'deployment variables', null, `${name} has more variables than were read`);
    out.push({
      environment: { uuid: environment.uuid, name, type: environment.environment_type?.name ?? null },
      variables: variables.values,
    });
  }
  return out;
}

export const INSIGHTS_COLLECTORS: {
  mainHeadReports: Collector<'mainHeadReports'>;
  securityFindings: Collector<'securityFindings'>;
  pipelineVariables: Collector<'pipelineVariables'>;
  deploymentVariables: Collector<'deploymentVariables'>;
} = {
  mainHeadReports: async ({ client, ref, main, head }) => {
    if (main === null) return undefined;
    return slice(async () => {
      const commit = await head();
      const listing = await listCommitReports(client, ref, commit);
      return { commit, reports: listing.values.filter(isScannerReport), truncated: listing.truncated };
    }, 'reports');
  },
  // Read after the list (the collectors run in order): only SECURITY reports have findings worth counting here.
  securityFindings: async ({ client, ref, main, snapshot }) => {
    const listed = snapshot.mainHeadReports;
    if (main === null || listed === undefined) return undefined;
    if (!listed.ok) return listed;
    const { commit, reports, truncated } = listed.value;
    const findings: ReportFindings[] = [];
    for (const report of reports.filter((candidate) => candidate.report_type === 'SECURITY'))
      findings.push(await findingsOf(client, { ...ref, commit }, report));
    return { ok: true, value: { commit, reports: findings, truncated } };
  },
  pipelineVariables: ({ client, ref }) => listSlice(() => listRepositoryVariables(client, ref), 'pipelines_config/variables'),
  deploymentVariables: ({ client, ref }) => slice(() => environmentVariables(client, ref), 'deployment variables'),
};
