/**
 * PR-SECURITY — no security report failed on the latest commit: of the Code Insights reports on the pull
 * request's head commit (GET …/commit/{head}/reports, read:repository; one request), none of type SECURITY has
 * result FAILED. Checked only when the policy asks (`checkPullRequestSecurityReports`). Attest's own report is
 * not a scanner's and never counts. A scanner still running (PENDING) leaves the answer unknown.
 */
import { ATTEST_REPORT_ID } from '../bitbucket/code-insights';
import { BitbucketError } from '../bitbucket/errors';
import type { CommitReport } from '../bitbucket/schemas';
import type { PullRequestCheckDefinition } from './types';

const name = (report: CommitReport) => report.reporter ?? report.title ?? report.external_id ?? 'a scanner';

export const securityReports: PullRequestCheckDefinition = {
  id: 'PR-SECURITY',
  title: 'No security scan failed',
  evaluate({ reports }, policy) {
    if (!policy.checkPullRequestSecurityReports)
      return { outcome: 'not-applicable', message: 'the policy does not check security reports on pull requests' };
    if (reports === null) return { outcome: 'not-evaluable', message: 'the security reports were not read' };
    if (reports instanceof BitbucketError)
      return { outcome: 'not-evaluable', message: `the security reports could not be read: ${reports.message}` };
    const security = reports.reports.filter((report) => report.report_type === 'SECURITY' && report.external_id !== ATTEST_REPORT_ID);
    const failed = security.filter((report) => report.result === 'FAILED');
    if (failed.length > 0) return { outcome: 'fail', message: `${failed.map(name).join(', ')} reported a failed security scan` };
    if (reports.truncated) return { outcome: 'not-evaluable', message: 'more reports than Attest reads are on the latest commit' };
    const pending = security.filter((report) => report.result === 'PENDING');
    if (pending.length > 0) return { outcome: 'not-evaluable', message: `${pending.map(name).join(', ')} is still scanning` };
    if (security.length === 0) return { outcome: 'pass', message: 'no security scanner has reported a failure (none has reported yet)' };
    return { outcome: 'pass', message: `${security.map(name).join(', ')} passed` };
  },
};
