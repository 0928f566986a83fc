/**
 * zod schemas for the Forge event payloads the app subscribes to. These are NOT Bitbucket webhook payloads:
 * they are thin (identifiers and a little state), every UUID is wrapped in braces, `title` is
 * `{truncated, value}`, `source.branch` is a string, and `selfGenerated` marks events our own API calls
 * caused (https://developer.atlassian.com/platform/forge/events-reference/bitbucket/, read 2026-11; docs/platform-facts.md §2). Only the fields the app uses
 * are declared; unknown fields pass through untouched and optional ones may be missing.
 */
import { z } from 'zod';

const WrappedUuid = z.string().regex(/^\{[0-9a-fA-F-]{36}\}$/, 'expected a {}-wrapped UUID');

const Resource = z.object({ uuid: WrappedUuid });

export const Actor = z.object({
  type: z.string().optional(),
  accountId: z.string().optional(),
  uuid: z.string().optional(),
});
export type Actor = z.infer<typeof Actor>;

const EventBase = z.object({
  eventType: z.string(),
  timestamp: z.string().optional(),
  selfGenerated: z.boolean().optional(),
  actor: Actor.optional(),
  workspace: Resource,
});

export const REPOSITORY_EVENTS = [
  'avi:bitbucket:created:repository',
  'avi:bitbucket:updated:repository',
  'avi:bitbucket:push:repository',
  'avi:bitbucket:deleted:repository',
] as const;
export type RepositoryEventType = (typeof REPOSITORY_EVENTS)[number];

export const RepositoryEvent = EventBase.extend({
  eventType: z.enum(REPOSITORY_EVENTS),
  repository: Resource.extend({ slug: z.string().optional() }),
  project: Resource.optional(),
  push: z
    .object({
      ref: z.string().optional(),
      mainbranch: z.boolean().optional(),
      truncated: z.boolean().optional(),
    })
    .optional(),
  changes: z.record(z.string(), z.unknown()).optional(),
});
export type RepositoryEvent = z.infer<typeof RepositoryEvent>;

export const PULL_REQUEST_EVENTS = [
  'avi:bitbucket:created:pullrequest',
  'avi:bitbucket:updated:pullrequest',
  'avi:bitbucket:fulfilled:pullrequest',
  'avi:bitbucket:rejected:pullrequest',
  'avi:bitbucket:updated:pullrequest-reviewer-status',
] as const;
export const BUILD_STATUS_EVENTS = ['avi:bitbucket:created:build-status', 'avi:bitbucket:updated:build-status'] as const;

const Branch = z.object({
  branch: z.string().optional(),
  commit: z.object({ hash: z.string() }).partial().optional(),
});

export const PullRequestRef = z.object({
  id: z.number().int().positive(),
  state: z.string().optional(),
  title: z.object({ truncated: z.boolean().optional(), value: z.string() }).optional(),
  source: Branch.optional(),
  destination: Branch.optional(),
  mergeCommit: z.object({ hash: z.string() }).optional(),
});

export const PullRequestEvent = EventBase.extend({
  eventType: z.enum(PULL_REQUEST_EVENTS),
  repository: Resource,
  project: Resource.optional(),
  pullrequest: PullRequestRef,
});
export type PullRequestEvent = z.infer<typeof PullRequestEvent>;

export const BuildStatusEvent = EventBase.extend({
  eventType: z.enum(BUILD_STATUS_EVENTS),
  repository: Resource,
  project: Resource.optional(),
  buildStatus: z.object({
    key: z.string(),
    state: z.string(),
    commit: z.object({ hash: z.string() }),
    url: z.string().optional(),
    refName: z.string().optional(),
  }),
});
export type BuildStatusEvent = z.infer<typeof BuildStatusEvent>;

/** Everything the pull-request trigger is subscribed to. */
export const PullRequestTriggerEvent = z.discriminatedUnion('eventType', [PullRequestEvent, BuildStatusEvent]);
export type PullRequestTriggerEvent = z.infer<typeof PullRequestTriggerEvent>;

/** Forge lifecycle events (https://developer.atlassian.com/platform/forge/events-reference/life-cycle/). */
export const LIFECYCLE_EVENTS = ['avi:forge:installed:app', 'avi:forge:upgraded:app'] as const;
export const LifecycleEvent = z.object({
  eventType: z.enum(LIFECYCLE_EVENTS).optional(),
  id: z.string().optional(),
  installerAccountId: z.string().optional(),
  upgraderAccountId: z.string().optional(),
  app: z.object({ id: z.string(), version: z.string() }).partial().optional(),
  environment: z.object({ id: z.string() }).partial().optional(),
});
export type LifecycleEvent = z.infer<typeof LifecycleEvent>;

/** The merge-check invocation payload (https://developer.atlassian.com/platform/forge/manifest-reference/modules/bitbucket-merge-check/). */
export const MergeCheckPayload = z.object({
  workspace: Resource,
  repository: Resource,
  pullrequest: z.object({ id: z.number().int().positive() }),
  trigger: z.object({ type: z.string() }).optional(),
  mergeProperties: z
    .object({
      commitMessage: z.string().optional(),
      commitMessageTruncated: z.boolean().optional(),
      mergeStrategy: z.string().optional(),
      closeSourceBranch: z.boolean().optional(),
    })
    .optional(),
});
export type MergeCheckPayload = z.infer<typeof MergeCheckPayload>;

/** What every handler receives as its second argument. `workspaceId` is the wrapped workspace UUID. */
export const InvocationContext = z.object({
  installContext: z.string().optional(),
  workspaceId: z.string().optional(),
  accountId: z.string().optional(),
});
export type InvocationContext = z.infer<typeof InvocationContext>;

/** Every event the app's code handles, for the manifest wiring test. */
export const HANDLED_EVENTS: readonly string[] = [
  ...REPOSITORY_EVENTS,
  ...PULL_REQUEST_EVENTS,
  ...BUILD_STATUS_EVENTS,
  ...LIFECYCLE_EVENTS,
];
