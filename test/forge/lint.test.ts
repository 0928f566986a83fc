/**
 * @forge/lint in client-side mode over src/, with the Bitbucket OpenAPI document for endpoint→scope checks
 * (docs/offline-toolchain.md §4). `forge lint` itself needs a login we do not have.
 */
import { readManifest, runForgeLint } from './forge-checks';

describe('Forge linter', () => {
  it('finds no errors or warnings in the app', async () => {
    const outcome = await runForgeLint(readManifest());
    expect(outcome.messages).toEqual([]);
    expect(outcome.errors).toBe(0);
  });

  it('reports an endpoint whose scope the manifest lacks', async () => {
    const manifest = readManifest() as { permissions: { scopes: string[] } };
    manifest.permissions.scopes = manifest.permissions.scopes.filter((scope) => scope !== 'read:pullrequest:bitbucket');
    const outcome = await runForgeLint(manifest);
    if (!outcome.usedOpenApi) return; // Without the document there is nothing to check endpoints against (notice printed).
    expect(outcome.messages.join('\n')).toContain(
      'GET /repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id} requires "read:pullrequest:bitbucket" scope',
    );
  });
});
