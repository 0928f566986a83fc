/**
 * A self-contained HTML report a person hands on: an executive summary first (score, trend, the controls that
 * fail most, the frameworks), then the repositories worst first with links into Bitbucket, each fix once with all
 * its steps and where it applies, the workspace controls, the evidence for the period and recent changes. It
 * prints cleanly (a print style sheet: no page break inside a row, links written out). Every value from Bitbucket
 * is escaped; no script, no external resource.
 */
import { controlById } from '../controls';
import type { RepositoryReport, ScanReport } from '../engine/scan';
import { frameworkView, isExcepted } from '../engine/summarize';
import type { Result } from '../controls/types';
import type { EvidenceRecord, HistoryEntry } from '../store/records';
import { evidenceRows, EVIDENCE_COLUMNS } from './evidence';

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}
const e = escapeHtml;

const CSS = `body{font:14px/1.45 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,sans-serif;color:#172b4d;margin:2rem auto;max-width:1100px;padding:0 1rem}
h1{font-size:1.6rem}h2{margin-top:2rem;border-bottom:1px solid #dfe1e6;padding-bottom:.3rem}table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #ebecf0;vertical-align:top}th{background:#f4f5f7}
.pass{color:#216e4e}.fail{color:#ae2a19}.not-evaluable{color:#974f0c}.not-applicable{color:#626f86}.tag{font-size:.8em;padding:.1em .4em;border-radius:3px;background:#f1f2f4}
.score{font-size:2.2rem;font-weight:600}.summary{display:grid;grid-template-columns:repeat(auto-fit,minmax(240px,1fr));gap:1rem}
.summary section{border:1px solid #dfe1e6;border-radius:4px;padding:.5rem 1rem}ol.steps{margin:.25rem 0 .5rem 1.2rem;padding:0}
@media print{body{margin:0;max-width:none;font-size:11px}h2{break-after:avoid}tr,section{break-inside:avoid}
a[href^="http"]::after{content:" (" attr(href) ")";font-size:.85em;color:#626f86}}`;

/** A date as people read it in a file handed on: `30 Nov 2026, 14:02 UTC`. */
function readable(iso: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  return `${new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(at)} UTC`;
}

const title = (id: string) => controlById(id)?.title ?? id;
const repositoryUrl = (report: ScanReport, slug: string) =>
  `https://bitbucket.org/${encodeURIComponent(report.workspace.slug)}/${encodeURIComponent(slug)}`;

/** Controls by how many subjects fail them (excepted fails not counted), the most first. */
function worstControls(report: ScanReport): Array<{ id: string; failing: number; of: number }> {
  const all = [...report.workspaceResults, ...report.repositories.flatMap((repository) => repository.results)];
  const tally = new Map<string, { failing: number; of: number }>();
  for (const result of all) {
    if (result.outcome !== 'pass' && result.outcome !== 'fail') continue;
    const entry = tally.get(result.control) ?? { failing: 0, of: 0 };
    entry.of++;
    if (result.outcome === 'fail' && !isExcepted(result)) entry.failing++;
    tally.set(result.control, entry);
  }
  return [...tally]
    .map(([id, counts]) => ({ id, ...counts }))
    .filter((entry) => entry.failing > 0)
    .sort((a, b) => b.failing - a.failing || a.id.localeCompare(b.id))
    .slice(0, 5);
}

/** Outcome changes in the history: how many turned to failing and how many were fixed. */
function trendOf(history: readonly HistoryEntry[]): string {
  const failing = history.filter((entry) => entry.to === 'fail').length;
  const fixed = history.filter((entry) => entry.from === 'fail' && entry.to === 'pass').length;
  if (history.length === 0) return 'No outcome changed in the period shown.';
  return `${fixed} result${fixed === 1 ? '' : 's'} fixed, ${failing} newly failing, in the ${history.length} recent change${history.length === 1 ? '' : 's'}.`;
}

function executiveSummary(report: ScanReport, history: readonly HistoryEntry[]): string {
  const o = report.summary.outcomes;
  const all = [...report.workspaceResults, ...report.repositories.flatMap((repository) => repository.results)];
  const frameworks = frameworkView(all);
  const status = (framework: 'soc2' | 'iso27001' | 'cis') => {
    const items = frameworks.filter((item) => item.framework === framework);
    const count = (s: string) => items.filter((item) => item.status === s).length;
    return `${count('met')} met, ${count('gaps')} with gaps, ${count('unknown')} not fully checked`;
  };
  const worst = worstControls(report)
    .map((entry) => `<li>${e(title(entry.id))} <small>(${e(entry.id)})</small>: fails in ${entry.failing} of ${entry.of}</li>`)
    .join('');
  return `<div class="summary">
<section><p class="score">Score ${report.summary.score ?? '—'}</p>
<p><span class="pass">${o.pass} pass</span> · <span class="fail">${o.fail} fail</span> · <span class="not-evaluable">${o['not-evaluable']} could not be checked</span> · <span class="not-applicable">${o['not-applicable']} not applicable</span></p>
<p>${e(trendOf(history))}</p></section>
<section><h3>Controls that fail most</h3>${worst ? `<ol>${worst}</ol>` : '<p class="pass">No control fails.</p>'}</section>
<section><h3>Frameworks</h3><p>SOC 2: ${status('soc2')}</p><p>ISO 27001: ${status('iso27001')}</p><p>CIS: ${status('cis')}</p></section>
</div>`;
}

/** Repositories by score, lowest first (not evaluated last), each failing control by title, linked into Bitbucket. */
function repositoryTable(report: ScanReport): string {
  const order = (repository: RepositoryReport) => repository.score ?? Number.POSITIVE_INFINITY;
  const rows = [...report.repositories]
    .sort((a, b) => order(a) - order(b) || a.slug.localeCompare(b.slug))
    .map((repository) => {
      const needsLook = repository.results.filter((r) => r.outcome === 'fail' || r.outcome === 'not-evaluable');
      const details = needsLook
        .map(
          (r) =>
            `<div><span class="${r.outcome}">${e(title(r.control))}</span>${isExcepted(r) ? ' <span class="tag">excepted</span>' : ''}${r.outcome === 'not-evaluable' ? ' <span class="tag">could not be checked</span>' : ''} <small>${e(r.message)}</small></div>`,
        )
        .join('');
      return `<tr><td><a href="${e(repositoryUrl(report, repository.slug))}">${e(repository.slug)}</a></td><td>${e(repository.project ?? '')}</td><td>${e(repository.classification)}</td><td>${repository.score ?? '—'}</td><td>${details || '<span class="pass">all controls met</span>'}</td></tr>`;
    })
    .join('');
  return `<table><tr><th>Repository</th><th>Project</th><th>Classification</th><th>Score</th><th>Failing or unreadable controls</th></tr>${rows}</table>`;
}

/** Each fix once: a failing control's remediation steps, and the subjects it applies to. */
function fixes(report: ScanReport): string {
  const where = new Map<string, string[]>();
  const add = (result: Result, subject: string) => {
    if (result.outcome !== 'fail' || isExcepted(result)) return;
    where.set(result.control, [...(where.get(result.control) ?? []), subject]);
  };
  for (const result of report.workspaceResults) add(result, 'the workspace');
  for (const repository of report.repositories) for (const result of repository.results) add(result, repository.slug);
  const sections = [...where]
    .sort(([a, x], [b, y]) => y.length - x.length || a.localeCompare(b))
    .map(([id, subjects]) => {
      const control = controlById(id);
      if (!control) return '';
      const shown = subjects.slice(0, 30).map(e).join(', ');
      const more = subjects.length > 30 ? ` and ${subjects.length - 30} more` : '';
      return `<section><h3>${e(control.title)} <small>(${e(id)}, ${control.severity})</small></h3><p>${e(control.remediation.summary)}</p><ol class="steps">${control.remediation.steps.map((step) => `<li>${e(step)}</li>`).join('')}</ol><p><small>Applies to ${subjects.length}: ${shown}${e(more)}</small></p></section>`;
    })
    .join('');
  return sections || '<p class="pass">Nothing to fix.</p>';
}

export function htmlReport(
  report: ScanReport,
  evidence: readonly EvidenceRecord[],
  history: readonly HistoryEntry[],
  period: { since: string; until: string },
): string {
  const workspaceRows = report.workspaceResults
    .map(
      (r) =>
        `<tr><td>${e(title(r.control))} <small>(${e(r.control)})</small></td><td class="${r.outcome}">${r.outcome}</td><td>${e(r.message)}</td></tr>`,
    )
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
        `<tr><td>${e(readable(h.at))}</td><td>${e(h.subjectName)}</td><td>${e(title(h.control))}</td><td class="${h.from ?? ''}">${e(h.from ?? '—')}</td><td class="${h.to ?? ''}">${e(h.to ?? '—')}</td><td>${e(h.cause)}</td></tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Attest compliance report: ${e(report.workspace.slug)}</title><style>${CSS}</style></head><body>
<h1>Attest compliance report: ${e(report.workspace.slug)}</h1>
<p>Generated ${e(readable(report.generatedAt))} · ${report.summary.repositories} repositories · ${report.requests} Bitbucket requests</p>
<h2>Summary</h2>${executiveSummary(report, history)}
<h2>Repositories, worst first</h2>${repositoryTable(report)}
<h2>How to fix what fails</h2>${fixes(report)}
<h2>Workspace controls</h2><table><tr><th>Control</th><th>Outcome</th><th>Detail</th></tr>${workspaceRows}</table>
<h2>Change-management evidence, ${e(period.since)} to ${e(period.until)}</h2>
<p>${evidence.length} pull requests merged into protected branches; ${compliant} approved by someone other than the author with a passing build.</p>
<table><tr>${EVIDENCE_COLUMNS.map((c) => `<th>${e(c.split('_').join(' '))}</th>`).join('')}</tr>${evidenceTable}</table>
<h2>Recent changes</h2><table><tr><th>When</th><th>Subject</th><th>Control</th><th>From</th><th>To</th><th>Cause</th></tr>${historyRows || '<tr><td colspan="6">No outcome changed.</td></tr>'}</table>
</body></html>
`;
}
