/**
 * Delivery metrics for the dashboard's Delivery tab and the repository card (docs/delivery-metrics.md). The tab
 * reads the same few KVS values however many repositories there are: the overview, one table page, and for
 * administrators the projects' numbers. Rows are only those the caller can read in Bitbucket; workspace-wide
 * figures stay, as the score does.
 */
import { now } from '../../lib/clock';
import { reviewAdvisory } from '../../metrics/summarize';
import { figuresOf } from '../../metrics/summarize';
import { weeksEnding } from '../../metrics/weeks';
import { keyNumbers } from '../../services/delivery-rollup';
import { createStore } from '../../store/store';
import { DeliveryPayload, type ResolverAnswer } from '../../contract/resolvers';
import type { ResolverRequest } from './context';
import { ok, parsePayload, type Envelope } from './envelope';
import { memberViewer } from './read-resolvers';

/** The card's window. */
const CARD_WEEKS = 12;

export async function getDelivery(request: ResolverRequest): Promise<Envelope<ResolverAnswer<'delivery/get'>>> {
  const input = parsePayload(DeliveryPayload, request.payload ?? {});
  if ('error' in input) return input.error;
  const viewer = await memberViewer(request);
  if ('ok' in viewer) return viewer;
  const { weeks, page } = input.data;
  const store = createStore();
  const [overview, rows, sync, policy] = await Promise.all([
    store.getFlowOverview(),
    store.getFlowPage(weeks, page),
    store.getFlowSync(),
    store.getPolicy(),
  ]);
  const window = overview?.windows.find((candidate) => candidate.weeks === weeks) ?? null;
  const projects = viewer.admin ? (await store.getProjectNumbers(weeks)).rows : null;
  return ok({
    overview:
      overview && window
        ? {
            computedAt: overview.computedAt,
            repositories: overview.repositories,
            coverage: overview.coverage,
            window,
            series: overview.series.slice(-weeks),
          }
        : null,
    rows: rows.rows.filter((row) => viewer.readable.has(row.uuid)),
    page,
    projects,
    advisory: {
      id: 'BB-FLOW-1',
      ...(window
        ? reviewAdvisory(window.figures, policy.maxReviewHours)
        : { outcome: 'not-applicable', detail: 'No delivery figures yet.' }),
    },
    sync,
    now: now().toISOString(),
  });
}

/** The card's numbers: the repository's rolled-up weeks (one read), over the last 12 weeks. */
export async function repositoryDelivery(repositoryUuid: string) {
  const row = await createStore().getFlowRow(repositoryUuid);
  if (!row) return null;
  const wanted = new Set(weeksEnding(now(), CARD_WEEKS));
  const figures = figuresOf(
    row.weeks.filter((week) => wanted.has(week.week)),
    CARD_WEEKS,
  );
  return { weeks: CARD_WEEKS, computedAt: row.computedAt, coverage: row.coverage, numbers: keyNumbers(figures), figures };
}
