/**
 * The UI modules in a real browser: `attest preview` over the demo workspace, driven by Playwright in
 * Debian's Chromium (.ci/run installs it). Each module loads with the state the demo implies, the
 * interactions work end to end through the real resolvers, and the README's screenshots are regenerated
 * from what is on screen.
 */
import fs from 'node:fs';
import path from 'node:path';
import axe from 'axe-core';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startPreview, type Preview } from '../../local/preview/server';
import { createStore } from '../../src/store/store';
import { repositoryAccess } from '../../local/emulator/access';

const ROOT = path.resolve(__dirname, '..', '..');
const SCREENSHOTS = path.join(ROOT, 'docs', 'screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Without the background-networking flags Chromium keeps dialling Google's hosts, which this network refuses.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let preview: Preview;
let browser: Browser;

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(
      `no Chromium at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium; .ci/run does) or set CHROMIUM_PATH`,
    );
  [preview, browser] = await Promise.all([startPreview({ port: 0 }), chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await preview?.close();
});

/** A page with the module loaded; fails the test on any script error in the page. */
async function open(query: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${preview.url}?${query}`);
  return { page, errors };
}

/** Waits until no resolver call is in flight (the bridge marks the body). */
async function settled(page: Page): Promise<void> {
  await page.waitForSelector('body[data-busy="false"]');
}

/** Reads `read` until `accept` holds (the page updates after a resolver answers); fails with the last value. */
async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!accept(value)) {
    if (Date.now() > deadline) throw new Error(`still not as expected after ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}

async function column(page: Page, table: string, index: number): Promise<string[]> {
  return page.getByRole('table', { name: table }).locator(`tbody tr td:nth-child(${index})`).allInnerTexts();
}

/**
 * axe-core (https://github.com/dequelabs/axe-core) run in the page over the module's frame: the serious and
 * critical violations, each as its rule id and the first elements it names (empty when there are none).
 */
async function accessibilityViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: axe.source });
  const { found, checked } = await page.evaluate(async () => {
    const { violations, passes } = await (window as unknown as { axe: typeof axe }).axe.run('#module-frame');
    return {
      checked: passes.length + violations.length,
      found: violations.map((violation) => ({
        id: violation.id,
        impact: violation.impact ?? null,
        nodes: violation.nodes.slice(0, 3).map((node) => node.target.join(' ')),
      })),
    };
  });
  // The scan ran over the module (labels, names, contrast, structure): not a vacuous empty answer.
  expect(checked).toBeGreaterThan(2);
  return found
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id} (${violation.impact}): ${violation.nodes.join(', ')}`);
}

const MODULES = [
  { name: 'dashboard', query: 'module=dashboard', expect: ['Workspace compliance', 'Score', 'Workspace controls', 'Freshness'] },
  {
    name: 'settings',
    query: 'module=settings',
    expect: ['Attest compliance settings', 'Minimum approvals', 'Exceptions', 'Offboarded people'],
  },
  {
    name: 'repository-card',
    query: 'module=repository-card&repository=payments-api',
    expect: ['Score', 'production', 'Merged pull requests were approved by someone other than the author', 'Re-check'],
  },
  {
    name: 'pull-request-card',
    query: 'module=pull-request-card&repository=payments-api',
    expect: ['Approved by someone other than the author', 'Checked', 'Merge checks on the main branch'],
  },
] as const;

describe('attest preview in Chromium', () => {
  it.each(MODULES)('$name loads with its state, draws every component it uses, and is photographed for the README', async (module) => {
    const { page, errors } = await open(module.query);
    const frame = page.locator('#module-frame');
    for (const text of module.expect) await frame.getByText(text, { exact: false }).first().waitFor();
    await settled(page);
    expect(await frame.locator('[data-unknown-type]').count()).toBe(0);
    expect(await frame.getByText('Attest could not load this').count()).toBe(0);
    expect(errors).toEqual([]);
    // Accessibility: axe-core over the module as drawn, no serious or critical violation.
    expect(await accessibilityViolations(page)).toEqual([]);
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    await frame.screenshot({ path: path.join(SCREENSHOTS, `${module.name}.png`), animations: 'disabled', caret: 'hide' });
    await page.close();
  });

  it('the Health tab: Test connection says what is granted, and the errors of the week are listed (photographed)', async () => {
    const { page, errors } = await open('module=dashboard');
    await page.getByRole('tab', { name: 'Health' }).click();
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText(/^Rate limit: the app made \d+ of Bitbucket's 1000 requests in the last hour/).waitFor();
    await settled(page);
    expect(await page.locator('#module-frame').getByText('granted').count()).toBeGreaterThan(3);
    expect(await accessibilityViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await page.locator('#module-frame').screenshot({ path: path.join(SCREENSHOTS, 'health.png'), animations: 'disabled', caret: 'hide' });
    await page.close();
  });

  it('the Access reviews tab: the demo review in progress, its items with the rules’ suggestions (photographed)', async () => {
    const { page, errors } = await open('module=dashboard');
    await page.getByRole('tab', { name: 'Access reviews' }).click();
    await page.getByRole('table', { name: 'Access reviews' }).waitFor();
    await page.getByRole('button', { name: 'Whole workspace' }).click();
    const table = page.getByRole('table', { name: 'Access to review' });
    await table.waitFor();
    await settled(page);
    const frame = page.locator('#module-frame');
    expect(await frame.getByText(/decided: \d+ kept, 1 revoked/).count()).toBe(1);
    expect(await frame.getByText('revoke: offboarded on 2026-10-01').count()).toBeGreaterThan(0);
    expect(await table.getByRole('button', { name: 'Keep' }).count()).toBeGreaterThan(0);
    expect(await accessibilityViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await frame.screenshot({ path: path.join(SCREENSHOTS, 'access-review.png'), animations: 'disabled', caret: 'hide' });
    await page.close();
  });

  it('the Delivery tab: flow and DORA figures, weekly charts, the repository table by project (photographed)', async () => {
    const { page, errors } = await open('module=dashboard');
    await page.getByRole('tab', { name: 'Delivery' }).click();
    const table = page.getByRole('table', { name: 'Delivery by repository' });
    await table.waitFor();
    await settled(page);
    const frame = page.locator('#module-frame');
    expect(await frame.getByText('Time to first review').count()).toBe(1);
    expect(await frame.getByText('Change failure rate').count()).toBeGreaterThan(0);
    expect(await frame.getByRole('img').count()).toBeGreaterThanOrEqual(2);
    const merged = async () => (await column(page, 'Delivery by repository', 2)).map(Number);
    const before = await merged();
    expect(before.length).toBeGreaterThan(5);
    expect(before).toEqual([...before].sort((a, b) => b - a));
    expect(await accessibilityViolations(page)).toEqual([]);
    await frame.screenshot({ path: path.join(SCREENSHOTS, 'delivery.png'), animations: 'disabled', caret: 'hide' });
    await table.locator('thead th', { hasText: 'Merged' }).click();
    await eventually(merged, (values) => values.every((value, index) => index === 0 || values[index - 1]! <= value));
    expect(errors).toEqual([]);
    await page.close();
  });

  it('sorts the repositories by score and filters them by name', async () => {
    const { page, errors } = await open('module=dashboard');
    await page.getByRole('tab', { name: 'Repositories' }).click();
    const table = page.getByRole('table', { name: 'Repositories' });
    await table.waitFor();
    const scores = async () => (await column(page, 'Repositories', 4)).map(Number);
    const ascending = await scores();
    expect(ascending.length).toBeGreaterThan(5);
    expect(ascending).toEqual([...ascending].sort((a, b) => a - b));
    await table.locator('thead th', { hasText: 'Score' }).click();
    const isDescending = (values: number[]) => values.every((value, index) => index === 0 || values[index - 1]! >= value);
    await eventually(scores, isDescending);
    const descending = await scores();
    expect(descending[0]).toBeGreaterThan(ascending[0]!);

    await page.getByLabel('Search').fill('pay');
    await eventually(
      () => column(page, 'Repositories', 1),
      (names) => names.join() === 'payments-api',
    );
    await page.getByText(/^1 of \d+ repositories$/).waitFor();
    await page.getByLabel('Search').fill('no-such-repository');
    await page.getByText('No repository matches these filters.').waitFor();
    expect(errors).toEqual([]);
    await page.close();
  });

  it('viewing as a member who reads only the Payments project, the Repositories tab lists only what Bitbucket lets them read', async () => {
    const ws = preview.app.emulator.seed.workspaces[0]!;
    const leslie = preview.app.people[9]!;
    const readable = ws.repositories.filter((repo) => repositoryAccess(ws, repo, leslie.accountId) !== 'none');
    expect(readable.length).toBeLessThan(ws.repositories.length);
    const { page, errors } = await open(`module=dashboard&as=${encodeURIComponent(leslie.accountId)}`);
    expect(await page.locator('#pick-person').inputValue()).toBe(leslie.accountId);
    await page.getByRole('tab', { name: 'Repositories' }).click();
    await page.getByRole('table', { name: 'Repositories' }).waitFor();
    await page.getByText(new RegExp(`^${readable.length} of ${readable.length} repositories$`)).waitFor();
    const hidden = ws.repositories.find((repo) => repositoryAccess(ws, repo, leslie.accountId) === 'none')!;
    await page.getByLabel('Search').fill(hidden.slug);
    await page.getByText('No repository matches these filters.').waitFor();
    expect(errors).toEqual([]);
    await page.close();
  });

  it('refuses an invalid policy next to the field, saves nothing, then saves a valid one', async () => {
    const read = () => preview.app.runtime.withInstallation(preview.app.workspace.uuid, () => createStore().getPolicy());
    const before = await read();
    const { page, errors } = await open('module=settings');
    const field = page.getByLabel('Minimum approvals');
    await field.waitFor();
    await field.fill('-1');
    await page.getByRole('button', { name: 'Save policy' }).click();
    await page.getByText('Nothing was saved').waitFor();
    await settled(page);
    expect(await page.getByText('minApprovals:').count()).toBeGreaterThanOrEqual(2); // in the message and under the field
    expect(await read()).toEqual(before);

    await field.fill('2');
    await page.getByRole('button', { name: 'Save policy' }).click();
    await page.getByText('Policy saved.').waitFor();
    await settled(page);
    expect((await read()).minApprovals).toBe(2);
    await page.reload();
    await eventually(
      () => page.getByLabel('Minimum approvals').inputValue(),
      (value) => value === '2',
    );
    expect(errors).toEqual([]);
    await page.close();
  });

  it('adds an exception in settings, and the dashboard shows the failure as excepted', async () => {
    const { page, errors } = await open('module=settings');
    await page.locator('[id$="-exception-control"]').click();
    await page.keyboard.type('BB-CI-1');
    await page.keyboard.press('Enter');
    await page.getByLabel('Repository', { exact: true }).fill('legacy-billing');
    await page.getByLabel('Reason', { exact: true }).fill('Being retired in Q1; no builds until then');
    await page.locator('[id$="-exception-expires"]').click();
    await page.keyboard.type('12/31/2027');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Add exception' }).click();
    await page.getByText('Exception added.').waitFor();
    await settled(page);
    const exceptions = page.getByRole('table', { name: 'Exceptions' });
    await eventually(
      () => exceptions.innerText(),
      (text) => text.includes('Being retired in Q1; no builds until then'),
    );
    // In the viewer's locale (the preview's viewer reads US English, in UTC), never as an ISO date.
    expect(await exceptions.innerText()).toContain('Dec 31, 2027');
    await page.close();

    const dashboard = await open('module=dashboard');
    const excepted = dashboard.page.getByRole('table', { name: 'Excepted results' });
    await excepted.waitFor();
    const rows = await excepted.locator('tbody tr').allInnerTexts();
    expect(rows.some((row) => row.includes('legacy-billing') && row.includes('Being retired in Q1'))).toBe(true);
    expect([...errors, ...dashboard.errors]).toEqual([]);
    await dashboard.page.close();
  });

  it('as a member who is not an administrator (picked under "Viewing as"), a save is refused and nothing changes', async () => {
    const read = () => preview.app.runtime.withInstallation(preview.app.workspace.uuid, () => createStore().getPolicy());
    const before = await read();
    const member = preview.app.people[4]!;
    const { page, errors } = await open('module=settings');
    await Promise.all([page.waitForURL(/as=/), page.locator('#pick-person').selectOption(member.accountId)]);
    expect(await page.locator('#pick-person').inputValue()).toBe(member.accountId);
    const field = page.getByLabel('Minimum approvals');
    await field.waitFor();
    await field.fill('5');
    await page.getByRole('button', { name: 'Save policy' }).click();
    await page.getByText('Only workspace administrators can change Attest settings.').waitFor();
    await settled(page);
    expect(await read()).toEqual(before);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('switches the pull-request card between pull requests with the picker', async () => {
    const { page, errors } = await open('module=pull-request-card&repository=payments-api');
    await page.locator('#module-frame').getByText('Checked').waitFor();
    const options = await page
      .locator('#pick-pull-request option')
      .evaluateAll((nodes) => nodes.map((node) => (node as HTMLOptionElement).value));
    expect(options.length).toBeGreaterThan(1);
    const other = options.find((value) => value !== (new URL(page.url()).searchParams.get('pr') ?? options[0]))!;
    await Promise.all([page.waitForURL(new RegExp(`pr=${other}`)), page.locator('#pick-pull-request').selectOption(other)]);
    await page
      .locator('#module-frame')
      .getByText(/Checked|not a protected branch|not checked this pull request/)
      .first()
      .waitFor();
    expect(await page.locator('#pick-pull-request').inputValue()).toBe(other);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows a component type it does not know as a visible placeholder with its name', async () => {
    const { page, errors } = await open('module=forgedoc');
    // A paste that is not a ForgeDoc is named, not drawn.
    await page.locator('#forgedoc-json').fill('{"props": {}}');
    await page.locator('#forgedoc-show').click();
    await page.getByText(/^not a ForgeDoc: type: /).waitFor();
    const doc = {
      type: 'Root',
      props: {},
      children: [
        { type: 'Text', props: {}, children: [{ type: 'String', props: { text: 'before' }, children: [] }] },
        {
          type: 'Sparkline',
          props: { data: [1, 2] },
          children: [{ type: 'String', props: { text: 'inside the unknown one' }, children: [] }],
        },
      ],
    };
    await page.locator('#forgedoc-json').fill(JSON.stringify(doc));
    await page.locator('#forgedoc-show').click();
    const placeholder = page.locator('[data-unknown-type="Sparkline"]');
    await placeholder.waitFor();
    expect(await placeholder.isVisible()).toBe(true);
    expect(await placeholder.innerText()).toContain('Unknown UI Kit component: Sparkline');
    expect(await placeholder.innerText()).toContain('inside the unknown one');
    expect(await page.locator('#module-frame').innerText()).toContain('before');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('answers a bad invoke or a bad page query with 400 naming what is wrong, and runs nothing', async () => {
    const invocations = preview.app.runtime.invocations.length;
    const post = (body: string) =>
      fetch(`${preview.url}api/invoke`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const wrongType = await post(
      JSON.stringify({ module: 'settings', functionKey: 'policy/get', payload: {}, repository: null, pullRequest: 'seven', as: 'x' }),
    );
    expect(wrongType.status).toBe(400);
    expect(await wrongType.json()).toEqual({ ok: false, message: expect.stringContaining('pullRequest:') });
    const unknownModule = await post(
      JSON.stringify({ module: 'admin-page', functionKey: 'policy/get', payload: {}, repository: null, pullRequest: null, as: 'x' }),
    );
    expect(await unknownModule.json()).toEqual({ ok: false, message: expect.stringContaining('module:') });
    const notJson = await post('{"module":');
    expect(await notJson.json()).toEqual({ ok: false, message: 'invalid invoke request: the body is not JSON' });
    const query = await fetch(`${preview.url}?module=pull-request-card&pr=abc`);
    expect(query.status).toBe(400);
    expect(await query.text()).toContain('pr: a pull request id');
    expect(preview.app.runtime.invocations.length).toBe(invocations);
  });
});
