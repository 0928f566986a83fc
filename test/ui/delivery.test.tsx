/**
 * The Delivery tab and the repository card's delivery numbers on the demo, as the UI Kit reconciler renders them
 * (the demo app measures delivery before it shows the UI, as an installation does after its first scan).
 */
import React from 'react';
import { findAll, renderModule, textOf, type ForgeDoc } from '../../local/ui/forge-doc';
import { moduleExtension, startDemoApp, type DemoApp } from '../../local/ui/demo-app';
import { Dashboard } from '../../src/frontend/dashboard/app';
import { RepositoryCard } from '../../src/frontend/repository-card/app';

type Handler = (...args: unknown[]) => unknown;
const handler = (node: ForgeDoc, name: string) => node.props[name] as Handler;
const byText = (doc: ForgeDoc, type: string, text: string) => findAll(doc, type).find((node) => textOf(node).includes(text));

describe('delivery in the UI', () => {
  let app: DemoApp;
  beforeAll(async () => {
    app = await startDemoApp('demo');
  }, 300_000);
  afterAll(() => app.close());

  const bridge = async (moduleKey: string, name: 'dashboard' | 'repository-card', where: { repository?: string } = {}) => {
    const accountId = app.people[0]!.accountId;
    const extension = await moduleExtension(app, name, { ...where, evaluate: false });
    return {
      invoke: (key: string, payload: unknown) =>
        app.runtime.resolve(moduleKey, key, payload, { workspaceUuid: app.workspace.uuid, accountId, extension }),
      context: { accountId, workspaceId: app.workspace.uuid, extension: { type: moduleKey, ...extension } },
    };
  };

  it('the Delivery tab: flow and DORA figures, two weekly charts, the table and the window picker', async () => {
    const ui = await renderModule(<Dashboard />, await bridge('compliance-dashboard', 'dashboard'));
    await ui.interact(() => handler(findAll(ui.doc(), 'Tabs')[0]!, 'onChange')(7));
    const text = textOf(ui.doc());
    for (const words of [
      'Time to first review',
      'Open → merge',
      'Independent approval',
      'Rubber stamps',
      'Deployment frequency',
      'Change failure rate',
      'Time to restore',
    ])
      expect(text).toContain(words);
    expect(findAll(ui.doc(), 'LineChart')).toHaveLength(2);
    expect(findAll(ui.doc(), 'DynamicTable').length).toBeGreaterThanOrEqual(1);
    await ui.interact(() => handler(byText(ui.doc(), 'Button', '4 weeks')!, 'onClick')());
    expect(textOf(ui.doc())).toMatch(/4 weeks from \d{4}-\d\d-\d\d/);
  });

  it('the repository card: its own numbers over 12 weeks', async () => {
    const ui = await renderModule(
      <RepositoryCard />,
      await bridge('repository-compliance-card', 'repository-card', { repository: 'payments-api' }),
    );
    const text = textOf(ui.doc());
    expect(text).toContain('Delivery, 12 weeks');
    expect(text).toMatch(/\d+ merged · open → merge /);
    expect(text).toMatch(/\d+ deployments · change failure rate \d+%/);
  });
});
