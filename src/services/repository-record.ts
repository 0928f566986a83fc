import type { Repository } from '../bitbucket/schemas';
import { repositorySlug } from '../bitbucket/schemas';
import type { RepositoryRecord } from '../store/records';
import { unwrapUuid } from '../lib/uuid';

/** The repository part of a record; evaluation fields are kept from `previous` when there is one. */
export function toRepositoryRecord(repository: Repository, observedAt: Date, cause: string, previous?: RepositoryRecord): RepositoryRecord {
  return {
    classification: 'unclassified',
    score: null,
    results: null,
    evaluatedAt: null,
    requests: 0,
    ledgerFrom: null,
    ledgerCheckedAt: null,
    ...previous,
    uuid: unwrapUuid(repository.uuid),
    slug: repositorySlug(repository),
    fullName: repository.full_name,
    name: repository.name ?? repositorySlug(repository),
    isPrivate: repository.is_private ?? null,
    mainBranch: repository.mainbranch?.name ?? null,
    projectKey: repository.project?.key ?? null,
    htmlUrl: repository.links?.html?.href ?? null,
    observedAt: observedAt.toISOString(),
    cause,
  };
}

/** The repository object the engine evaluates, rebuilt from a stored record (no request needed). */
export function fromRepositoryRecord(record: RepositoryRecord): Repository {
  return {
    uuid: `{${record.uuid}}`,
    slug: record.slug,
    name: record.name,
    full_name: record.fullName,
    ...(record.isPrivate === null ? {} : { is_private: record.isPrivate }),
    mainbranch: record.mainBranch === null ? null : { name: record.mainBranch },
    project: record.projectKey === null ? null : { key: record.projectKey },
    ...(record.htmlUrl ? { links: { html: { href: record.htmlUrl } } } : {}),
  };
}
