/**
 * BB-VULN-2 — The main branch has no open critical or high findings. Of the SECURITY reports on the main branch's
 * head commit, the open findings — annotations of type VULNERABILITY (or no type) whose result is FAILED or not
 * given — of severity CRITICAL and HIGH are within `policy.maxCriticalFindings` and `policy.maxHighFindings`. A
 * FAILED report that lists no findings fails too: the scanner says the code is not fit, and does not say why.
 * A report whose findings could not all be read, or that is still PENDING, leaves the answer unknown unless the
 * findings read already exceed a threshold. Reads: GET …/reports/{id}/annotations (read:repository), 100 a page;
 * a report holds at most 1,000.
 */
import type { FindingCounts, ReportFindings } from './types';
import { fail, need, notApplicable, notEvaluable, pass, type RepositoryControl } from './types';

function total(reports: readonly ReportFindings[]): FindingCounts {
  const sum: FindingCounts = { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0 };
  for (const report of reports)
    for (const severity of Object.keys(sum) as Array<keyof FindingCounts>) sum[severity] += report.counts[severity];
  return sum;
}

const name = (report: ReportFindings) => report.reporter ?? report.title ?? 'a scanner';

export const noCriticalFindingsOnMain: RepositoryControl<'securityFindings'> = {
  id: 'BB-VULN-2',
  title: 'The main branch has no open critical or high findings',
  severity: 'high',
  scope: 'repository',
  needs: ['securityFindings'],
  appliesToNonProduction: false,
  needsMainBranch: true,
  rationale:
    'Known critical and high vulnerabilities in the code that ships are the risk vulnerability management exists to remove (ISO 27001 8.8).',
  remediation: {
    summary: 'Fix or upgrade away the critical and high findings your scanner reports on the main branch.',
    steps: [
      'Open the latest main-branch commit in Bitbucket and its Reports, or your scanner’s dashboard, for the list of findings.',
      'Upgrade the affected dependencies or fix the code, and merge the fix so the scanner reports on the new head.',
      'If a finding is accepted risk, mark it ignored in the scanner (its result becomes IGNORED), or record an exception in the Attest settings.',
    ],
  },
  frameworks: { soc2: ['CC7.1'], iso27001: ['8.8'], cis: [] },
  docs: 'https://support.atlassian.com/bitbucket-cloud/docs/code-insights/',
  evaluate(data, _subject, { policy }) {
    const { commit, reports, truncated } = need('securityFindings', data.securityFindings);
    const counts = total(reports);
    const limits = { critical: policy.maxCriticalFindings, high: policy.maxHighFindings };
    const evidence = {
      commit,
      counts,
      limits,
      reports: reports.map((report) => ({ scanner: name(report), result: report.result, counts: report.counts })),
    };
    const over: string[] = [];
    if (counts.CRITICAL > limits.critical) over.push(`${counts.CRITICAL} critical (at most ${limits.critical})`);
    if (counts.HIGH > limits.high) over.push(`${counts.HIGH} high (at most ${limits.high})`);
    // Findings already over a threshold fail whatever was left unread.
    if (over.length > 0) return fail(`Open findings on the latest commit: ${over.join(', ')}.`, evidence);
    const silentFailures = reports.filter((report) => report.result === 'FAILED' && report.annotations === 0 && report.incomplete === null);
    if (silentFailures.length > 0)
      return fail(`${silentFailures.map(name).join(', ')} reported FAILED without listing findings.`, evidence);
    if (reports.length === 0 && !truncated)
      return notApplicable(
        'No security report on the main branch’s latest commit to read findings from: “A security scanner reports” covers that.',
        evidence,
      );
    const incomplete = reports.find((report) => report.incomplete !== null);
    if (incomplete) return notEvaluable(`The findings of ${name(incomplete)} are not all known: ${incomplete.incomplete ?? ''}.`, evidence);
    const pending = reports.find((report) => report.result === 'PENDING');
    if (pending) return notEvaluable(`${name(pending)} is still scanning the latest commit (PENDING).`, evidence);
    if (truncated) return notEvaluable('Bitbucket listed more reports on the latest commit than Attest reads.', evidence);
    return pass(
      `${reports.length} security report${reports.length === 1 ? '' : 's'}: ${counts.CRITICAL} critical and ${counts.HIGH} high findings open, within the policy.`,
      evidence,
    );
  },
};
