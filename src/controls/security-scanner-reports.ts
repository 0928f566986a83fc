/**
 * BB-VULN-1 — A security scanner reports on the main branch. Scanners (Snyk, SonarCloud, Mend, …) post their
 * results into Bitbucket as Code Insights reports of type SECURITY on the commits they scan
 * (https://support.atlassian.com/bitbucket-cloud/docs/code-insights/). The main branch's head commit must carry
 * one from a scanner of `policy.securityScanners` (case-insensitive, in the report's `reporter` or `title`),
 * updated within `policy.maxReportAgeDays`. Reads: the head commit (shared with BB-CI-4), then GET
 * …/commit/{head}/reports (read:repository). Attest's own report never counts.
 */
import type { CommitReport } from '../bitbucket/schemas';
import { instantMs } from '../lib/instant';
import type { Policy } from '../policy/policy';
import { fail, need, notEvaluable, pass, type RepositoryControl } from './types';

/** The policy's scanner a report comes from, or null. */
export function scannerOf(report: CommitReport, policy: Policy): string | null {
  const text = `${report.reporter ?? ''} ${report.title ?? ''}`.toLowerCase();
  return policy.securityScanners.find((scanner) => text.includes(scanner.toLowerCase())) ?? null;
}

const DAY = 86_400_000;

/** Days since the report was last written (updated, else created); null when Bitbucket gave no readable date. */
function ageDays(report: CommitReport, now: Date): number | null {
  const at = instantMs(report.updated_on ?? report.created_on ?? '');
  return Number.isNaN(at) ? null : Math.max(0, Math.floor((now.getTime() - at) / DAY));
}

const label = (report: CommitReport) => report.reporter ?? report.title ?? report.external_id ?? 'a report';

export const securityScannerReports: RepositoryControl<'mainHeadReports'> = {
  id: 'BB-VULN-1',
  title: 'A security scanner reports on the main branch',
  severity: 'medium',
  scope: 'repository',
  needs: ['mainHeadReports'],
  appliesToNonProduction: false,
  needsMainBranch: true,
  rationale:
    'Vulnerability management needs evidence that the code in production is scanned: a scanner’s report on the main branch’s latest commit is that evidence (ISO 27001 8.8).',
  remediation: {
    summary: 'Have a security scanner report into Bitbucket on every main-branch build.',
    steps: [
      'Connect a scanner that posts Code Insights reports (Snyk, SonarCloud, Mend, …), or run its pipe on the main branch in bitbucket-pipelines.yml.',
      'Make sure it runs on every push to the main branch, so the newest commit carries a SECURITY report.',
      'If your scanner reports under another name, add that name to "Security scanners" in the Attest settings.',
    ],
  },
  frameworks: { soc2: ['CC7.1'], iso27001: ['8.8'], cis: [] },
  docs: 'https://support.atlassian.com/bitbucket-cloud/docs/code-insights/',
  evaluate(data, _subject, { policy, now }) {
    const { commit, reports, truncated } = need('mainHeadReports', data.mainHeadReports);
    const security = reports.filter((report) => report.report_type === 'SECURITY');
    const evidence = { commit, reports: reports.length, security: security.map(label) };
    const listed = security.filter((report) => scannerOf(report, policy) !== null);
    const fresh = listed.filter((report) => (ageDays(report, now) ?? Infinity) <= policy.maxReportAgeDays);
    const newest = fresh.sort((a, b) => (ageDays(a, now) ?? 0) - (ageDays(b, now) ?? 0))[0];
    if (newest) {
      const age = ageDays(newest, now) ?? 0;
      return pass(`${label(newest)} reported on the latest commit ${age === 0 ? 'today' : `${age} day${age === 1 ? '' : 's'} ago`}.`, {
        ...evidence,
        scanner: scannerOf(newest, policy),
        ageDays: age,
      });
    }
    // Reports not read may hold the one that passes: never a failure on a list cut short.
    if (truncated) return notEvaluable('Bitbucket listed more reports on the latest commit than Attest reads.', evidence);
    if (security.length === 0) return fail('No security scanner has reported on the main branch’s latest commit.', evidence);
    if (listed.length === 0)
      return fail(`Security reports come from ${security.map(label).join(', ')}: none is a scanner of the policy.`, evidence);
    const undated = listed.filter((report) => ageDays(report, now) === null);
    if (undated.length > 0) return notEvaluable('Bitbucket gave no date for the security report, so its age is unknown.', evidence);
    const ages = listed.map((report) => ageDays(report, now) ?? 0);
    return fail(`The newest security report is ${Math.min(...ages)} days old; the policy allows ${policy.maxReportAgeDays}.`, {
      ...evidence,
      ageDays: Math.min(...ages),
    });
  },
};
