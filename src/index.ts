/**
 * Wiring only: every `handler: index.<export>` of manifest.yml, grouped by Forge module kind.
 * test/forge/manifest.test.ts checks that the manifest and these exports match in both directions.
 */

// trigger
export { repositoryEvent } from './handlers/triggers/repository-event';
export { pullRequestEvent } from './handlers/triggers/pull-request-event';
export { lifecycleEvent } from './handlers/triggers/lifecycle-event';

// scheduledTrigger
export { hourlyScan } from './handlers/scheduled/hourly-scan';

// consumer
export { scanJob } from './handlers/consumers/scan-job';

// bitbucket:mergeCheck
export { mergeCheck } from './handlers/merge-checks/merge-check';

// UI Kit resolvers: one per module, each with only its own keys
export { dashboardResolver, settingsResolver, repositoryCardResolver, pullRequestCardResolver } from './handlers/resolvers/ui-resolver';

// webtrigger: evidence downloads granted by the dashboard
export { evidenceDownload } from './handlers/webtriggers/evidence-download';
