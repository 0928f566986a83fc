/**
 * The pure functions behind the dashboard's tables: filtering, searching, paging. Tested with tables; the
 * components only render what these return. The data's shape is the contract's (src/contract/resolvers.ts).
 */
import type { Row } from '../../contract/resolvers';

export type { DashboardViewModel, Row } from '../../contract/resolvers';

export interface Filters {
  search: string;
  project: string | null;
  classification: string | null;
  /** `failing`: a control failed; `unreadable`: a control could not be checked; null: all. */
  outcome: 'failing' | 'unreadable' | 'passing' | null;
}

export const NO_FILTERS: Filters = { search: '', project: null, classification: null, outcome: null };

export function filterRows(rows: readonly Row[], filters: Filters): Row[] {
  const search = filters.search.trim().toLowerCase();
  return rows.filter(
    (row) =>
      (search === '' || row.slug.toLowerCase().includes(search) || row.failing.some((id) => id.toLowerCase().includes(search))) &&
      (filters.project === null || row.project === filters.project) &&
      (filters.classification === null || row.classification === filters.classification) &&
      (filters.outcome === null ||
        (filters.outcome === 'failing' && row.failing.length > 0) ||
        (filters.outcome === 'unreadable' && row.counts['not-evaluable'] > 0) ||
        (filters.outcome === 'passing' && row.failing.length === 0 && row.counts['not-evaluable'] === 0)),
  );
}

export function projectsOf(rows: readonly Row[]): string[] {
  return [...new Set(rows.map((row) => row.project).filter((project): project is string => project !== null))].sort();
}

export const FRAMEWORK_NAMES = {
  soc2: 'SOC 2 (2017 TSC)',
  iso27001: 'ISO/IEC 27001:2022 Annex A',
  cis: 'CIS Software Supply Chain v1.0',
} as const;
