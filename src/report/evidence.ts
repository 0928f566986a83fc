/**
 * The change-management evidence for an audit period, as an auditor takes it away: one row per pull
 * request merged into a protected branch (docs/interfaces.md `attest evidence`), each usable alone: why a
 * non-compliant one is not compliant, where it went, who merged it, how its merge time is known, and a link.
 */
import type { ChainHead, ChainLink, EvidenceRecord } from '../store/records';
import { csvRow } from './formats';

/** The first nine columns are those of schemaVersion 1; the rest were added after them, in this order. */
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
  'reason',
  'destination',
  'merged_by',
  'merged_at_source',
  'url',
] as const;

const personOf = (person: { name: string | null; accountId: string | null } | null) => person?.name ?? person?.accountId ?? 'unknown';

/** Why a record does not meet BB-PR-1 and BB-PR-2, in words; empty when it does. */
export function nonComplianceReason(record: EvidenceRecord): string {
  const reasons: string[] = [];
  if (!record.independentlyApproved) reasons.push('no approval from anyone but the author');
  if (!record.passingBuild) {
    const failing = record.builds.filter((build) => build.state !== 'SUCCESSFUL');
    reasons.push(
      record.builds.length === 0
        ? 'no build reported'
        : `the last build did not pass (${failing.map((build) => `${build.key}: ${build.state}`).join(', ')})`,
    );
  }
  return reasons.join('; ');
}

export function evidenceRows(records: readonly EvidenceRecord[]): string[][] {
  return records.map((record) => [
    record.repositorySlug,
    String(record.pullRequestId),
    record.title,
    personOf(record.author),
    record.approvers.map((approver) => `${personOf(approver)}${approver.approvedAt ? ` (${approver.approvedAt})` : ''}`).join('; ') ||
      'none',
    record.builds.map((build) => `${build.key}: ${build.state}`).join('; ') || 'none',
    record.mergeCommit ?? '',
    record.mergedAt,
    record.independentlyApproved && record.passingBuild ? 'yes' : 'no',
    nonComplianceReason(record),
    record.destination ?? '',
    record.mergedBy ? personOf(record.mergedBy) : '',
    record.mergedAtSource ?? 'unknown',
    record.url ?? '',
  ]);
}

export function evidenceCsv(records: readonly EvidenceRecord[]): string {
  return `${[csvRow([...EVIDENCE_COLUMNS]), ...evidenceRows(records).map(csvRow)].join('\r\n')}\r\n`;
}

/** What the JSON export says about where it comes from, how complete it is, and how to re-verify it. */
export interface EvidenceExportContext {
  period: { since: string; until: string };
  workspace: { slug: string; uuid: string } | null;
  generatedAt: string;
  coverage?: unknown;
  /** Each record's link in its repository's hash chain, and every chain's head (src/store/evidence-chain.ts). */
  chain?: { links: (record: EvidenceRecord) => ChainLink | null; heads: Array<{ repositoryUuid: string; head: ChainHead }> };
  /** When the records are a sample: how many, of how large a population, drawn with which seed (src/report/sample.ts). */
  sample?: { size: number; seed: string; population: number };
}

export function evidenceJson(records: readonly EvidenceRecord[], context: EvidenceExportContext): string {
  const compliant = records.filter((record) => record.independentlyApproved && record.passingBuild).length;
  const body = {
    schemaVersion: 1,
    generatedAt: context.generatedAt,
    workspace: context.workspace,
    period: context.period,
    ...(context.coverage === undefined ? {} : { coverage: context.coverage }),
    ...(context.chain ? { chainHeads: context.chain.heads } : {}),
    ...(context.sample ? { sample: context.sample } : {}),
    merged: records.length,
    compliant,
    // Each record as kept, plus `reason` and `chain`: without those two, its SHA-256 over canonical JSON is
    // `chain.recordHash` (docs/interfaces.md, "Verifying an export").
    records: records.map((record) => ({
      ...record,
      reason: nonComplianceReason(record) || null,
      chain: context.chain?.links(record) ?? null,
    })),
  };
  return `${JSON.stringify(body, null, 2)}\n`;
}
