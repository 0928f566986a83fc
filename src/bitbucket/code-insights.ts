/**
 * Code Insights (OpenAPI tag "Reports"): the reports and annotations scanners post on commits, and the report
 * Attest writes on a pull request's head commit. Every operation here is documented with the scope
 * `read:repository:bitbucket`, writing a report included (the OpenAPI document's `x-atlassian-oauth2-scopes` of
 * PUT …/commit/{commit}/reports/{reportId}; a contract test holds the manifest to it).
 */
import { route } from '@forge/api';
import { z } from 'zod';
import type { BitbucketClient } from './client';
import { paginate, type Paginated } from './paginate';
import { CommitReport, ReportAnnotation } from './schemas';
import { wrapUuid } from '../lib/uuid';
import type { RepositoryRef } from './api';

const COMMIT = /^[0-9a-f]{7,40}$/;

function checkedCommit(commit: string): string {
  if (!COMMIT.test(commit)) throw new Error(`Code Insights needs a commit hash, not ${JSON.stringify(commit)}`);
  return commit;
}

/** GET …/commit/{commit}/reports: every report on a commit, 100 a page (the list's documented maximum), two pages at most. */
export function listCommitReports(client: BitbucketClient, target: RepositoryRef, commit: string): Promise<Paginated<CommitReport>> {
  const [workspace, repository, hash] = [wrapUuid(target.workspaceUuid), wrapUuid(target.repositoryUuid), checkedCommit(commit)];
  return paginate(
    client,
    (bitbucket) => bitbucket.requestBitbucket(route`/2.0/repositories/${workspace}/${repository}/commit/${hash}/reports?pagelen=100`),
    CommitReport,
    { maxPages: 2 },
  );
}

/**
 * GET …/reports/{reportId}/annotations: a report's findings, 100 a page. A report holds at most 1,000
 * annotations (OpenAPI, POST …/annotations), so ten pages read any report whole; more is reported truncated.
 */
export function listReportAnnotations(
  client: BitbucketClient,
  target: RepositoryRef & { commit: string },
  reportId: string,
): Promise<Paginated<ReportAnnotation>> {
  const [workspace, repository, hash] = [wrapUuid(target.workspaceUuid), wrapUuid(target.repositoryUuid), checkedCommit(target.commit)];
  return paginate(
    client,
    (bitbucket) =>
      bitbucket.requestBitbucket(
        route`/2.0/repositories/${workspace}/${repository}/commit/${hash}/reports/${reportId}/annotations?pagelen=100`,
      ),
    ReportAnnotation,
    { maxPages: 10 },
  );
}

/** A data field of a report (OpenAPI `report_data`): at most 10 a report. */
export const ReportDatum = z.discriminatedUnion('type', [
  z.object({ type: z.literal('TEXT'), title: z.string().min(1), value: z.string() }),
  z.object({ type: z.literal('BOOLEAN'), title: z.string().min(1), value: z.boolean() }),
  z.object({ type: z.literal('NUMBER'), title: z.string().min(1), value: z.number() }),
]);
export type ReportDatum = z.infer<typeof ReportDatum>;

/** What Attest writes: the documented fields of `report`, checked before it is sent. */
export const ReportWrite = z.object({
  title: z.string().min(1).max(450),
  details: z.string().min(1).max(2000),
  report_type: z.enum(['SECURITY', 'COVERAGE', 'TEST', 'BUG']),
  reporter: z.string().min(1),
  result: z.enum(['PASSED', 'FAILED', 'PENDING']),
  link: z.url().optional(),
  data: z.array(ReportDatum).max(10),
});
export type ReportWrite = z.infer<typeof ReportWrite>;

/**
 * PUT …/commit/{commit}/reports/{reportId}: creates the report, or replaces the one with that id ("Create or
 * update a report"), so writing the same report twice is harmless. Answers the stored report.
 */
export function putCommitReport(
  client: BitbucketClient,
  target: RepositoryRef & { commit: string; reportId: string },
  report: ReportWrite,
): Promise<CommitReport> {
  const [workspace, repository, hash] = [wrapUuid(target.workspaceUuid), wrapUuid(target.repositoryUuid), checkedCommit(target.commit)];
  const body = JSON.stringify(ReportWrite.parse(report));
  return client.getJson(
    (bitbucket) =>
      bitbucket.requestBitbucket(route`/2.0/repositories/${workspace}/${repository}/commit/${hash}/reports/${target.reportId}`, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json' },
        body,
      }),
    CommitReport,
  );
}

/** The id Attest writes its report under, on every head commit it reports on (unique per commit, as documented). */
export const ATTEST_REPORT_ID = 'attest-compliance';
