/**
 * Contract tests: every emulator route's responses validate against Atlassian's OpenAPI document for
 * Bitbucket Cloud (../shared/bitbucket-cloud-openapi.json) with Ajv, a real JSON-schema validator. The
 * document is read from shared/ and never copied into the repository; outside our workspace the tests are
 * skipped with a printed notice. Where the live API sends fields the document lacks, the gap is listed below.
 */
import fs from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { OPENAPI_PATH } from '../forge/forge-checks';
import { useDemoEmulator } from './demo-emulator';

const available = fs.existsSync(OPENAPI_PATH);
if (!available) console.warn(`Notice: ${OPENAPI_PATH} is missing; the OpenAPI contract tests are skipped.`);
const describeContract = available ? describe : describe.skip;

/**
 * Known gaps between the document and the live API, allowed here on purpose:
 * - `effective-branching-model` and `branching-model`: the live API sends `development.name`/`production.name`
 *   beside `branch`; the document's schema has no `additionalProperties: false`, so nothing to allow.
 * - The document gives no schema for `pipelines_config` 200 beyond `pipelines_config`; it matches.
 * - `…/pullrequests/{id}/activity` has no response schema in the document (described as text): checked
 *   only for the pagination envelope.
 * - An empty repository has `mainbranch: null` on the live API; the document types `mainbranch` as an
 *   object; and a participant who has not reviewed has `state: null` (docs/platform-facts.md §9), where the document
 *   types `state` as a string enum. GAPS below makes exactly those fields nullable before validating.
 */
const GAPS: Array<{ schema: string; property: string }> = [
  { schema: 'repository', property: 'mainbranch' },
  { schema: 'participant', property: 'state' },
  // Recorded as null (repository.json) where the document types an object.
  { schema: 'repository', property: 'parent' },
];

/**
 * Link relations the live API sends that the document's `links` objects (additionalProperties: false) lack,
 * each seen in a recorded response (test/fixtures/bitbucket-recorded/): a repository's `branches`, `tags`
 * and `source` (repository.json), a pull request's `statuses` (pullrequest.json).
 */
const RECORDED_LINKS: Array<{ schema: string; relations: string[] }> = [
  { schema: 'repository', relations: ['branches', 'tags', 'source'] },
  { schema: 'pullrequest', relations: ['statuses', 'request-changes'] },
  { schema: 'project', relations: ['self'] },
];

/**
 * Differences the recordings prove and the document's schemas refuse, by instance path and message: the
 * `ssh` clone link is `git@bitbucket.org:…`, not a URI (repository.json); a pull request's `summary` has
 * `type: "rendered"` and its `source`/`destination` commits carry `type` and `links` (pullrequest.json).
 */
const RECORDED_DIFFERENCES: Array<{ path: RegExp; message: string }> = [
  { path: /\/links\/clone\/1\/href$/, message: 'must match format "uri"' },
  { path: /(^|\/)summary$/, message: 'must NOT have additional properties' },
  { path: /(^|\/)(source|destination)\/commit$/, message: 'must NOT have additional properties' },
  // `source.branch`/`destination.branch` carry `links` (pullrequests-page.json).
  { path: /(^|\/)(source|destination)\/branch$/, message: 'must NOT have additional properties' },
];

function allowGaps(components: Record<string, unknown>): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(components)) as {
    schemas: Record<string, { allOf?: Array<{ properties?: Record<string, Record<string, unknown>> }> }>;
  };
  for (const gap of GAPS) {
    for (const part of copy.schemas[gap.schema]?.allOf ?? []) {
      const property = part.properties?.[gap.property];
      if (property) part.properties![gap.property] = { anyOf: [property, { type: 'null' }] };
    }
  }
  for (const extra of RECORDED_LINKS) {
    for (const part of copy.schemas[extra.schema]?.allOf ?? []) {
      const links = part.properties?.links as { properties?: Record<string, unknown> } | undefined;
      if (!links?.properties) continue;
      for (const relation of extra.relations) links.properties[relation] = links.properties.self ?? links.properties.html;
    }
  }
  return copy as unknown as Record<string, unknown>;
}
const ROUTES: Array<[string, string, string]> = [
  // [label, request path, OpenAPI path template]
  ['workspace', '/2.0/workspaces/acme', '/workspaces/{workspace}'],
  ['projects', '/2.0/workspaces/acme/projects', '/workspaces/{workspace}/projects'],
  ['members', '/2.0/workspaces/acme/members?fields=%2Bvalues.user.has_2fa_enabled', '/workspaces/{workspace}/members'],
  ['workspace permissions', '/2.0/workspaces/acme/permissions', '/workspaces/{workspace}/permissions'],
  ['repository permissions', '/2.0/workspaces/acme/permissions/repositories', '/workspaces/{workspace}/permissions/repositories'],
  ['repositories', '/2.0/repositories/acme?pagelen=100', '/repositories/{workspace}'],
  ['repository', '/2.0/repositories/acme/payments-api', '/repositories/{workspace}/{repo_slug}'],
  ['empty repository', '/2.0/repositories/acme/sandbox', '/repositories/{workspace}/{repo_slug}'],
  [
    'branch restrictions',
    '/2.0/repositories/acme/payments-api/branch-restrictions?pagelen=100',
    '/repositories/{workspace}/{repo_slug}/branch-restrictions',
  ],
  [
    'branching-model restrictions',
    '/2.0/repositories/acme/admin-console/branch-restrictions?pagelen=100',
    '/repositories/{workspace}/{repo_slug}/branch-restrictions',
  ],
  ['branching model', '/2.0/repositories/acme/admin-console/branching-model', '/repositories/{workspace}/{repo_slug}/branching-model'],
  [
    'effective branching model',
    '/2.0/repositories/acme/admin-console/effective-branching-model',
    '/repositories/{workspace}/{repo_slug}/effective-branching-model',
  ],
  ['default reviewers', '/2.0/repositories/acme/payments-api/default-reviewers', '/repositories/{workspace}/{repo_slug}/default-reviewers'],
  [
    'effective default reviewers',
    '/2.0/repositories/acme/payments-api/effective-default-reviewers',
    '/repositories/{workspace}/{repo_slug}/effective-default-reviewers',
  ],
  ['pipelines config', '/2.0/repositories/acme/payments-api/pipelines_config', '/repositories/{workspace}/{repo_slug}/pipelines_config'],
  [
    'pipelines',
    '/2.0/repositories/acme/payments-api/pipelines?target.branch=main&sort=-created_on&pagelen=100',
    '/repositories/{workspace}/{repo_slug}/pipelines',
  ],
  [
    'branches',
    '/2.0/repositories/acme/payments-api/refs/branches?q=name%20%3D%20%22main%22',
    '/repositories/{workspace}/{repo_slug}/refs/branches',
  ],
  [
    'pull requests',
    '/2.0/repositories/acme/payments-api/pullrequests?state=MERGED&pagelen=50',
    '/repositories/{workspace}/{repo_slug}/pullrequests',
  ],
  [
    'pull request',
    '/2.0/repositories/acme/payments-api/pullrequests/1',
    '/repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id}',
  ],
  [
    'pull request statuses',
    '/2.0/repositories/acme/payments-api/pullrequests/1/statuses',
    '/repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id}/statuses',
  ],
  [
    'repository user permissions',
    '/2.0/repositories/acme/payments-api/permissions-config/users',
    '/repositories/{workspace}/{repo_slug}/permissions-config/users',
  ],
  ['environments', '/2.0/repositories/acme/payments-api/environments', '/repositories/{workspace}/{repo_slug}/environments'],
  ['deployments', '/2.0/repositories/acme/payments-api/deployments', '/repositories/{workspace}/{repo_slug}/deployments'],
];

interface OpenApi {
  paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, { schema?: unknown }> }> }>>;
}

describeContract('emulator responses against the Bitbucket OpenAPI document', () => {
  const doc = available
    ? (JSON.parse(fs.readFileSync(OPENAPI_PATH, 'utf8')) as OpenApi & Record<string, unknown>)
    : ({ paths: {} } as OpenApi);
  // OpenAPI 3.0 schemas are JSON Schema draft 4/5 plus `nullable`, `discriminator` and x- extensions.
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  ajv.addSchema(
    { $id: 'bitbucket', components: available ? allowGaps((doc as unknown as { components: Record<string, unknown> }).components) : {} },
    'bitbucket',
  );
  const demo = useDemoEmulator();

  function schemaFor(template: string, status = '200'): unknown {
    const operation = doc.paths[template]?.get;
    const schema = operation?.responses?.[status]?.content?.['application/json']?.schema;
    if (!schema) throw new Error(`the document has no ${status} JSON schema for GET ${template}`);
    return JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, '"bitbucket#/components/')) as unknown;
  }

  async function validate(requestPath: string, template: string, status = '200') {
    const response = await fetch(`${demo.emulator.url}${requestPath}`, { headers: { authorization: 'Bearer contract' } });
    expect(String(response.status)).toBe(status);
    const body = (await response.json()) as unknown;
    const check = ajv.compile(schemaFor(template, status) as object);
    check(body);
    const errors = (check.errors ?? []).filter(
      (error) => !RECORDED_DIFFERENCES.some((known) => known.path.test(error.instancePath) && known.message === error.message),
    );
    return { valid: errors.length === 0, errors: errors.slice(0, 5).map((error) => `${error.instancePath} ${error.message ?? ''}`) };
  }

  it.each(ROUTES)('%s', async (_label, requestPath, template) => {
    expect(await validate(requestPath, template)).toEqual({ valid: true, errors: [] });
  });

  it('commit statuses', async () => {
    expect(
      await validate(
        `/2.0/repositories/acme/payments-api/commit/${demo.statusCommit}/statuses`,
        '/repositories/{workspace}/{repo_slug}/commit/{commit}/statuses',
      ),
    ).toEqual({ valid: true, errors: [] });
  });

  it('a commit, asked by the abbreviated hash a pull request carries', async () => {
    const repo = demo.emulator.seed.workspaces[0]!.repositories.find((candidate) => candidate.slug === 'payments-api')!;
    const merged = repo.pullRequests.find((pr) => pr.mergeCommit !== null)!;
    const requestPath = `/2.0/repositories/acme/payments-api/commit/${merged.mergeCommit!.slice(0, 12)}`;
    expect(await validate(requestPath, '/repositories/{workspace}/{repo_slug}/commit/{commit}')).toEqual({ valid: true, errors: [] });
    const body = (await (await fetch(`${demo.emulator.url}${requestPath}`, { headers: { authorization: 'Bearer contract' } })).json()) as {
      hash: string;
    };
    expect(body.hash).toBe(merged.mergeCommit);
  });

  describe('catalogue v2: Code Insights and Pipelines variables', () => {
    const ledger = () => demo.emulator.seed.workspaces[0]!.repositories.find((candidate) => candidate.slug === 'ledger')!;
    const head = () => ledger().reports[0]!.commit;
    const reportsTemplate = '/repositories/{workspace}/{repo_slug}/commit/{commit}/reports';
    it.each([
      ['reports on the main head', () => `/2.0/repositories/acme/ledger/commit/${head()}/reports`, reportsTemplate],
      [
        'one report, by its external id',
        () => `/2.0/repositories/acme/ledger/commit/${head()}/reports/snyk-main`,
        `${reportsTemplate}/{reportId}`,
      ],
      [
        'one report, by its uuid',
        () => `/2.0/repositories/acme/ledger/commit/${head()}/reports/${encodeURIComponent(ledger().reports[0]!.uuid)}`,
        `${reportsTemplate}/{reportId}`,
      ],
      [
        'a report’s annotations',
        () => `/2.0/repositories/acme/ledger/commit/${head()}/reports/snyk-main/annotations?pagelen=100`,
        `${reportsTemplate}/{reportId}/annotations`,
      ],
      [
        'repository variables',
        () => '/2.0/repositories/acme/ledger/pipelines_config/variables',
        '/repositories/{workspace}/{repo_slug}/pipelines_config/variables',
      ],
      [
        'workspace variables',
        () => '/2.0/workspaces/acme/pipelines-config/variables',
        '/workspaces/{workspace}/pipelines-config/variables',
      ],
      ['environments', () => '/2.0/repositories/acme/ledger/environments', '/repositories/{workspace}/{repo_slug}/environments'],
      [
        'deployment variables',
        () =>
          `/2.0/repositories/acme/ledger/deployments_config/environments/${encodeURIComponent(ledger().environments[2]!.uuid)}/variables`,
        '/repositories/{workspace}/{repo_slug}/deployments_config/environments/{environment_uuid}/variables',
      ],
    ])('%s', async (_label, requestPath, template) => {
      expect(await validate(requestPath(), template)).toEqual({ valid: true, errors: [] });
    });

    it('a secured variable is answered without its value; an unsecured one with it', async () => {
      const response = await fetch(`${demo.emulator.url}/2.0/workspaces/acme/pipelines-config/variables`, {
        headers: { authorization: 'Bearer contract' },
      });
      const body = (await response.json()) as { values: Array<{ key: string; secured: boolean; value?: string }> };
      expect(body.values.find((variable) => variable.key === 'SONAR_TOKEN')).not.toHaveProperty('value');
      expect(body.values.find((variable) => variable.key === 'SLACK_CHANNEL')).toHaveProperty('value', '#builds');
    });

    it.each([
      [
        'project user grants',
        '/2.0/workspaces/acme/projects/PAY/permissions-config/users',
        '/workspaces/{workspace}/projects/{project_key}/permissions-config/users',
      ],
      [
        'project group grants',
        '/2.0/workspaces/acme/projects/PAY/permissions-config/groups',
        '/workspaces/{workspace}/projects/{project_key}/permissions-config/groups',
      ],
      [
        'project deploy keys',
        '/2.0/workspaces/acme/projects/CORE/deploy-keys',
        '/workspaces/{workspace}/projects/{project_key}/deploy-keys',
      ],
      ['repository deploy keys', '/2.0/repositories/acme/ledger/deploy-keys', '/repositories/{workspace}/{repo_slug}/deploy-keys'],
      [
        'repository group grants',
        '/2.0/repositories/acme/ledger/permissions-config/groups',
        '/repositories/{workspace}/{repo_slug}/permissions-config/groups',
      ],
    ])('access reviews: %s', async (_label, requestPath, template) => {
      expect(await validate(requestPath, template)).toEqual({ valid: true, errors: [] });
    });

    it.each([
      ['the access snapshot', async () => (await import('../../src/bitbucket/access-api')).ACCESS_ENDPOINTS],
      ['delivery metrics', async () => (await import('../../src/bitbucket/delivery-api')).DELIVERY_ENDPOINTS],
    ])('%s read each endpoint under the scope the document gives it, and the manifest asks for each', async (_what, endpoints) => {
      const document = JSON.parse(fs.readFileSync(OPENAPI_PATH, 'utf8')) as {
        paths: Record<string, { get?: { 'x-atlassian-oauth2-scopes'?: Array<{ scopes: string[] }> } }>;
      };
      const manifest = fs.readFileSync(path.join(__dirname, '..', '..', 'manifest.yml'), 'utf8');
      for (const { path: endpoint, scope } of await endpoints()) {
        const documented = document.paths[endpoint]?.get?.['x-atlassian-oauth2-scopes']?.flatMap((entry) => entry.scopes) ?? [];
        expect({ endpoint, documented: documented.includes(scope), inManifest: manifest.includes(`- ${scope}\n`) }).toEqual({
          endpoint,
          documented: true,
          inManifest: true,
        });
      }
    });

    it.each([
      [
        'repository diffstat (where a pull request’s diffstat redirects)',
        '/2.0/repositories/acme/payments-api/pullrequests/1/diffstat',
        '/repositories/{workspace}/{repo_slug}/diffstat/{spec}',
      ],
      [
        'deployments with their dates and release',
        '/2.0/repositories/acme/payments-api/deployments',
        '/repositories/{workspace}/{repo_slug}/deployments',
      ],
    ])('delivery metrics: %s', async (_label, requestPath, template) => {
      expect(await validate(requestPath, template)).toEqual({ valid: true, errors: [] });
    });

    it('a pull request’s diffstat is a redirect, as the document describes it', async () => {
      const response = await fetch(`${demo.emulator.url}/2.0/repositories/acme/payments-api/pullrequests/1/diffstat`, {
        headers: { authorization: 'Bearer contract' },
        redirect: 'manual',
      });
      expect(response.status).toBe(302);
      expect(response.headers.get('location')).toMatch(
        /\/2\.0\/repositories\/acme\/payments-api\/diffstat\/[0-9a-f]{12}\.\.[0-9a-f]{12}\?from_pullrequest_id=1$/,
      );
    });

    it('the repository-wide activity log: the per-pull-request entries, each naming its pull request, newest first', async () => {
      const response = await fetch(`${demo.emulator.url}/2.0/repositories/acme/payments-api/pullrequests/activity?pagelen=50`, {
        headers: { authorization: 'Bearer contract' },
      });
      const body = (await response.json()) as { values: Array<Record<string, Record<string, unknown>>>; pagelen: number };
      expect(body.pagelen).toBe(50);
      expect(body.values.length).toBeGreaterThan(0);
      const dated = body.values.map((entry) => {
        expect(entry.pull_request).toMatchObject({ id: expect.any(Number) });
        const date = (entry.update ?? entry.approval)?.date ?? entry.comment?.created_on;
        return Date.parse(String(date).replace(/(\.\d{3})\d+/, '$1'));
      });
      expect([...dated].sort((a, b) => b - a)).toEqual(dated);
    });

    it('writing a report needs only read:repository:bitbucket, which the manifest asks for', () => {
      const document = JSON.parse(fs.readFileSync(OPENAPI_PATH, 'utf8')) as {
        paths: Record<string, { put?: { 'x-atlassian-oauth2-scopes'?: Array<{ scopes: string[] }> } }>;
      };
      const scopes = document.paths[`${reportsTemplate}/{reportId}`]?.put?.['x-atlassian-oauth2-scopes']?.flatMap((entry) => entry.scopes);
      expect(scopes).toEqual(['read:repository:bitbucket']);
      expect(fs.readFileSync(path.join(__dirname, '..', '..', 'manifest.yml'), 'utf8')).toMatch(/- read:repository:bitbucket\n/);
    });
  });

  it('the commits on the main branch, newest first', async () => {
    const template = '/repositories/{workspace}/{repo_slug}/commits/{revision}';
    expect(await validate('/2.0/repositories/acme/payments-api/commits/main?pagelen=100', template)).toEqual({ valid: true, errors: [] });
  });

  it('the error envelope of a 404', async () => {
    expect(await validate('/2.0/repositories/acme/no-such-repo', '/repositories/{workspace}/{repo_slug}', '404')).toEqual({
      valid: true,
      errors: [],
    });
  });

  it('the pagination envelope of pull-request activity', async () => {
    const response = await fetch(`${demo.emulator.url}/2.0/repositories/acme/payments-api/pullrequests/1/activity`, {
      headers: { authorization: 'Bearer contract' },
    });
    const body = (await response.json()) as { values: unknown[]; pagelen: number };
    expect(body).toMatchObject({ pagelen: expect.any(Number), values: expect.any(Array) });
  });

  /** The documented examples of the activity log (JSON inside the operation's description). */
  function documentedActivity(name: 'Update' | 'Approval'): Record<string, unknown> {
    const document = JSON.parse(fs.readFileSync(OPENAPI_PATH, 'utf8')) as {
      paths: Record<string, { get: { description: string } }>;
    };
    const text = document.paths['/repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id}/activity']!.get.description;
    const block = text.slice(text.indexOf(`${name} example:`)).split('```')[1]!;
    const entry = (JSON.parse(block) as { values: Array<Record<string, Record<string, unknown>>> }).values[0]!;
    return entry[name.toLowerCase()]!;
  }

  it('activity entries carry the documented keys, dates and short source hashes, newest first', async () => {
    const response = await fetch(`${demo.emulator.url}/2.0/repositories/acme/payments-api/pullrequests/1/activity`, {
      headers: { authorization: 'Bearer contract' },
    });
    const body = (await response.json()) as { values: Array<Record<string, Record<string, unknown>>> };
    const updates = body.values.flatMap((entry) => (entry.update ? [entry.update] : []));
    const approvals = body.values.flatMap((entry) => (entry.approval ? [entry.approval] : []));
    expect(updates.length).toBeGreaterThan(0);
    const documentedUpdate = Object.keys(documentedActivity('Update'));
    for (const update of updates) {
      for (const key of Object.keys(update)) expect(documentedUpdate).toContain(key);
      expect(update.date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);
      // The documented example names the source commit by 12 characters.
      expect((update.source as { commit: { hash: string } }).commit.hash).toMatch(/^[0-9a-f]{12}$/);
    }
    const documentedApproval = Object.keys(documentedActivity('Approval'));
    for (const approval of approvals) for (const key of Object.keys(approval)) expect(documentedApproval).toContain(key);
    const dates = body.values.map((entry) => Date.parse(String((entry.update ?? entry.approval)!.date).replace(/(\.\d{3})\d+/, '$1')));
    expect([...dates].sort((a, b) => b - a)).toEqual(dates);
  });
});

describeContract('the scopes Test connection names', () => {
  it('are the scopes the OpenAPI document gives each endpoint it reads', async () => {
    const { PROBE_ENDPOINTS } = await import('../../src/services/reach');
    const document = JSON.parse(fs.readFileSync(OPENAPI_PATH, 'utf8')) as {
      paths: Record<string, { get?: { 'x-atlassian-oauth2-scopes'?: Array<{ scopes: string[] }> } }>;
    };
    for (const { path, scope } of PROBE_ENDPOINTS) {
      const documented = document.paths[path]?.get?.['x-atlassian-oauth2-scopes']?.flatMap((entry) => entry.scopes) ?? [];
      expect({ path, scope: documented.includes(scope) }).toEqual({ path, scope: true });
    }
  });
});
