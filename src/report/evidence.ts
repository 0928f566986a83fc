/**
 * The change-management evidence for an audit period, as an auditor takes it away: one row per pull
 * request merged into a protected branch (docs/interfaces.md `attest evidence`).
 */
import type { EvidenceRecord } from '../store/records';
import { csvRow } from './formats';

export const EVIDENCE_COLUMNS = [
  'repository',
  'pull_request',
  'title',
  'author',
  'approvers',
  'build_state',
  'merge_commit',
  'merged_at',
  'compliant',
] as const;

export function evidenceRows(records: readonly EvidenceRecord[]): string[][] {
  return records.map((record) => [
    record.repositorySlug,
    String(record.pullRequestId),
    record.title,
    record.author.name ?? record.author.accountId ?? 'unknown',
    record.approvers
      .map((approver) => `${approver.name ?? approver.accountId ?? 'unknown'}${approver.approvedAt ? ` (${approver.approvedAt})` : ''}`)
      .join('; ') || 'none',
    record.builds.map((build) => `${build.key}: ${build.state}`).join('; ') || 'none',
    record.mergeCommit ?? '',
    record.mergedAt,
    record.independentlyApproved && record.passingBuild ? 'yes' : 'no',
  ]);
}

export function evidenceCsv(records: readonly EvidenceRecord[]): string {
  return `${[csvRow([...EVIDENCE_COLUMNS]), ...evidenceRows(records).map(csvRow)].join('\r\n')}\r\n`;
}

export function evidenceJson(records: readonly EvidenceRecord[], period: { since: string; until: string }): string {
  const compliant = records.filter((record) => record.independentlyApproved && record.passingBuild).length;
  return `${JSON.stringify({ schemaVersion: 1, period, merged: records.length, compliant, records }, null, 2)}\n`;
}
