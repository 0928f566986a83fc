/**
 * A self-contained HTML report a person can open: the summary, the workspace controls, every
 * repository's failing controls with remediation, the evidence for the period, and recent changes.
 * Every value from Bitbucket is escaped; no script, no external resource.
 */
import { controlById } from '../controls';
import type { ScanReport } from '../engine/scan';
import { isExcepted } from '../engine/summarize';
import type { EvidenceRecord, HistoryEntry } from '../store/records';
import { evidenceRows, EVIDENCE_COLUMNS } from './evidence';

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

const CSS = `body{font:14px/1.45 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,sans-serif;color:#172b4d;margin:2rem auto;max-width:1100px;padding:0 1rem}
h1{font-size:1.6rem}h2{margin-top:2rem;border-bottom:1px solid #dfe1e6;padding-bottom:.3rem}table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #ebecf0;vertical-align:top}th{background:#f4f5f7}
.pass{color:#216e4e}.fail{color:#ae2a19}.not-evaluable{color:#974f0c}.not-applicable{color:#626f86}.tag{font-size:.8em;padding:.1em .4em;border-radius:3px;background:#f1f2f4}
.score{font-size:2.2rem;font-weight:600}`;

export function htmlReport(
  report: ScanReport,
  evidence: readonly EvidenceRecord[],
  history: readonly HistoryEntry[],
  period: { since: string; until: string },
): string {
  const e = escapeHtml;
  const o = report.summary.outcomes;
  const workspaceRows = report.workspaceResults
    .map(
      (r) =>
        `<tr><td>${e(r.control)}</td><td>${e(controlById(r.control)?.title ?? '')}</td><td class="${r.outcome}">${r.outcome}</td><td>${e(r.message)}</td></tr>`,
    )
    .join('');
  const repositoryRows = report.repositories
    .map((repo) => {
      const failing = repo.results.filter((r) => r.outcome === 'fail');
      const unknown = repo.results.filter((r) => r.outcome === 'not-evaluable');
      const details = [...failing, ...unknown]
        .map(
          (r) =>
            `<div><span class="${r.outcome}">${e(r.control)}</span>${isExcepted(r) ? ' <span class="tag">excepted</span>' : ''} ${e(r.message)}${r.remediation ? `<br><small>Fix: ${e(r.remediation[0] ?? '')}</small>` : ''}</div>`,
        )
        .join('');
      return `<tr><td>${e(repo.slug)}</td><td>${e(repo.project ?? '')}</td><td>${e(repo.classification)}</td><td>${repo.score ?? '—'}</td><td>${details || '<span class="pass">all controls met</span>'}</td></tr>`;
    })
    .join('');
  const compliant = evidence.filter((r) => r.independentlyApproved && r.passingBuild).length;
  const evidenceTable = evidenceRows(evidence)
    .map(
      (cells) =>
        `<tr>${cells.map((cell, i) => `<td${i === 8 ? ` class="${cell === 'yes' ? 'pass' : 'fail'}"` : ''}>${e(cell)}</td>`).join('')}</tr>`,
    )
    .join('');
  const historyRows = history
    .map(
      (h) =>
        `<tr><td>${e(h.at)}</td><td>${e(h.subjectName)}</td><td>${e(h.control)}</td><td class="${h.from ?? ''}">${e(h.from ?? '—')}</td><td class="${h.to ?? ''}">${e(h.to ?? '—')}</td><td>${e(h.cause)}</td></tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Attest compliance report: ${e(report.workspace.slug)}</title><style>${CSS}</style></head><body>
<h1>Attest compliance report: ${e(report.workspace.slug)}</h1>
<p>Generated ${e(report.generatedAt)} · ${report.summary.repositories} repositories · ${report.requests} Bitbucket requests</p>
<p class="score">Score ${report.summary.score ?? '—'}</p>
<p><span class="pass">${o.pass} pass</span> · <span class="fail">${o.fail} fail</span> · <span class="not-evaluable">${o['not-evaluable']} could not be checked</span> · <span class="not-applicable">${o['not-applicable']} not applicable</span></p>
<h2>Workspace controls</h2><table><tr><th>Control</th><th>Title</th><th>Outcome</th><th>Detail</th></tr>${workspaceRows}</table>
<h2>Repositories</h2><table><tr><th>Repository</th><th>Project</th><th>Classification</th><th>Score</th><th>Failing or unreadable controls</th></tr>${repositoryRows}</table>
<h2>Change-management evidence, ${e(period.since)} to ${e(period.until)}</h2>
<p>${evidence.length} pull requests merged into protected branches; ${compliant} approved by someone other than the author with a passing build.</p>
<table><tr>${EVIDENCE_COLUMNS.map((c) => `<th>${e(c.split('_').join(' '))}</th>`).join('')}</tr>${evidenceTable}</table>
<h2>Recent changes</h2><table><tr><th>When</th><th>Subject</th><th>Control</th><th>From</th><th>To</th><th>Cause</th></tr>${historyRows || '<tr><td colspan="6">No outcome changed.</td></tr>'}</table>
</body></html>
`;
}
