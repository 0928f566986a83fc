/**
 * The Health tab on the local runtime: errors Bitbucket answers the app with (after the retries) are kept a week
 * and listed for administrators with what the app was doing, the status, the request and the repository;
 * members are refused; "Test connection" reads once per scope and names what is missing and what it leaves
 * unchecked.
 */
import React from 'react';
import { findAll, renderModule, textOf, type ForgeDoc } from '../../local/ui/forge-doc';
import { Dashboard } from '../../src/frontend/dashboard/app';
import { connectionLines, filterFailures } from '../../src/frontend/dashboard/health';
import { HealthView } from '../../src/contract/resolvers';
import { startPeopleSandbox } from '../engine/sandbox';

type Handler = (...args: unknown[]) => unknown;
const handler = (node: ForgeDoc, name: string) => node.props[name] as Handler;

describe('the Health tab', () => {
  let s: Awaited<ReturnType<typeof startPeopleSandbox>>;
  let workspace: string;
  let admin: string;
  let member: string;

  beforeAll(async () => {
    s = await startPeopleSandbox();
    workspace = s.emulator.seed.workspaces[0]!.uuid;
    admin = s.emulator.seed.users[0]!.accountId;
    member = s.emulator.seed.users[4]!.accountId;
    // Bitbucket fails the Pipelines runs of every repository for the install scan, and refuses branch restrictions.
    s.emulator.addFault({ path: '/pipelines$', kind: 'status', status: 503, times: 400 });
    s.emulator.addFault({ path: 'branch-restrictions', kind: 'status', status: 403, times: null });
    await s.runtime.install(workspace);
    await s.runtime.drainQueues();
  });
  afterAll(() => s.emulator.close());

  const resolve = (key: string, accountId: string) =>
    s.runtime.resolve('compliance-dashboard', key, {}, { workspaceUuid: workspace, accountId });

  test('keeps what Bitbucket answered with, for administrators: when, doing what, the status, the request, the repository', async () => {
    const answer = (await resolve('health/get', admin)) as { ok: boolean; data: unknown };
    expect(answer.ok).toBe(true);
    const view = HealthView.parse(answer.data);
    const unavailable = view.failures.filter((failure) => failure.status === 503);
    expect(unavailable.length).toBeGreaterThan(0);
    expect(unavailable[0]).toMatchObject({ operation: 'scan', kind: 'upstream', path: expect.stringMatching(/\/pipelines\?/) });
    expect(unavailable.every((failure) => failure.repository !== null && !/^[0-9a-f-]{36}$/.test(failure.repository))).toBe(true);
    const refused = view.failures.filter((failure) => failure.status === 403);
    expect(refused.length).toBeGreaterThan(0);
    expect(filterFailures(view.failures, { operation: 'scan', status: '403' })).toEqual(refused.filter((f) => f.operation === 'scan'));
    // Newest first.
    expect(view.failures.map((failure) => failure.at)).toEqual([...view.failures.map((failure) => failure.at)].sort().reverse());
    expect(await resolve('health/get', member)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  test('Test connection names the missing scope and the controls it leaves unchecked, and the hour’s headroom', async () => {
    const answer = (await resolve('health/test', admin)) as { ok: boolean; data: Parameters<typeof connectionLines>[0] };
    expect(answer.ok).toBe(true);
    const branch = answer.data.probes.find((probe) => probe.what.startsWith('branch restrictions'))!;
    expect(branch).toMatchObject({ scope: 'admin:repository:bitbucket', answer: 'refused', status: 403 });
    expect(branch.controls).toEqual(expect.arrayContaining(['BB-BP-1', 'BB-CR-1']));
    expect(answer.data.probes.find((probe) => probe.what === 'workspace members')).toMatchObject({ answer: 'granted' });
    const lines = connectionLines(answer.data);
    expect(lines.join('\n')).toMatch(
      /branch restrictions \(of [\w-]+\): refused — the app's admin:repository:bitbucket is not granted here, so .*BB-BP-1/,
    );
    expect(lines.at(-1)).toMatch(/^Rate limit: the app made \d+ of Bitbucket's 1000 requests in the last hour; \d+ left/);
    expect(await resolve('health/test', member)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  test('the tab, opened by an administrator: the errors, a filter, the details, and Test connection', async () => {
    const ui = await renderModule(<Dashboard />, {
      invoke: (key: string, payload: unknown) =>
        s.runtime.resolve('compliance-dashboard', key, payload, { workspaceUuid: workspace, accountId: admin }),
      context: { accountId: admin, workspaceId: workspace, extension: { type: 'compliance-dashboard' } },
    });
    await ui.interact(() => handler(findAll(ui.doc(), 'Tabs')[0]!, 'onChange')(5));
    const table = () => findAll(ui.doc(), 'DynamicTable').find((node) => node.props.label === 'Errors from Bitbucket')!;
    expect(textOf(table())).toContain('503 Bitbucket error');
    const status = findAll(ui.doc(), 'Select').find((node) => String(node.props.inputId).endsWith('health-status'))!;
    await ui.interact(() => handler(status, 'onChange')({ label: '403 refused', value: '403' }));
    expect(textOf(table())).not.toContain('503 Bitbucket error');
    await ui.interact(() => handler(findAll(table(), 'Button')[0]!, 'onClick')());
    expect(textOf(ui.doc())).toMatch(/Request: \/2\.0\/repositories\/.*branch-restrictions/);
    const test = findAll(ui.doc(), 'Button').find((node) => textOf(node) === 'Test connection')!;
    await ui.interact(() => handler(test, 'onClick')());
    expect(textOf(ui.doc())).toContain('admin:repository:bitbucket is not granted here');
  });
});
