/**
 * The emulator against recorded Bitbucket Cloud responses (test/fixtures/bitbucket-recorded/): for every
 * route the app calls where a recording exists, the emulator's answer has the recording's keys at every
 * level, no keys the recording lacks unless listed below with the reason, and the same value formats
 * (date-times with a numeric offset, braced UUIDs, commit hashes, `type` values). Routes without a
 * recording are listed in UNRECORDED: they rest on the OpenAPI document (openapi.test.ts) alone.
 */
import fs from 'node:fs';
import path from 'node:path';

import { useDemoEmulator } from './demo-emulator';

const RECORDED = path.resolve(__dirname, '..', 'fixtures', 'bitbucket-recorded');
const recording = (file: string): unknown => JSON.parse(fs.readFileSync(path.join(RECORDED, file), 'utf8'));

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Keys the emulator may lack: gone from the live API since the recording. */
const REMOVED_SINCE: Record<string, string> = {
  username: 'removed from user objects in 2019 (Bitbucket API changes for GDPR)',
};

/**
 * Keys the emulator sends that a recording lacks, each in the OpenAPI document's schema for that object:
 * the recordings are of a personal 2018 repository (no project or workspace) and an open pull request read
 * before `participants`/`reviewers` were in the single representation.
 */
const NOT_IN_RECORDING: Record<string, string> = {
  project: 'repository.project (document); the recorded repository is personal',
  workspace: 'repository.workspace (document); added after 2018',
  participants: 'pullrequest.participants (document; single pull request only)',
  reviewers: 'pullrequest.reviewers (document; single pull request only)',
  nickname: 'account.nickname (document)',
  account_id: 'account.account_id (document)',
  diffstat: 'pullrequest.links.diffstat (document)',
  merge_commit: 'pullrequest.merge_commit (document; null on open pull requests, recorded in lists)',
  closed_by: 'pullrequest.closed_by (document; null on open pull requests, recorded in lists)',
  next: 'page.next (document): present when there is a next page',
  refname: 'commitstatus.refname (recorded as null, so its format is not compared)',
  draft: 'pullrequest.draft (document); the single recorded pull request predates it, the recorded list has it',
};

/** Keys at these paths the older single recording lacks and the newer list recording has. */
const NEWER_THAN_RECORDING = new Set(['$.source.branch.links', '$.destination.branch.links']);

/** Recorded values the emulator differs from on purpose, by path. */
const DIFFERENT_ON_PURPOSE: Record<string, string> = {
  '$.owner.type': 'the recorded repository is personal (owner "user"); a workspace\'s repositories are owned by the workspace ("team")',
  '$.owner.account_id': 'a workspace owner ("team") has no account id',
};

const DATE_TIME_BB = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?\+00:00$/;
const FORMATS: Array<[string, RegExp]> = [
  ['a Bitbucket date-time', DATE_TIME_BB],
  ['a braced UUID', /^\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}$/],
  ['a commit hash', /^[0-9a-f]{12}$|^[0-9a-f]{40}$/],
];

function kind(value: Json | undefined): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

/** Differences between a recorded value and the emulator's, with the path where each is. */
export function shapeDifferences(recorded: Json, emulated: Json, at = '$'): string[] {
  const out: string[] = [];
  if (recorded === null || emulated === null) return out; // nullable either way: the key's presence is what counts
  if (kind(recorded) !== kind(emulated)) return [`${at}: recorded ${kind(recorded)}, emulator ${kind(emulated)}`];
  if (Array.isArray(recorded) && Array.isArray(emulated)) {
    if (recorded.length > 0 && emulated.length > 0) out.push(...shapeDifferences(recorded[0]!, emulated[0]!, `${at}[0]`));
    return out;
  }
  if (typeof recorded === 'string' && typeof emulated === 'string') {
    for (const [name, pattern] of FORMATS)
      if (pattern.test(recorded) && !pattern.test(emulated)) out.push(`${at}: recorded ${name} (${recorded}), emulator ${emulated}`);
    return out;
  }
  if (typeof recorded !== 'object' || typeof emulated !== 'object') return out;
  const r = recorded as Record<string, Json>;
  const e = emulated as Record<string, Json>;
  for (const key of Object.keys(r)) {
    if (`${at}.${key}` in DIFFERENT_ON_PURPOSE) continue;
    if (!(key in e)) {
      if (!(key in REMOVED_SINCE)) out.push(`${at}.${key}: recorded, missing from the emulator`);
      continue;
    }
    if (key === 'type' && r[key] !== e[key]) out.push(`${at}.type: recorded ${String(r[key])}, emulator ${String(e[key])}`);
    out.push(...shapeDifferences(r[key]!, e[key]!, `${at}.${key}`));
  }
  for (const key of Object.keys(e))
    if (
      !(key in r) &&
      !(key in NOT_IN_RECORDING) &&
      !NEWER_THAN_RECORDING.has(`${at}.${key}`) &&
      !(at.endsWith('.links') || at === '$.links')
    )
      out.push(`${at}.${key}: sent by the emulator, not in the recording`);
  return out;
}

/** Every date-time string in a body. */
function dateTimes(value: Json): string[] {
  if (typeof value === 'string') return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value) ? [value] : [];
  if (Array.isArray(value)) return value.flatMap(dateTimes);
  if (value && typeof value === 'object') return Object.values(value).flatMap(dateTimes);
  return [];
}

describe('emulator answers against recorded Bitbucket Cloud responses', () => {
  const demo = useDemoEmulator();

  const get = async (route: string): Promise<Json> =>
    (await (await fetch(`${demo.emulator.url}${route}`, { headers: { authorization: 'Bearer shapes' } })).json()) as Json;
  const first = (page: Json): Json => ((page as { values: Json[] }).values[0] ?? null) as Json;

  // [the route the app calls, the request, the recording, what of each to compare]
  const RECORDED_ROUTES: Array<[string, () => string, string, (body: Json) => Json]> = [
    ['GET /repositories/{w}/{r}', () => '/2.0/repositories/acme/payments-api', 'repository.json', (body) => body],
    ['GET /repositories/{w} (an item)', () => '/2.0/repositories/acme?pagelen=10', 'repository.json', first],
    ['GET …/pullrequests/{id}', () => '/2.0/repositories/acme/payments-api/pullrequests/1', 'pullrequest.json', (body) => body],
    [
      'GET …/pullrequests?state=MERGED (the page)',
      () => '/2.0/repositories/acme/payments-api/pullrequests?state=MERGED&pagelen=50',
      'pullrequests-page.json',
      (body) => ({ ...(body as Record<string, Json>), values: [] }),
    ],
    [
      'GET …/pullrequests?state=MERGED (an item)',
      () => '/2.0/repositories/acme/payments-api/pullrequests?state=MERGED&pagelen=50',
      'pullrequests-page.json',
      first,
    ],
    [
      'GET …/commit/{c}/statuses (an item)',
      () => `/2.0/repositories/acme/payments-api/commit/${demo.statusCommit}/statuses`,
      'commit-status.json',
      first,
    ],
    [
      'GET …/pullrequests/{id}/statuses (an item)',
      () => '/2.0/repositories/acme/payments-api/pullrequests/1/statuses',
      'commit-status.json',
      first,
    ],
    ['GET …/refs/branches?q=name="…" (an item)', () => '/2.0/repositories/acme/payments-api/refs/branches', 'branches-page.json', first],
  ];

  it.each(RECORDED_ROUTES)('%s has the recorded shape', async (_route, request, file, pick) => {
    const recorded = recording(file) as Json;
    const emulated = pick(await get(request()));
    const compareTo =
      file.endsWith('-page.json') && pick === first
        ? first(recorded)
        : pick === first
          ? recorded
          : file.endsWith('-page.json')
            ? { ...(recorded as Record<string, Json>), values: [] }
            : recorded;
    expect(emulated).not.toBeNull();
    expect(shapeDifferences(compareTo, emulated)).toEqual([]);
  });

  it.each(RECORDED_ROUTES)('%s writes every date-time as Bitbucket does', async (_route, request) => {
    const found = dateTimes(await get(request()));
    expect(found.length).toBeGreaterThan(0);
    expect(found.filter((value) => !DATE_TIME_BB.test(value) && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/.test(value))).toEqual([]);
  });

  /** Routes the app calls with no recording to compare against: the OpenAPI document is their only source. */
  const UNRECORDED = [
    'GET /workspaces/{w}',
    'GET /workspaces/{w}/members',
    'GET /workspaces/{w}/members/{member}',
    'GET /workspaces/{w}/permissions',
    'GET …/branch-restrictions',
    'GET …/effective-branching-model',
    'GET …/effective-default-reviewers',
    'GET …/pipelines_config',
    'GET …/pipelines',
    'GET …/src/{commit}/{path}',
    'GET …/pullrequests/{id}/activity',
  ];

  it('says which routes the app calls have no recording', () => {
    expect(UNRECORDED.filter((route) => RECORDED_ROUTES.some(([recorded]) => recorded === route))).toEqual([]);
    expect(RECORDED_ROUTES.length + UNRECORDED.length).toBeGreaterThanOrEqual(15);
  });

  it('finds a difference when there is one (the comparison can fail)', () => {
    expect(
      shapeDifferences(
        { created_on: '2018-09-20T12:49:08.541926+00:00', uuid: '{3deb8c29-778a-450c-8f69-3e50a18079df}' },
        { created_on: '2018-09-20T12:49:08.541Z', uuid: '3deb8c29-778a-450c-8f69-3e50a18079df' },
      ),
    ).toHaveLength(2);
    expect(shapeDifferences({ links: { self: {} }, summary: { type: 'rendered' } }, { links: {}, summary: {} })).toHaveLength(2);
  });
});
