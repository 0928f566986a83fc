/**
 * The classification policy as rows an administrator edits one at a time, and back: a named repository (the
 * policy's `repositories` entries, checked first), then the rules in order (a project, or repositories whose slug
 * matches a glob, optionally within a project; the first that matches wins: docs/controls.md "Classification").
 */
import type { Classification, Policy } from '../../policy/policy';

export type RowKind = 'repository' | 'pattern' | 'project';

export interface ClassificationRow {
  kind: RowKind;
  /** The repository (slug or uuid), the glob, or the project key. */
  value: string;
  /** A glob rule's project, when the rule names both. */
  project: string | null;
  classification: Classification;
}

export const KIND_LABEL: Record<RowKind, string> = {
  repository: 'The repository',
  pattern: 'Repositories matching',
  project: 'Every repository of project',
};

export function rowsOf(classification: Policy['classification']): ClassificationRow[] {
  const named = Object.entries(classification.repositories).map(([value, to]): ClassificationRow => ({
    kind: 'repository',
    value,
    project: null,
    classification: to,
  }));
  const rules = classification.rules.map((rule): ClassificationRow =>
    rule.repository !== undefined
      ? { kind: 'pattern', value: rule.repository, project: rule.project ?? null, classification: rule.classification }
      : { kind: 'project', value: rule.project ?? '', project: null, classification: rule.classification },
  );
  return [...named, ...rules];
}

/** The policy's classification from the rows, or the first row that cannot be one (numbered from 1). */
export function classificationOf(rows: readonly ClassificationRow[]): { classification: Policy['classification'] } | { message: string } {
  const empty = rows.findIndex((row) => row.value.trim() === '');
  if (empty >= 0)
    return { message: `classification: row ${empty + 1} needs ${rows[empty]?.kind === 'project' ? 'a project key' : 'a repository'}` };
  const repositories: Record<string, Classification> = {};
  for (const row of rows.filter((candidate) => candidate.kind === 'repository')) {
    const value = row.value.trim();
    if (repositories[value] !== undefined) return { message: `classification: ${value} is named twice` };
    repositories[value] = row.classification;
  }
  const rules = rows
    .filter((row) => row.kind !== 'repository')
    .map((row) =>
      row.kind === 'project'
        ? { project: row.value.trim(), classification: row.classification }
        : { repository: row.value.trim(), ...(row.project ? { project: row.project } : {}), classification: row.classification },
    );
  return { classification: { repositories, rules } };
}
