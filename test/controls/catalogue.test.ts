/**
 * Invariants of the catalogue: ids unique and well formed, every control matches docs/controls.md's metadata
 * (title, severity, framework mapping), every need has a collector, every control has remediation steps,
 * and the manifest's scopes cover every endpoint the collectors call (checked by the Forge linter in
 * test/forge/lint.test.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { CATALOGUE } from '../../src/controls';
import { createBudget, type BitbucketClient } from '../../src/bitbucket/client';
import { BitbucketError } from '../../src/bitbucket/errors';
import type { RepositoryNeed, WorkspaceNeed } from '../../src/controls/types';
import { collectRepository, collectWorkspace } from '../../src/engine/collect';
import { Policy } from '../../src/policy/policy';

const SPEC = path.resolve(__dirname, '..', '..', 'docs', 'controls.md');

describe('the control catalogue', () => {
  it('has 29 controls with unique, well-formed ids', () => {
    const ids = CATALOGUE.map((control) => control.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(29);
    for (const id of ids) expect(id).toMatch(/^BB-(REPO|BP|CR|CI|VULN|PR|AC|MFA)-\d+$/);
  });

  it('gives every control a positive title, remediation steps, a documentation link and framework data', () => {
    for (const control of CATALOGUE) {
      expect(control.title).not.toMatch(/^(No|Not|Missing|Without)\b/);
      expect(control.remediation.steps.length).toBeGreaterThan(0);
      expect(control.docs).toMatch(/^https:\/\//);
      expect(control.frameworks.soc2.length).toBeGreaterThan(0);
    }
  });

  // Every need is read when asked for (here every read fails, so each comes back as its error), and a need
  // the credentials were refused up front is answered with that refusal without a request.
  const failing = (): BitbucketClient & { calls: number } => {
    const client = {
      calls: 0,
      budget: createBudget(null),
      reserve: async () => true,
      settle: async () => undefined,
      getJson: async () => {
        client.calls++;
        throw new BitbucketError('upstream', 'test', 503, 'unavailable');
      },
      getText: async () => {
        client.calls++;
        throw new BitbucketError('upstream', 'test', 503, 'unavailable');
      },
    };
    return client;
  };
  const repository = { uuid: '{3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f}', full_name: 'acme/r', mainbranch: { name: 'main' } };
  const needsOf = (scope: 'repository' | 'workspace') => [
    ...new Set(CATALOGUE.filter((control) => control.scope === scope).flatMap((control) => control.needs as readonly string[])),
  ];
  const collect = (client: BitbucketClient, need: string, refused: Record<string, { at: string; message: string }> = {}) =>
    needsOf('workspace').includes(need)
      ? collectWorkspace(client, {
          workspaceUuid: '{7d4e3c2b-1a09-4f8e-9d6c-5b4a39281706}',
          needs: new Set([need]) as Set<WorkspaceNeed>,
          refused,
        })
      : collectRepository(
          client,
          { workspaceUuid: '{7d4e3c2b-1a09-4f8e-9d6c-5b4a39281706}', repository, needs: new Set([need]) as Set<RepositoryNeed> },
          { policy: Policy.parse({}), now: new Date(), refused },
        );

  // The access reviews are the app's own records, given by the caller (services/access-review-state.ts), never read from Bitbucket.
  it('answers the access reviews not given with an error, never an empty history', async () => {
    const read = await collectWorkspace(failing(), {
      workspaceUuid: '{7d4e3c2b-1a09-4f8e-9d6c-5b4a39281706}',
      needs: new Set(['accessReviews']),
    });
    expect(read.accessReviews).toMatchObject({ ok: false });
  });

  it.each([
    ...needsOf('repository').filter((need) => need !== 'repository'),
    ...needsOf('workspace').filter((need) => need !== 'accessReviews'),
  ])('reads %s when asked, and answers a refused read without asking', async (need) => {
    const asked = failing();
    const read = (await collect(asked, need)) as Record<string, { ok: boolean } | undefined>;
    // (The branching model is read only when a restriction uses it: with restrictions unreadable, it is not.)
    expect(read[need]).toMatchObject(need === 'effectiveBranchingModel' ? { ok: true, value: null } : { ok: false });
    expect(asked.calls).toBeGreaterThan(0);
    const refusedClient = failing();
    const refused = (await collect(refusedClient, need, { [need]: { at: '2026-11-30T18:00:00.123Z', message: 'refused' } })) as Record<
      string,
      { ok: boolean; error?: BitbucketError } | undefined
    >;
    expect(refused[need]).toMatchObject({ ok: false, error: { kind: 'forbidden', status: 403 } });
    expect(refusedClient.calls).toBe(0);
  });

  const spec = fs.existsSync(SPEC) ? fs.readFileSync(SPEC, 'utf8') : null;
  it('matches docs/controls.md: titles, severities and the framework mapping', () => {
    const rows = new Map<string, string[]>();
    for (const line of spec!.split('\n')) {
      const cells = line.split('|').map((cell) => cell.trim());
      if (/^BB-[A-Z]+-\d+$/.test(cells[1] ?? '')) rows.set(`${cells[1]}:${cells.length}`, cells.slice(1, -1));
    }
    for (const control of CATALOGUE) {
      const definition = [...rows.entries()].find(
        ([key, cells]) =>
          key.startsWith(`${control.id}:`) && cells.length >= 5 && ['critical', 'high', 'medium', 'low'].includes(cells[2]!),
      );
      expect(definition?.[1].slice(1, 3)).toEqual([control.title, control.severity]);
      const mapping = [...rows.entries()].find(([key, cells]) => key.startsWith(`${control.id}:`) && cells.length === 4)?.[1];
      const list = (cell: string) => (cell === '—' ? [] : cell.split(',').map((part) => part.trim()));
      expect({ id: control.id, soc2: list(mapping![1]!), iso: list(mapping![2]!), cis: list(mapping![3]!) }).toEqual({
        id: control.id,
        soc2: [...control.frameworks.soc2],
        iso: [...control.frameworks.iso27001],
        cis: [...control.frameworks.cis],
      });
    }
  });
});
