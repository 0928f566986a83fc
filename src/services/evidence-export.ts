/**
 * An evidence export as a file: the CSV, the JSON (with each record's chain link and every repository's chain
 * head, so an auditor can re-verify offline) or the one-page summary. `attest evidence` and the dashboard's
 * downloads build them here, from the same records, so the two never differ.
 */
import { evidenceCsv, evidenceJson, type EvidenceExportContext } from '../report/evidence';
import { evidenceSummaryHtml, type SummaryContext } from '../report/evidence-summary';
import type { ChainLink, EvidenceRecord } from '../store/records';
import type { Store } from '../store/store';

export type EvidenceFormat = 'csv' | 'json' | 'summary';

/** The export's chain: each record's link and every repository's head. */
export async function chainOf(store: Store, records: readonly EvidenceRecord[]): Promise<NonNullable<EvidenceExportContext['chain']>> {
  const links = new Map<string, ChainLink>();
  for (const repositoryUuid of new Set(records.map((record) => record.repositoryUuid))) {
    for (const link of (await store.readChain(repositoryUuid)).links) links.set(`${repositoryUuid}#${link.pullRequestId}`, link);
  }
  return {
    links: (record: EvidenceRecord) => links.get(`${record.repositoryUuid}#${record.pullRequestId}`) ?? null,
    heads: await store.listChainHeads(),
  };
}

export interface EvidenceFile {
  body: string;
  contentType: string;
  filename: string;
}

/** The file's name: what it is, the workspace and the period, e.g. `attest-evidence-acme-2026-07-01-to-2026-10-01.csv`. */
export function evidenceFilename(format: EvidenceFormat, workspace: string, period: { since: string; until: string }): string {
  const safe = workspace.replace(/[^A-Za-z0-9_-]/g, '-');
  const stem = `attest-${format === 'summary' ? 'evidence-summary' : 'evidence'}-${safe}-${period.since.slice(0, 10)}-to-${period.until.slice(0, 10)}`;
  return `${stem}.${format === 'summary' ? 'html' : format}`;
}

/** The findings' file name: `attest-findings-acme-2026-11-30.csv`. */
export function findingsFilename(format: 'csv' | 'json', workspace: string, at: string): string {
  return `attest-findings-${workspace.replace(/[^A-Za-z0-9_-]/g, '-')}-${at.slice(0, 10)}.${format}`;
}

export function evidenceFile(
  format: EvidenceFormat,
  records: readonly EvidenceRecord[],
  context: { json: EvidenceExportContext; summary: SummaryContext },
): EvidenceFile {
  const filename = evidenceFilename(format, context.summary.workspace, context.json.period);
  if (format === 'json') return { body: evidenceJson(records, context.json), contentType: 'application/json; charset=utf-8', filename };
  if (format === 'summary')
    return { body: evidenceSummaryHtml(records, context.summary), contentType: 'text/html; charset=utf-8', filename };
  return { body: evidenceCsv(records), contentType: 'text/csv; charset=utf-8', filename };
}
