/**
 * Forge licensing on the local runtime: the licence rides in every function's context as Forge passes it. With
 * it inactive, every resolver answers UNLICENSED (the modules show a clear state, not data), and the hourly run,
 * events, queued jobs and the merge check read nothing from Bitbucket; with it active, or absent (development),
 * everything works; back on, the next hourly run catches up.
 */
import React from 'react';
import { findAll, renderModule, textOf } from '../../local/ui/forge-doc';
import { Dashboard } from '../../src/frontend/dashboard/app';
import { RepositoryCard } from '../../src/frontend/repository-card/app';
import { startPeopleSandbox } from '../engine/sandbox';

describe('licence on and off', () => {
  let s: Awaited<ReturnType<typeof startPeopleSandbox>>;
  let workspace: string;
  let admin: string;

  beforeAll(async () => {
    s = await startPeopleSandbox();
    workspace = s.emulator.seed.workspaces[0]!.uuid;
    admin = s.emulator.seed.users[0]!.accountId;
    s.runtime.setLicense(workspace, { active: true });
    await s.runtime.install(workspace);
    await s.runtime.drainQueues();
  });
  afterAll(() => s.emulator.close());

  const resolve = (moduleKey: string, key: string, extension: Record<string, unknown> = {}) =>
    s.runtime.resolve(moduleKey, key, {}, { workspaceUuid: workspace, accountId: admin, extension });
  const bridge = (moduleKey: string, extension: Record<string, unknown> = {}) => ({
    invoke: (key: string, payload: unknown) =>
      s.runtime.resolve(moduleKey, key, payload, { workspaceUuid: workspace, accountId: admin, extension }),
    context: { accountId: admin, workspaceId: workspace, extension: { type: moduleKey, ...extension } },
  });
  const requestsDuring = async (work: () => Promise<unknown>) => {
    const before = s.emulator.log.length;
    await work();
    return s.emulator.log.length - before;
  };

  test('active: the dashboard answers with data', async () => {
    expect(await resolve('compliance-dashboard', 'dashboard/get')).toMatchObject({ ok: true });
  });

  test('inactive: every module shows the licence state instead of data, and nothing is read from Bitbucket', async () => {
    s.runtime.setLicense(workspace, { active: false });
    for (const [moduleKey, key] of [
      ['compliance-dashboard', 'dashboard/get'],
      ['compliance-dashboard', 'dashboard/repositories'],
      ['compliance-settings', 'policy/get'],
    ] as const)
      expect(await resolve(moduleKey, key)).toMatchObject({ ok: false, error: { code: 'UNLICENSED' } });
    const ui = await renderModule(<Dashboard />, bridge('compliance-dashboard'));
    const message = findAll(ui.doc(), 'SectionMessage')[0]!;
    expect(message.props.title).toBe('Attest is paused: its licence is not active');
    expect(textOf(ui.doc())).toContain('Manage apps');
    expect(textOf(ui.doc())).not.toMatch(/Score \d+/);
    const repository = s.emulator.seed.workspaces[0]!.repositories[0]!;
    const card = await renderModule(<RepositoryCard />, bridge('repository-compliance-card', { repository: { uuid: repository.uuid } }));
    expect(textOf(card.doc())).toContain('licence for this workspace is not active');

    // The hourly run, a pull-request event and what was queued before: nothing reaches Bitbucket.
    const sent = await requestsDuring(async () => {
      await s.runtime.runFor(2 * 3_600_000);
      await s.emulator.mutate({
        type: 'open-pull-request',
        workspace: 'acme',
        repository: repository.slug,
        title: 'ACME-9 while unlicensed',
        authorId: admin,
        sourceBranch: 'feature/unlicensed',
        sourceCommit: '9'.repeat(40),
      });
      await s.runtime.drainQueues();
    });
    expect(sent).toBe(0);
    const check = await s.runtime.mergeCheck({
      workspace: { uuid: workspace },
      repository: { uuid: repository.uuid },
      pullrequest: { id: 1 },
      trigger: { type: 'on-merge' },
    });
    expect(check.result).toEqual({
      success: true,
      message: 'Attest did not check this pull request: its licence for this workspace is not active.',
    });
  });

  test('active again: the next hourly run reads Bitbucket, and the data is back', async () => {
    s.runtime.setLicense(workspace, { active: true });
    const sent = await requestsDuring(() => s.runtime.runFor(3_600_000).then(() => s.runtime.drainQueues()));
    expect(sent).toBeGreaterThan(0);
    expect(await resolve('compliance-dashboard', 'dashboard/get')).toMatchObject({ ok: true });
  });

  test('no licence in the context (development and staging environments): everything works', async () => {
    s.runtime.setLicense(workspace, undefined);
    expect(await resolve('compliance-dashboard', 'dashboard/get')).toMatchObject({ ok: true });
  });
});
