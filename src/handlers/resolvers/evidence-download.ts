/**
 * `evidence/download`: a link to the period's evidence as a file. UI Kit has no file download, so the
 * dashboard opens a web trigger's URL in a new tab (`router.open`), and the web trigger answers with the file
 * (`Content-Disposition: attachment`). A web trigger URL carries no authentication of its own
 * (https://developer.atlassian.com/platform/forge/manifest-reference/modules/web-trigger/), so what it serves
 * is decided here, as the user, by Bitbucket: a grant for one file, keyed by the SHA-256 of a random token
 * that only the link carries, used once, within 10 minutes.
 */
import { createHash, randomBytes } from 'node:crypto';
import api, { webTrigger } from '@forge/api';
import { getWorkspace } from '../../bitbucket/api';
import { createBitbucketClient } from '../../bitbucket/client';
import { now } from '../../lib/clock';
import { evidenceFilename, findingsFilename } from '../../services/evidence-export';
import { createStore } from '../../store/store';
import { EvidenceDownloadPayload, FindingsDownloadPayload, type ResolverAnswer } from '../../contract/resolvers';
import type { DownloadGrant } from '../../store/records';
import { callerOf, type ResolverRequest } from './context';
import { failure, ok, parsePayload, type Envelope } from './envelope';
import { memberViewer, periodOf } from './read-resolvers';

/** The web trigger module that serves grants (manifest.yml). */
export const DOWNLOAD_TRIGGER = 'evidence-download';
const GRANT_MS = 10 * 60_000;
/** A grant lists the repositories a member can read; past this many, the CLI is the way (a KVS value is at most 240 KiB). */
const MAX_GRANT_REPOSITORIES = 5000;

export const tokenHashOf = (token: string): string => createHash('sha256').update(token).digest('hex');

/** A grant of one file to the caller, for the repositories Bitbucket lets them read: the link and its expiry. */
async function grantDownload(
  request: ResolverRequest,
  file: { format: DownloadGrant['format']; since: string; until: string; filename: (slug: string) => string; reviewId?: string },
): Promise<Envelope<ResolverAnswer<'evidence/download'>>> {
  const viewer = await memberViewer(request);
  if ('ok' in viewer) return viewer;
  const { workspaceUuid } = callerOf(request);
  if (!workspaceUuid) return failure('FORBIDDEN', 'Open this from Bitbucket while signed in.');
  if (!viewer.admin && viewer.readable.size > MAX_GRANT_REPOSITORIES)
    return failure('INVALID_INPUT', `You can read more than ${MAX_GRANT_REPOSITORIES} repositories: use \`attest\` for this export.`);
  const workspace = await getWorkspace(createBitbucketClient({ request: api.asUser(), maxAttempts: 2 }), workspaceUuid);
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now().getTime() + GRANT_MS).toISOString();
  await createStore().putDownloadGrant(tokenHashOf(token), {
    format: file.format,
    since: file.since,
    until: file.until,
    accountId: viewer.accountId,
    workspace: { uuid: workspaceUuid, slug: workspace.slug },
    repositories: viewer.admin ? 'all' : [...viewer.readable],
    expiresAt,
    ...(file.reviewId ? { reviewId: file.reviewId } : {}),
  });
  const url = new URL(await webTrigger.getUrl(DOWNLOAD_TRIGGER));
  url.searchParams.set('token', token);
  return ok({ url: url.toString(), expiresAt, filename: file.filename(workspace.slug) });
}

/** `findings/download`: the results of every repository the caller can read, as `attest scan` writes them. */
export async function requestFindingsDownload(request: ResolverRequest): Promise<Envelope<ResolverAnswer<'findings/download'>>> {
  const input = parsePayload(FindingsDownloadPayload, request.payload);
  if ('error' in input) return input.error;
  const at = now().toISOString();
  const format = input.data.format === 'csv' ? 'findings-csv' : 'findings-json';
  return grantDownload(request, { format, since: at, until: at, filename: (slug) => findingsFilename(input.data.format, slug, at) });
}

export async function requestEvidenceDownload(request: ResolverRequest): Promise<Envelope<ResolverAnswer<'evidence/download'>>> {
  const input = parsePayload(EvidenceDownloadPayload, request.payload);
  if ('error' in input) return input.error;
  const period = periodOf(input.data);
  if ('ok' in period) return period;
  const since = period.since.toISOString();
  const until = period.until.toISOString();
  return grantDownload(request, {
    format: input.data.format,
    since,
    until,
    filename: (slug) => evidenceFilename(input.data.format, slug, { since, until }),
  });
}

/** An access review as a file for the auditor (administrators only: the caller is checked before this is called). */
export function grantReviewDownload(
  request: ResolverRequest,
  review: { reviewId: string; format: 'csv' | 'json' | 'html' },
): Promise<Envelope<ResolverAnswer<'access-review/export'>>> {
  const at = now().toISOString();
  return grantDownload(request, {
    format: `access-review-${review.format}`,
    since: at,
    until: at,
    reviewId: review.reviewId,
    filename: (slug) => `attest-access-review-${slug}-${review.reviewId}.${review.format}`,
  });
}
