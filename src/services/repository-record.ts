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
    ledgerBackfill: null,
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
