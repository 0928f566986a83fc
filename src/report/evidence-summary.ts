/**
 * The one-page summary of a period's change-management evidence, as an auditor files it next to the CSV:
 * how many pull requests were merged into protected branches, what share was compliant, each non-compliant one
 * and why, the exceptions in force, and who approved the changes. Self-contained HTML (no script, no external
 * resource) that prints on one page for a typical quarter; every value from Bitbucket is escaped.
 */
import type { PolicyException } from '../policy/policy';
import type { EvidenceRecord } from '../store/records';
import { nonComplianceReason } from './evidence';
import { escapeHtml as e } from './html';

/** The controls the ledger evidences (BB-PR-1 independent approval, BB-PR-2 passing build). */
const EVIDENCED_CONTROLS = new Set(['BB-PR-1', 'BB-PR-2']);

export interface SummaryContext {
  workspace: string;
  period: { since: string; until: string };
  generatedAt: string;
  /** What part of the period the ledger holds, in a sentence (complete, or what is missing). */
  coverage: { complete: boolean; text: string };
  exceptions: readonly PolicyException[];
}

export interface Approvals {
  person: string;
  pullRequests: number;
}

/** Who approved the period's pull requests other than their authors, most first. */
export function approvalsOf(records: readonly EvidenceRecord[]): Approvals[] {
  const counts = new Map<string, number>();
  for (const record of records)
    for (const approver of record.approvers) {
      const person = approver.name ?? approver.accountId ?? 'unknown';
      counts.set(person, (counts.get(person) ?? 0) + 1);
    }
  return [...counts]
    .map(([person, pullRequests]) => ({ person, pullRequests }))
    .sort((a, b) => b.pullRequests - a.pullRequests || a.person.localeCompare(b.person));
}

/** Exceptions to the evidenced controls that were in force for part of the period (not expired before it began). */
export function exceptionsInForce(exceptions: readonly PolicyException[], since: string): PolicyException[] {
  return exceptions.filter((exception) => EVIDENCED_CONTROLS.has(exception.control) && exception.expiresOn >= since.slice(0, 10));
}

const day = (instant: string) => instant.slice(0, 10);
const personOf = (person: { name: string | null; accountId: string | null } | null) => person?.name ?? person?.accountId ?? 'unknown';

function nonCompliantTable(records: readonly EvidenceRecord[]): string {
  if (records.length === 0) return '<p>Every pull request merged in the period was compliant.</p>';
  const rows = records
    .map((record) => {
      const title = `#${record.pullRequestId} ${record.title}`;
      const link = record.url ? `<a href="${e(record.url)}">${e(title)}</a>` : e(title);
      return `<tr><td>${e(record.repositorySlug)}</td><td>${link}</td><td>${e(day(record.mergedAt))}</td><td>${e(record.mergedBy ? personOf(record.mergedBy) : '')}</td><td>${e(nonComplianceReason(record))}</td></tr>`;
    })
    .join('');
  return `<table><tr><th>Repository</th><th>Pull request</th><th>Merged</th><th>Merged by</th><th>Why it is not compliant</th></tr>${rows}</table>`;
}

function exceptionsTable(exceptions: readonly PolicyException[]): string {
  if (exceptions.length === 0) return '<p>No exception to independent approval or a passing build was in force.</p>';
  const rows = exceptions
    .map(
      (exception) =>
        `<tr><td>${e(exception.control)}</td><td>${e(exception.repository)}</td><td>${e(exception.reason)}</td><td>${e(exception.approvedBy)}</td><td>${e(exception.expiresOn)}</td></tr>`,
    )
    .join('');
  return `<table><tr><th>Control</th><th>Repository</th><th>Reason</th><th>Approved by</th><th>Expires</th></tr>${rows}</table>`;
}

function approvalsTable(records: readonly EvidenceRecord[]): string {
  const approvals = approvalsOf(records);
  const unapproved = records.filter((record) => !record.independentlyApproved).length;
  const rows = approvals.map((entry) => `<tr><td>${e(entry.person)}</td><td>${entry.pullRequests}</td></tr>`).join('');
  const table =
    approvals.length === 0
      ? '<p>Nobody approved a pull request in the period.</p>'
      : `<table><tr><th>Approver</th><th>Pull requests approved</th></tr>${rows}</table>`;
  return `${table}<p>${unapproved} of ${records.length} pull requests had no approval from anyone but their author.</p>`;
}

const CSS = `body{font:13px/1.4 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,sans-serif;color:#172b4d;margin:1.5rem auto;max-width:900px;padding:0 1rem}
h1{font-size:1.3rem;margin-bottom:.2rem}h2{font-size:1rem;margin:1.2rem 0 .3rem}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.25rem .4rem;border-bottom:1px solid #ebecf0;vertical-align:top}th{background:#f4f5f7}
.figure{font-size:1.6rem;font-weight:600}.warn{background:#fff7d6;padding:.4rem .6rem}.meta{color:#626f86}
@media print{body{margin:0;max-width:none}a{color:inherit;text-decoration:none}}`;

export function evidenceSummaryHtml(records: readonly EvidenceRecord[], context: SummaryContext): string {
  const compliant = records.filter((record) => record.independentlyApproved && record.passingBuild).length;
  const share = records.length === 0 ? '—' : `${Math.round((compliant / records.length) * 100)}%`;
  const nonCompliant = records.filter((record) => !(record.independentlyApproved && record.passingBuild));
  const { since, until } = context.period;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Change-management evidence ${e(day(since))} to ${e(day(until))}</title><style>${CSS}</style></head><body>
<h1>Change-management evidence: ${e(context.workspace)}</h1>
<p class="meta">Pull requests merged into protected branches from ${e(day(since))} up to (not including) ${e(day(until))}. Generated ${e(context.generatedAt)} by Attest.</p>
<p class="${context.coverage.complete ? 'meta' : 'warn'}">${e(context.coverage.text)}</p>
<p><span class="figure">${records.length}</span> merged · <span class="figure">${compliant}</span> compliant (${share}) · <span class="figure">${nonCompliant.length}</span> not compliant</p>
<p class="meta">Compliant: approved by someone other than the author (BB-PR-1) and the last build passed (BB-PR-2).</p>
<h2>Not compliant</h2>${nonCompliantTable(nonCompliant)}
<h2>Exceptions in force</h2>${exceptionsTable(exceptionsInForce(context.exceptions, since))}
<h2>Who approved the changes</h2>${approvalsTable(records)}
</body></html>
`;
}
