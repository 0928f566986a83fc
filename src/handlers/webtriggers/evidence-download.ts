/**
 * The web trigger that serves an evidence download the dashboard granted (src/handlers/resolvers/evidence-download.ts).
 * Its request and response are Forge's web trigger JSON: headers as arrays of strings, the body a string
 * (https://developer.atlassian.com/platform/forge/runtime-reference/web-trigger/). Anyone may call the URL, so
 * nothing is served without a grant: an unknown, used or expired token gets a 404 that says what to do, and
 * the file holds only the repositories the grantee could read in Bitbucket when it was granted.
 */
import { z } from 'zod';
import { now } from '../../lib/clock';
import { createLogger } from '../../lib/log';
import { coverageStatement, ledgerCoverage } from '../../report/coverage';
import { chainOf, evidenceFile, findingsFilename } from '../../services/evidence-export';
import { reportFromStore } from '../../report/from-store';
import { render } from '../../report/formats';
import { unwrapUuid } from '../../lib/uuid';
import { exportCsv, exportHtml, reviewerFor, suggestionFor } from '../../services/access-review';
import { APP_VERSION } from '../../version';
import type { DownloadGrant } from '../../store/records';
import { createStore, type Store } from '../../store/store';
import { tokenHashOf } from '../resolvers/evidence-download';

const WebTriggerRequest = z.object({
  method: z.string(),
  queryParameters: z.record(z.string(), z.array(z.string())).default({}),
});

export interface WebTriggerResponse {
  statusCode: number;
  headers: Record<string, string[]>;
  body: string;
}

/**
 * A web trigger's response is subject to the function response payload limit
 * (https://developer.atlassian.com/platform/forge/events-reference/web-trigger/), 5 MB (docs/platform-facts.md,
 * invocation limits); a larger file is refused with the command that exports it instead.
 */
const MAX_BODY_BYTES = 5 * 1024 * 1024 - 16 * 1024;

const text = (statusCode: number, message: string): WebTriggerResponse => ({
  statusCode,
  headers: { 'Content-Type': ['text/plain; charset=utf-8'], 'Cache-Control': ['no-store'], 'X-Content-Type-Options': ['nosniff'] },
  body: `${message}\n`,
});

/** The findings: every repository's stored results the grantee could read, as `attest scan` writes them. */
async function findingsFor(store: Store, grant: DownloadGrant & { format: 'findings-csv' | 'findings-json' }) {
  const at = now();
  const report = await reportFromStore(store, {
    workspace: grant.workspace,
    policy: await store.getPolicy(),
    generatedAt: at,
    version: APP_VERSION,
    requests: 0,
    notEvaluatedWhy: 'the scan had not reached it when',
  });
  const visible = report.repositories.filter(
    (repository) => grant.repositories === 'all' || grant.repositories.includes(unwrapUuid(repository.uuid)),
  );
  const format = grant.format === 'findings-csv' ? 'csv' : 'json';
  return {
    body: render({ ...report, repositories: visible, summary: { ...report.summary, repositories: visible.length } }, format, false),
    contentType: format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
    filename: findingsFilename(format, grant.workspace.slug, at.toISOString()),
  };
}

/** An access review's export: CSV, JSON (the review, its frozen hash, every item and decision) or a printable page. */
async function accessReviewFor(store: Store, grant: DownloadGrant, format: 'csv' | 'json' | 'html') {
  const review = grant.reviewId ? await store.getReview(grant.reviewId) : undefined;
  if (!review) return { body: 'This access review no longer exists.\n', contentType: 'text/plain; charset=utf-8', filename: 'missing.txt' };
  const [items, decisions, policy, frozen] = await Promise.all([
    store.getItems(review),
    store.getDecisions(review.id),
    store.getPolicy(),
    store.getFrozen(review.id),
  ]);
  const at = now();
  const rows = items.map((item) => ({
    item,
    reviewer: reviewerFor(review, item),
    decision: decisions.get(item.id) ?? null,
    suggestion: suggestionFor(item, { policy, now: at }),
  }));
  const filename = `attest-access-review-${grant.workspace.slug}-${review.id}.${format}`;
  if (format === 'csv') return { body: exportCsv(rows), contentType: 'text/csv; charset=utf-8', filename };
  if (format === 'html') return { body: exportHtml(review, rows, frozen?.hash ?? null), contentType: 'text/html; charset=utf-8', filename };
  const body = JSON.stringify({ review, frozen: frozen ?? null, rows }, null, 2);
  return { body: `${body}\n`, contentType: 'application/json; charset=utf-8', filename };
}

async function fileFor(store: Store, grant: DownloadGrant) {
  if (grant.format === 'findings-csv' || grant.format === 'findings-json') return findingsFor(store, { ...grant, format: grant.format });
  if (grant.format === 'access-review-csv') return accessReviewFor(store, grant, 'csv');
  if (grant.format === 'access-review-json') return accessReviewFor(store, grant, 'json');
  if (grant.format === 'access-review-html') return accessReviewFor(store, grant, 'html');
  const format = grant.format;
  const since = new Date(grant.since);
  const until = new Date(grant.until);
  const visible = (uuid: string) => grant.repositories === 'all' || grant.repositories.includes(uuid);
  const [all, repositories, policy] = await Promise.all([
    store.listEvidenceBetween(since, until),
    store.listRepositories(),
    store.getPolicy(),
  ]);
  const records = all.filter((record) => visible(record.repositoryUuid));
  const coverage = ledgerCoverage(
    repositories.filter((record) => visible(record.uuid)),
    { since, until, now: now() },
  );
  const period = { since: grant.since, until: grant.until };
  const generatedAt = now().toISOString();
  return evidenceFile(format, records, {
    json: { period, workspace: grant.workspace, generatedAt, coverage, chain: await chainOf(store, records) },
    summary: { workspace: grant.workspace.slug, period, generatedAt, coverage: coverageStatement(coverage), exceptions: policy.exceptions },
  });
}

export async function evidenceDownload(payload: unknown): Promise<WebTriggerResponse> {
  const request = WebTriggerRequest.safeParse(payload);
  if (!request.success || request.data.method !== 'GET') return text(405, 'Open the download link from the Evidence tab of Attest.');
  const token = request.data.queryParameters.token?.[0] ?? '';
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return text(404, 'This download link is not valid. Ask for a new one from the Evidence tab.');
  const store = createStore();
  const grant = await store.takeDownloadGrant(tokenHashOf(token));
  if (!grant || Date.parse(grant.expiresAt) < now().getTime())
    return text(404, 'This download link has expired or was already used. Ask for a new one from the Evidence tab.');
  const file = await fileFor(store, grant);
  if (Buffer.byteLength(file.body) > MAX_BODY_BYTES)
    return text(
      413,
      grant.format.startsWith('findings-')
        ? 'This export is larger than a download can be: run `attest scan --format csv`.'
        : `This export is larger than a download can be: run \`attest evidence --since ${grant.since.slice(0, 10)} --until ${grant.until.slice(0, 10)}\`.`,
    );
  createLogger({ handler: 'evidence-download' }).info('Evidence downloaded', { format: grant.format, accountId: grant.accountId });
  return {
    statusCode: 200,
    headers: {
      'Content-Type': [file.contentType],
      'Content-Disposition': [`attachment; filename="${file.filename}"`],
      'Cache-Control': ['no-store'],
      'X-Content-Type-Options': ['nosniff'],
    },
    body: file.body,
  };
}
