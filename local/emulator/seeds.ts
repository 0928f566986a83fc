/**
 * Seeds: `demo` (a realistic workspace: 44 repositories in 5 projects, a mix of good, bad and partly
 * configured settings, a few hundred pull requests over the last 120 days, members without two-step
 * verification) and `generateWorkspace(n)` for benchmarks (any N up to 10,000 repositories).
 * Deterministic: a seeded PRNG, and dates relative to the seed's `now`.
 */
import fs from 'node:fs';
import { Seed, type SeedInput } from './model';
import { hashOf } from './render';

export const DEMO_NOW = Date.UTC(2026, 10, 22, 9, 0, 0);
export const DEMO_WORKSPACE = { slug: 'acme', uuid: '{7d4e3c2b-1a09-4f8e-9d6c-5b4a39281706}' };

function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function uuidFrom(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('');
  return `{${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}}`;
}

function hash(random: () => number): string {
  return Array.from({ length: 40 }, () => Math.floor(random() * 16).toString(16)).join('');
}

const iso = (ms: number) => new Date(ms).toISOString();
const DAY = 86_400_000;

/** Each demo repository's description names its profile, so tests can state the intended verdicts. */
export const PROFILE_PREFIX = 'Demo profile: ';

/** The kinds of repository the demo mixes, with what each is built to show. */
export type Profile = 'exemplary' | 'advisory' | 'unprotected' | 'partial' | 'public' | 'empty' | 'branching-model' | 'bypass';

const PROJECTS = [
  { key: 'CORE', name: 'Core platform' },
  { key: 'PAY', name: 'Payments' },
  { key: 'WEB', name: 'Web' },
  { key: 'DATA', name: 'Data' },
  { key: 'LAB', name: 'Labs' },
];

interface BuildOptions {
  repositories: number;
  pullRequestsPerRepository: number;
  seed: number;
  now: number;
  slug: string;
  uuid: string;
}

function profileFor(index: number, random: () => number): Profile {
  const profiles: Profile[] = [
    'exemplary',
    'exemplary',
    'advisory',
    'unprotected',
    'partial',
    'partial',
    'bypass',
    'branching-model',
    'public',
    'empty',
  ];
  return index < profiles.length ? profiles[index]! : profiles[Math.floor(random() * (profiles.length - 1))]!;
}

const DEMO_PEOPLE = [
  'Ada Lovelace',
  'Grace Hopper',
  'Alan Turing',
  'Edsger Dijkstra',
  'Barbara Liskov',
  'Ken Thompson',
  'Margaret Hamilton',
  'Donald Knuth',
  'Frances Allen',
  'Leslie Lamport',
  'Deploy Bot',
  'Radia Perlman',
];

type Person = { uuid: string; accountId: string; displayName: string; has2fa: boolean | null; type: 'user' | 'app_user' };

/** Twelve people: two without two-step verification, one whose setting is hidden, and a bot. */
function demoUsers(random: () => number): Person[] {
  return Array.from({ length: 12 }, (_, i) => ({
    uuid: uuidFrom(random),
    accountId: `557058:${(100000 + i).toString(16)}-demo-${i}`,
    displayName: DEMO_PEOPLE[i] ?? `Person ${i}`,
    has2fa: i === 3 || i === 7 ? false : i === 11 ? null : true,
    type: i === 10 ? ('app_user' as const) : ('user' as const),
  }));
}

/** What a repository is built from: its place in the workspace and the generator's shared state. */
interface RepositoryPlan {
  index: number;
  profile: Profile;
  mainBranch: string | null;
  people: Person[];
  bot: Person;
  nextRestrictionId: () => number;
  random: () => number;
  options: BuildOptions;
}

/** The branch restrictions a profile has (no randomness: the generator's sequence does not move). */
function restrictionsFor(plan: RepositoryPlan): Array<Record<string, unknown>> {
  const { profile, index, mainBranch, people, bot } = plan;
  const restrict = (kind: string, extra: Record<string, unknown> = {}) => ({
    id: plan.nextRestrictionId(),
    kind,
    branch_match_kind: 'glob' as const,
    pattern: mainBranch ?? 'main',
    users: [],
    groups: [],
    value: null,
    ...extra,
  });
  const restrictionId = { next: plan.nextRestrictionId };
  const restrictions: Array<Record<string, unknown>> = [];
  if (profile === 'exemplary' || profile === 'advisory' || profile === 'bypass' || profile === 'public') {
    restrictions.push(
      restrict('push', profile === 'bypass' ? { users: [people[0]?.accountId], groups: ['release-managers'] } : {}),
      restrict('force'),
      restrict('delete'),
    );
    restrictions.push(
      restrict('require_approvals_to_merge', { value: profile === 'exemplary' ? 2 : 1 }),
      restrict('require_passing_builds_to_merge', { value: 1 }),
    );
    restrictions.push(
      restrict('require_no_changes_requested'),
      restrict(index % 2 === 0 ? 'smart_reset_pullrequest_approvals' : 'reset_pullrequest_approvals_on_change'),
    );
    if (profile !== 'advisory') restrictions.push(restrict('enforce_merge_checks'));
  } else if (profile === 'partial') {
    restrictions.push(
      restrict('force', { pattern: '*' }),
      restrict('require_approvals_to_merge', { value: 0 }),
      restrict('push', { pattern: 'release/*' }),
    );
  } else if (profile === 'branching-model') {
    for (const kind of ['push', 'force', 'delete', 'enforce_merge_checks'])
      restrictions.push({
        id: restrictionId.next(),
        kind,
        branch_match_kind: 'branching_model',
        branch_type: 'development',
        users: [bot.accountId],
        groups: [],
        value: null,
      });
    restrictions.push({
      id: restrictionId.next(),
      kind: 'require_approvals_to_merge',
      branch_match_kind: 'branching_model',
      branch_type: 'production',
      users: [],
      groups: [],
      value: 1,
    });
  }
  return restrictions;
}

function pipelinesFor(plan: RepositoryPlan, pipelinesEnabled: boolean | null) {
  const { mainBranch, random, options, profile } = plan;
  return mainBranch && pipelinesEnabled
    ? Array.from({ length: 12 }, (_, n) => {
        const created = options.now - Math.floor(random() * 45 * DAY);
        const failed = random() < (profile === 'exemplary' ? 0.04 : 0.25);
        return {
          uuid: uuidFrom(random),
          buildNumber: n + 1,
          branch: mainBranch,
          commit: hash(random),
          createdOn: iso(created),
          completedOn: iso(created + 300_000),
          state: 'COMPLETED' as const,
          result: failed ? ('FAILED' as const) : ('SUCCESSFUL' as const),
        };
      })
    : [];
}

/**
 * Minutes from opening to review: 5 to 119, spread over repositories and pull requests; every ninth pull request of
 * every third repository (a large change: see `diffstat`) is approved 3 minutes after it opened, a rubber stamp.
 */
const reviewMinutes = (repository: number, n: number) => (n % 9 === 0 && repository % 3 === 0 ? 3 : 5 + ((n * 37 + repository * 11) % 115));

/** Pull requests over the last 120 days, most merged, some self-approved, with their builds. */
function pullRequestsFor(plan: RepositoryPlan) {
  const { mainBranch, random, options, profile, people } = plan;
  const statuses: Array<Record<string, unknown>> = [];
  const pullRequests = mainBranch
    ? Array.from({ length: options.pullRequestsPerRepository }, (_, n) => {
        const author = people[Math.floor(random() * people.length)]!;
        const created = options.now - Math.floor(random() * 120 * DAY);
        const roll = random();
        const state = roll < 0.75 ? 'MERGED' : roll < 0.85 ? 'DECLINED' : 'OPEN';
        const source = `feature/${['ACME', 'PAY', 'WEB'][n % 3]}-${100 + n}-${['login', 'billing', 'search', 'export', 'audit'][n % 5]}`;
        const commit = hash(random);
        const others = people.filter((p) => p.accountId !== author.accountId);
        const reviewer = others[Math.floor(random() * others.length)]!;
        const selfApproved = random() < (profile === 'exemplary' ? 0.02 : 0.15);
        const participants = [
          {
            accountId: selfApproved ? author.accountId : reviewer.accountId,
            role: 'REVIEWER' as const,
            approved: random() < 0.92,
            state: 'approved' as const,
            // Reviews come 5 minutes to 2 hours after the opening, with no random draw (the generator's sequence does not move).
            participatedOn: iso(created + reviewMinutes(plan.index, n) * 60_000),
          },
        ].map((p) => ({ ...p, state: p.approved ? ('approved' as const) : null }));
        const buildFailed = random() < 0.1;
        statuses.push({
          commit,
          key: 'pipelines',
          state: buildFailed ? 'FAILED' : 'SUCCESSFUL',
          refname: source,
          name: 'Pipeline',
          createdOn: iso(created + 600_000),
          updatedOn: iso(created + 900_000),
        });
        const merged = state === 'MERGED' ? created + Math.floor(random() * 3 * DAY) + 7_200_000 : null;
        return {
          id: n + 1,
          title: `${['ACME', 'PAY', 'WEB'][n % 3]}-${100 + n}: ${['Improve', 'Fix', 'Add', 'Refactor'][n % 4]} ${['login', 'billing', 'search', 'export', 'audit'][n % 5]}`,
          authorId: author.accountId,
          state,
          sourceBranch: source,
          destinationBranch: mainBranch,
          sourceCommit: commit,
          mergeCommit: merged ? hash(random) : null,
          createdOn: iso(created),
          updatedOn: iso(merged ?? created + 3_600_000),
          mergedOn: merged ? iso(merged) : null,
          closedById: state === 'OPEN' ? null : author.accountId,
          participants,
          reviewers: [reviewer.accountId],
          // Every ninth pull request is a large change (delivery metrics: rubber stamps when approved within minutes).
          ...(n % 9 === 0 ? { diffstat: [{ path: 'src/core/engine.ts', added: 1100, removed: 240 }] } : {}),
        };
      })
    : [];
  return { pullRequests, statuses };
}

function repositorySeed(plan: RepositoryPlan, project: { key: string }) {
  const { index, profile, mainBranch, random, options, people } = plan;
  const slug = index < DEMO_SLUGS.length ? (DEMO_SLUGS[index] ?? `service-${index}`) : `service-${String(index).padStart(5, '0')}`;
  const restrictions = restrictionsFor(plan);
  const pipelinesEnabled = profile === 'unprotected' ? null : profile === 'partial' ? false : true;
  const scanner = profile === 'exemplary' || profile === 'bypass' ? '      - pipe: snyk/snyk-scan:1.0.1\n' : '';
  const files: Record<string, string> =
    mainBranch && pipelinesEnabled
      ? {
          'bitbucket-pipelines.yml': `image: node:22\npipelines:\n  default:\n    - step:\n        name: Test\n        script:\n          - npm ci\n          - npm test\n${scanner}`,
        }
      : {};
  const createdOn = options.now - (200 + Math.floor(random() * 400)) * DAY;
  const pipelines = pipelinesFor(plan, pipelinesEnabled);
  const { pullRequests, statuses } = pullRequestsFor(plan);
  // The uuid is drawn here, after the activity, as it always was: the generator's sequence does not move.
  const uuid = uuidFrom(random);
  return {
    uuid,
    slug,
    name: slug.replace(/-/g, ' '),
    description: `${PROFILE_PREFIX}${profile}`,
    projectKey: project.key,
    isPrivate: profile !== 'public',
    // Unprotected repositories also let anyone fork them publicly (BB-REPO-3); no random draw, so nothing else moves.
    forkPolicy: profile === 'unprotected' ? ('allow_forks' as const) : ('no_public_forks' as const),
    mainBranch,
    createdOn: iso(createdOn),
    updatedOn: iso(options.now - Math.floor(random() * 20 * DAY)),
    branchRestrictions: restrictions,
    branchingModel:
      profile === 'branching-model'
        ? { development: { name: null, useMainbranch: true }, production: { name: 'production', useMainbranch: false, enabled: true } }
        : undefined,
    defaultReviewers: profile === 'exemplary' || profile === 'bypass' ? [people[1]!.accountId, people[4]!.accountId] : [],
    pipelinesEnabled,
    files,
    pipelines,
    pullRequests,
    statuses,
    permissions: [{ accountId: people[0]!.accountId, permission: 'admin' as const }],
    ...securityFor(profile, { uuid, mainBranch, now: options.now }),
    deployKeys: deployKeysFor(profile, { now: options.now, addedBy: people[0]!.accountId }),
    deployments: deploymentsFor(profile, { uuid, now: options.now }),
  };
}

/**
 * Deployments with no random draw (delivery metrics): the exemplary profile deploys to Staging then Production
 * every third day for twelve weeks, with one failed Production deployment restored three hours later; the bypass
 * profile deploys to Production weekly, one of them stopped (cancelled). Others do not deploy with Pipelines.
 */
function deploymentsFor(profile: Profile, repo: { uuid: string; now: number }) {
  const env = (type: string) => stableUuid(`${repo.uuid}:env:${type}`);
  const at = (ms: number, type: string, status: 'SUCCESSFUL' | 'FAILED' | 'STOPPED') => ({
    uuid: stableUuid(`${repo.uuid}:deployment:${type}:${ms}`),
    environmentUuid: env(type),
    commit: hashOf(`${repo.uuid}:release:${ms}`),
    state: 'COMPLETED' as const,
    status,
    startedOn: iso(ms - 8 * 60_000),
    completedOn: iso(ms),
  });
  const out: ReturnType<typeof at>[] = [];
  if (profile === 'exemplary') {
    for (let day = 84; day >= 1; day -= 3) {
      const ms = repo.now - day * DAY + 15 * 3_600_000;
      out.push(at(ms - 3_600_000, 'Staging', 'SUCCESSFUL'), at(ms, 'Production', day === 21 ? 'FAILED' : 'SUCCESSFUL'));
      if (day === 21) out.push(at(ms + 3 * 3_600_000, 'Production', 'SUCCESSFUL'));
    }
  }
  if (profile === 'bypass')
    for (let week = 11; week >= 1; week--)
      out.push(at(repo.now - week * 7 * DAY + 10 * 3_600_000, 'Production', week === 4 ? 'STOPPED' : 'SUCCESSFUL'));
  return out;
}

/** An OpenSSH ed25519 public key derived from a text (the emulator never checks it is a real curve point). */
const sshKey = (text: string) => `ssh-ed25519 ${Buffer.from(hashOf(text), 'hex').toString('base64')}AAAA`;

/** Deploy keys, with no random draw: a CI key in use on the exemplary repositories, a forgotten one on the bypassing ones. */
function deployKeysFor(profile: Profile, where: { now: number; addedBy: string }) {
  if (profile === 'exemplary')
    return [
      {
        id: 101,
        label: 'CI deploy (read-only)',
        key: sshKey('ci-deploy'),
        addedOn: iso(where.now - 120 * DAY),
        lastUsed: iso(where.now - DAY),
        addedBy: where.addedBy,
      },
    ];
  if (profile === 'bypass')
    return [
      { id: 102, label: 'old release server', key: sshKey('old-release'), addedOn: iso(where.now - 640 * DAY), addedBy: where.addedBy },
    ];
  return [];
}

const stableUuid = (text: string) => {
  const hex = hashOf(text);
  return `{${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}}`;
};

function annotation(report: string, n: number, finding: { severity: string; summary: string; result?: string; at: number }) {
  return {
    externalId: `${report}-finding-${n}`,
    uuid: stableUuid(`${report}:${n}`),
    annotationType: 'VULNERABILITY',
    summary: finding.summary,
    severity: finding.severity,
    ...(finding.result ? { result: finding.result } : {}),
    path: 'package-lock.json',
    createdOn: iso(finding.at),
  };
}

/** A scanner's SECURITY report on the main branch's head, written `daysAgo` before the seed's now. */
function scannerReport(
  where: { uuid: string; head: string; now: number },
  report: {
    id: string;
    reporter: string;
    result: string;
    daysAgo: number;
    findings: Array<{ severity: string; summary: string; result?: string }>;
  },
) {
  const at = where.now - report.daysAgo * DAY;
  return {
    commit: where.head,
    externalId: report.id,
    uuid: stableUuid(`${where.uuid}:${report.id}`),
    title: `${report.reporter} security scan`,
    details: `${report.findings.length} findings in dependencies and code.`,
    reporter: report.reporter,
    reportType: 'SECURITY',
    result: report.result,
    createdOn: iso(at - 600_000),
    updatedOn: iso(at),
    annotations: report.findings.map((finding, n) => annotation(report.id, n + 1, { ...finding, at })),
  };
}

const variable = (key: string, secured: boolean, value = '') => ({ uuid: stableUuid(`variable:${key}:${value}`), key, secured, value });

/** Test, Staging and Production environments; only Production has variables. */
function environmentsOf(uuid: string, production: ReturnType<typeof variable>[]) {
  return ['Test', 'Staging', 'Production'].map((type) => ({
    uuid: stableUuid(`${uuid}:env:${type}`),
    name: type,
    type,
    variables: type === 'Production' ? production : [],
  }));
}

/**
 * What each profile shows of catalogue v2, with no random draw: scanner reports (passing, failing with critical
 * findings, stale, from a scanner the policy does not list, still pending), Pipelines variables (secured, and an
 * unsecured AWS secret), deployment environments with their variables.
 */
function securityFor(profile: Profile, repo: { uuid: string; mainBranch: string | null; now: number }) {
  const head = hashOf(`${repo.uuid}:${repo.mainBranch ?? ''}`);
  const where = { uuid: repo.uuid, head, now: repo.now };
  const environments = (production: ReturnType<typeof variable>[]) => environmentsOf(repo.uuid, production);
  if (repo.mainBranch === null) return {};
  switch (profile) {
    case 'exemplary':
      return {
        reports: [
          scannerReport(where, {
            id: 'snyk-main',
            reporter: 'Snyk',
            result: 'PASSED',
            daysAgo: 1,
            findings: [
              { severity: 'MEDIUM', summary: 'Prototype pollution in lodash.merge' },
              { severity: 'LOW', summary: 'Regular expression denial of service in semver' },
              { severity: 'HIGH', summary: 'Path traversal in tar (not reachable)', result: 'IGNORED' },
            ],
          }),
        ],
        variables: [variable('NPM_TOKEN', true), variable('NODE_ENV', false, 'production')],
        environments: environments([variable('DEPLOY_KEY', true)]),
      };
    case 'bypass':
      return {
        reports: [
          scannerReport(where, {
            id: 'snyk-main',
            reporter: 'Snyk',
            result: 'FAILED',
            daysAgo: 2,
            findings: [
              { severity: 'CRITICAL', summary: 'Remote code execution in log4j-core 2.14.1' },
              { severity: 'HIGH', summary: 'SQL injection in the orders query' },
              { severity: 'HIGH', summary: 'Server-side request forgery in axios' },
            ],
          }),
        ],
        environments: environments([variable('DEPLOY_PASSWORD', false, 'hunter2')]),
      };
    case 'advisory':
      return { reports: [scannerReport(where, { id: 'sonarcloud', reporter: 'SonarCloud', result: 'PASSED', daysAgo: 60, findings: [] })] };
    case 'branching-model':
      return {
        reports: [scannerReport(where, { id: 'acme-audit', reporter: 'Acme audit bot', result: 'PENDING', daysAgo: 0, findings: [] })],
      };
    case 'unprotected':
      return {
        variables: [
          variable('AWS_ACCESS_KEY_ID', false, 'AKIAIOSFODNN7EXAMPLE'),
          variable('AWS_SECRET_ACCESS_KEY', false, 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'),
        ],
      };
    default:
      return {};
  }
}

export function buildWorkspaceSeed(options: BuildOptions): SeedInput {
  const random = prng(options.seed);
  const users = demoUsers(random);
  const people = users.filter((user) => user.type === 'user');
  const bot = users[10];
  if (!bot) throw new Error('the demo people include a bot');
  // Access as a workspace grants it: `developers` (everyone but Leslie and Radia) writes to every project but
  // Payments; `payments` (Grace, Barbara, Margaret, Leslie) writes to Payments. So Leslie, a plain member,
  // reads only the Payments repositories (and public ones); Radia reads only public ones.
  const groups = [
    { slug: 'developers', name: 'Developers', members: users.filter((_, i) => i !== 9 && i !== 11).map((user) => user.accountId) },
    { slug: 'payments', name: 'Payments team', members: [1, 4, 6, 9].flatMap((i) => users[i]?.accountId ?? []) },
  ];
  const projects = PROJECTS.map((project) => ({
    uuid: uuidFrom(random),
    key: project.key,
    name: project.name,
    groupPermissions: [{ group: project.key === 'PAY' ? 'payments' : 'developers', permission: 'write' as const }],
    // The platform project's release bot reads every repository in it through one key.
    deployKeys:
      project.key === 'CORE'
        ? [
            {
              id: 201,
              label: 'release bot',
              key: sshKey('release-bot'),
              addedOn: iso(options.now - 400 * DAY),
              lastUsed: iso(options.now - 3 * DAY),
            },
          ]
        : [],
  }));
  let restrictionId = 1;
  const nextRestrictionId = () => restrictionId++;
  const repositories = Array.from({ length: options.repositories }, (_, index) => {
    const profile = profileFor(index, random);
    const project = projects[index % projects.length] ?? { key: 'CORE' };
    const mainBranch = profile === 'empty' ? null : index % 7 === 3 ? 'master' : 'main';
    return repositorySeed({ index, profile, mainBranch, people, bot, nextRestrictionId, random, options }, project);
  });
  return {
    now: iso(options.now),
    users,
    workspaces: [
      {
        uuid: options.uuid,
        slug: options.slug,
        name: 'Acme Corporation',
        projects,
        groups,
        variables: [
          variable('SONAR_TOKEN', true),
          variable('DOCKERHUB_PASSWORD', false, 'dockerhub-example'),
          variable('SLACK_CHANNEL', false, '#builds'),
        ],
        members: users.map((user, i) => ({
          accountId: user.accountId,
          permission: i < 4 ? ('owner' as const) : i < 9 ? ('collaborator' as const) : ('member' as const),
        })),
        repositories,
      },
    ],
  } as SeedInput;
}

const DEMO_SLUGS = [
  'payments-api',
  'ledger',
  'checkout-web',
  'legacy-billing',
  'search-service',
  'data-pipeline',
  'admin-console',
  'mobile-gateway',
  'marketing-site',
  'sandbox',
  'auth-service',
  'notifications',
  'reporting',
  'inventory',
  'pricing-engine',
  'fraud-detection',
  'customer-portal',
  'analytics-etl',
  'feature-flags',
  'api-gateway',
  'order-service',
  'shipping',
  'tax-calculator',
  'invoice-renderer',
  'email-templates',
  'design-system',
  'docs-site',
  'ml-models',
  'warehouse-sync',
  'audit-log',
  'session-store',
  'rate-limiter',
  'image-resizer',
  'pdf-export',
  'webhooks',
  'crm-sync',
  'support-widget',
  'status-page',
  'terraform-infra',
  'k8s-manifests',
  'ci-templates',
  'load-tests',
  'prototype-ar',
  'hackathon-2026',
];

export function demoSeed(): SeedInput {
  return buildWorkspaceSeed({
    repositories: 44,
    pullRequestsPerRepository: 8,
    seed: 20261122,
    now: DEMO_NOW,
    slug: DEMO_WORKSPACE.slug,
    uuid: DEMO_WORKSPACE.uuid,
  });
}

/** A large workspace for benchmarks: `n` repositories, `pullRequests` each. */
export function generateWorkspace(n: number, pullRequests = 2): SeedInput {
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new Error('a generated workspace has between 1 and 10,000 repositories');
  return buildWorkspaceSeed({
    repositories: n,
    pullRequestsPerRepository: pullRequests,
    seed: n,
    now: DEMO_NOW,
    slug: `generated-${n}`,
    uuid: `{00000000-0000-4000-8000-${String(n).padStart(12, '0')}}`,
  });
}

/** `demo`, `generated:N`, or a JSON seed file (validated; errors name the field). */
export function loadSeed(name: string): Seed {
  if (name === 'demo') return Seed.parse(demoSeed());
  const generated = /^generated:(\d+)$/.exec(name);
  if (generated) return Seed.parse(generateWorkspace(Number(generated[1])));
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(name, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read seed ${name}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const parsed = Seed.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`seed ${name} is invalid at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/**
 * The demo's policy: production and non-production by project, an explicit entry for the sandbox, the
 * deploy bot as a service account, one offboarded person who still has access, and an exception.
 */
export function demoPolicy(seed: Seed): Record<string, unknown> {
  const bot = seed.users.find((user) => user.type === 'app_user');
  const offboarded = seed.users.find((user) => user.displayName === 'Frances Allen');
  return {
    classification: {
      repositories: { sandbox: 'non-production' },
      rules: [
        { project: 'LAB', classification: 'non-production' },
        { project: 'CORE', classification: 'production' },
        { project: 'PAY', classification: 'production' },
        { project: 'WEB', classification: 'production' },
      ],
    },
    serviceAccounts: bot ? [bot.accountId] : [],
    offboarded: offboarded ? [{ accountId: offboarded.accountId, name: offboarded.displayName, offboardedOn: '2026-10-01' }] : [],
    exceptions: [
      {
        control: 'BB-REPO-2',
        repository: 'marketing-site',
        reason: 'Public marketing site by design',
        approvedBy: seed.users[0]!.accountId,
        expiresOn: '2027-06-30',
      },
    ],
  };
}
