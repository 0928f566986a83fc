/**
 * The manifest, validated offline with @forge/manifest (full validation and the event→scope check) and our
 * wiring checks; and proof that each kind of breakage fails with the validator's message.
 */
import { HANDLED_EVENTS } from '../../src/bitbucket/forge-events';
import * as app from '../../src/index';
import { appWithManifest, readManifest, validateManifest } from './forge-checks';
import { checkWiring } from './wiring';
import path from 'node:path';
import { ROOT } from './forge-checks';

type Modules = Record<string, Array<Record<string, unknown>>>;

describe('manifest.yml', () => {
  it('passes @forge/manifest full validation and the event→scope check', async () => {
    expect(await validateManifest(path.join(ROOT, 'manifest.yml'))).toEqual([]);
  });

  it('matches src/index.ts and the handled events in both directions', () => {
    expect(checkWiring({ manifest: readManifest(), exports: Object.keys(app), handledEvents: HANDLED_EVENTS })).toEqual([]);
  });

  it('runs on nodejs22.x with exactly the scopes the code needs and no egress', () => {
    const manifest = readManifest() as { app: { runtime: { name: string } }; permissions: Record<string, unknown> };
    expect(manifest.app.runtime.name).toBe('nodejs22.x');
    expect(manifest.permissions).toEqual({
      scopes: [
        'read:repository:bitbucket',
        'admin:repository:bitbucket',
        'read:pullrequest:bitbucket',
        'read:pipeline:bitbucket',
        'read:workspace:bitbucket',
        // Access reviews: a project's grants (read:project) and deploy keys (admin:project).
        'read:project:bitbucket',
        'admin:project:bitbucket',
        'storage:app',
      ],
    });
  });
});

describe('the version', () => {
  it('the app names in its reports is package.json’s', async () => {
    const { APP_VERSION } = await import('../../src/version');
    const { readFileSync } = await import('node:fs');
    const { resolve } = await import('node:path');
    const pkg = JSON.parse(readFileSync(resolve(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    expect(APP_VERSION).toBe(pkg.version);
  });
});

describe('a broken manifest fails', () => {
  it('with an unknown module key', async () => {
    const broken = appWithManifest((manifest) => {
      const modules = manifest.modules as Modules;
      modules['bitbucket:repoPullRequestCardz'] = modules['bitbucket:repoPullRequestCard']!;
      delete modules['bitbucket:repoPullRequestCard'];
    });
    const problems = await validateManifest(broken);
    expect(problems.map((problem) => problem.message)).toContain("invalid value 'bitbucket:repoPullRequestCardz' in modules");
  });

  it('with a subscribed event whose scope is missing', async () => {
    const broken = appWithManifest((manifest) => {
      const permissions = manifest.permissions as { scopes: string[] };
      permissions.scopes = permissions.scopes.filter((scope) => scope !== 'read:pullrequest:bitbucket');
    });
    const messages = (await validateManifest(broken)).map((problem) => problem.message);
    expect(messages).toContain("Trigger event: 'avi:bitbucket:fulfilled:pullrequest' requires 'read:pullrequest:bitbucket' scope");
  });

  it('with a handler pointing at a missing export', () => {
    const manifest = readManifest();
    const functions = (manifest.modules as Modules).function!;
    functions[0] = { ...functions[0], handler: 'index.noSuchHandler' };
    const problems = checkWiring({ manifest, exports: Object.keys(app), handledEvents: HANDLED_EVENTS });
    expect(problems).toContain('function repository-event-fn: src/index.ts has no export noSuchHandler');
    expect(problems).toContain('src/index.ts exports repositoryEvent, which no manifest function uses');
  });

  it('with a duplicate module key, a dangling function reference or an unhandled event', () => {
    const manifest = readManifest();
    const modules = manifest.modules as Modules;
    modules.function!.push({ key: 'hourly-scan', handler: 'index.hourlyScan' });
    modules.consumer![0] = { ...modules.consumer![0], function: 'missing-fn' };
    (modules.trigger![0]!.events as string[]).push('avi:bitbucket:created:commit-comment');
    const problems = checkWiring({ manifest, exports: Object.keys(app), handledEvents: HANDLED_EVENTS });
    expect(problems).toEqual(
      expect.arrayContaining([
        'module key hourly-scan is used by scheduledTrigger and function',
        'consumer scan-job-consumer refers to a missing function missing-fn',
        'a trigger subscribes to avi:bitbucket:created:commit-comment, which the code does not handle',
      ]),
    );
  });
});
