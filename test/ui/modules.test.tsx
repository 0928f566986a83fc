/**
 * Each UI module rendered through the real @forge/react reconciler with a fake bridge, against the state the
 * demo seed produces on the local runtime: the ForgeDoc tree has the expected components and texts; the
 * filters, pages, drill-down and forms work through the components' props; loading, empty, error (with
 * retry) and partial states are covered.
 */
import path from 'node:path';
import React from 'react';
import { SimClock } from '../../local/runtime/clock';
import { LocalForgeRuntime } from '../../local/runtime/runtime';
import { BitbucketEmulator } from '../../local/emulator/server';
import { DEMO_NOW, demoPolicy, demoSeed } from '../../local/emulator/seeds';
import { findAll, renderModule, textOf, type ForgeDoc } from '../../local/ui/forge-doc';
import { Dashboard } from '../../src/frontend/dashboard/app';
import { PullRequestCard } from '../../src/frontend/pull-request-card/app';
import { RepositoryCard } from '../../src/frontend/repository-card/app';
import { Settings } from '../../src/frontend/settings/app';
import { Policy } from '../../src/policy/policy';
import { createStore } from '../../src/store/store';
import { APP_TOKEN, withPeople } from '../builders/credentials';

const ROOT = path.resolve(__dirname, '..', '..');

type Handler = (...args: unknown[]) => unknown;
const handler = (node: ForgeDoc, name: string) => node.props[name] as Handler;
/** A form component by its name, id or inputId (UI Kit prefixes ids with the app's, e.g. `forge-app-123-`). */
const field = (doc: ForgeDoc, type: string, name: string) =>
  findAll(doc, type).find((node) =>
    [node.props.name, node.props.id, node.props.inputId].some((value) => value === name || String(value ?? '').endsWith(`-${name}`)),
  );
const byText = (doc: ForgeDoc, type: string, text: string) => findAll(doc, type).find((node) => textOf(node).includes(text));
/** DynamicTable renders its rows as ContentWrapper{name: rows} > Row{rowKey} (docs/offline-toolchain.md §7). */
const rowKeys = (table: ForgeDoc) =>
  findAll(
    table.children.find((child) => child.type === 'ContentWrapper' && child.props.name === 'rows'),
    'Row',
  ).map((row) => String(row.props.rowKey));

describe('UI modules on the demo state', () => {
  let emulator: BitbucketEmulator;
  let runtime: LocalForgeRuntime;
  let ws: { uuid: string; repositories: Array<{ uuid: string; slug: string }> };
  let admin: string;
  let member: string;

  beforeAll(async () => {
    const clock = new SimClock(DEMO_NOW);
    const { seed, users } = withPeople(demoSeed());
    emulator = new BitbucketEmulator(seed, clock);
    await emulator.listen();
    runtime = new LocalForgeRuntime({ root: ROOT, bitbucketBaseUrl: emulator.url, auth: { app: `Bearer ${APP_TOKEN}`, users }, clock });
    emulator.onEvent((event) => runtime.emit(event));
    ws = emulator.seed.workspaces[0]!;
    admin = emulator.seed.users[0]!.accountId;
    member = emulator.seed.users[4]!.accountId;
    await runtime.withInstallation(ws.uuid, () => createStore().putPolicy(Policy.parse(demoPolicy(emulator.seed))));
    await runtime.install(ws.uuid);
    await runtime.drainQueues();
  });
  afterAll(() => emulator.close());

  const bridge = (moduleKey: string, accountId: string, extension: Record<string, unknown> = {}) => ({
    invoke: (key: string, payload: unknown) => runtime.resolve(moduleKey, key, payload, { workspaceUuid: ws.uuid, accountId, extension }),
    context: { accountId, workspaceId: ws.uuid, extension: { type: moduleKey, ...extension } },
  });

  describe('dashboard', () => {
    it('shows the score, the outcomes, the workspace controls, attention sections and freshness', async () => {
      const ui = await renderModule(<Dashboard />, bridge('compliance-dashboard', admin));
      const doc = ui.doc();
      const text = textOf(doc);
      expect(findAll(doc, 'Tab').map(textOf)).toEqual([
        'Overview',
        'Repositories',
        'Frameworks',
        'Evidence',
        'Changes',
        'Health',
        'Access reviews',
        'Delivery',
      ]);
      expect(text).toMatch(/Score \d+/);
      expect(text).toContain('Offboarded people have no workspace access: 1 offboarded person is still a workspace member: Frances Allen.');
      expect(findAll(doc, 'BarChart')).toHaveLength(1);
      expect(text).toContain('Could not be checked (');
      expect(text).toContain('Excepted (1)');
      expect(text).toContain('Public marketing site by design');
      expect(text).toMatch(/Advisory: configured but not enforced \(\d+\)/);
      expect(text).toMatch(/A full pass takes about [\d.]+ hours at \d+ requests an hour/);
      // What the app spent of the hour, from the request ledger (the install's scan made requests).
      const spent = /In the last hour the app made (\d+) of its (\d+) requests to Bitbucket\./.exec(text);
      expect(Number(spent?.[1])).toBeGreaterThan(0);
      const lozenges = findAll(doc, 'Lozenge').map((node) => [textOf(node), node.props.appearance]);
      expect(lozenges).toContainEqual(['could not check', 'moved']);
      expect(lozenges.some(([label, appearance]) => label === 'could not check' && appearance === 'success')).toBe(false);
    });

    it('filters, searches and pages the repositories, and drills down into one', async () => {
      const ui = await renderModule(<Dashboard />, bridge('compliance-dashboard', member));
      const table = () => findAll(ui.doc(), 'DynamicTable').find((node) => node.props.caption === 'Repositories');
      // The rows are read when the tab is first opened, not with the overview.
      expect(table()).toBeUndefined();
      await ui.interact(() => handler(findAll(ui.doc(), 'Tabs')[0]!, 'onChange')(1));
      const rows = () => rowKeys(table()!).length;
      expect(rows()).toBe(44);
      const project = field(ui.doc(), 'Select', 'project')!;
      await ui.interact(() => handler(project, 'onChange')({ label: 'PAY', value: 'PAY' }));
      expect(rows()).toBe(9);
      expect(textOf(ui.doc())).toContain('9 of 44 repositories');
      const search = field(ui.doc(), 'Textfield', 'search')!;
      await ui.interact(() => handler(search, 'onChange')({ target: { value: 'ledger' } }));
      expect(rows()).toBe(1);
      await ui.interact(() => handler(search, 'onChange')({ target: { value: '' } }));
      const outcome = field(ui.doc(), 'Select', 'outcome')!;
      await ui.interact(() => handler(outcome, 'onChange')({ label: 'Failing a control', value: 'failing' }));
      expect(rows()).toBeGreaterThan(0);
      await ui.interact(() => handler(project, 'onChange')({ label: 'All projects', value: '' }));
      await ui.interact(() => handler(outcome, 'onChange')({ label: 'Any outcome', value: '' }));
      expect(table()!.props.page).toBe(1);
      await ui.interact(() => handler(table()!, 'onSetPage')(2));
      expect(table()!.props.page).toBe(2);
      expect(table()!.props.rowsPerPage).toBe(20);
      // Drill down: the details button of the ledger row.
      await ui.interact(() => handler(search, 'onChange')({ target: { value: 'ledger' } }));
      const details = findAll(ui.doc(), 'Button').find((node) => textOf(node) === 'Details')!;
      await ui.interact(() => handler(details, 'onClick')());
      const text = textOf(ui.doc());
      expect(text).toContain('Main branch blocks direct pushes (BB-BP-1)');
      expect(text).toContain('How to fix it:');
    });

    it('lists every framework item with its status', async () => {
      const ui = await renderModule(<Dashboard />, bridge('compliance-dashboard', member));
      const captions = findAll(ui.doc(), 'DynamicTable').map((node) => node.props.caption);
      expect(captions).toEqual(
        expect.arrayContaining(['SOC 2 (2017 TSC)', 'ISO/IEC 27001:2022 Annex A', 'CIS Software Supply Chain v1.0']),
      );
      const soc2 = findAll(ui.doc(), 'DynamicTable').find((node) => node.props.caption === 'SOC 2 (2017 TSC)')!;
      expect(rowKeys(soc2)).toEqual(['soc2-CC6.1', 'soc2-CC6.2', 'soc2-CC6.3', 'soc2-CC6.7', 'soc2-CC7.1', 'soc2-CC8.1']);
    });

    it('loads the evidence for a period and downloads the CSV through a one-time link opened in a new tab', async () => {
      const opened: Array<{ url: string; type: string }> = [];
      const ui = await renderModule(<Dashboard />, {
        ...bridge('compliance-dashboard', member),
        navigate: (url, type) => opened.push({ url, type }),
      });
      const since = field(ui.doc(), 'DatePicker', 'since');
      const until = field(ui.doc(), 'DatePicker', 'until');
      await ui.interact(() => handler(since!, 'onChange')('2026-08-24'));
      await ui.interact(() => handler(until!, 'onChange')('2026-11-23'));
      const show = byText(ui.doc(), 'Button', 'Show evidence')!;
      await ui.interact(() => handler(show, 'onClick')());
      expect(textOf(ui.doc())).toMatch(/\d+ pull requests merged; \d+ compliant \(\d+%\)/);
      await ui.interact(() => handler(byText(ui.doc(), 'Button', 'Download CSV')!, 'onClick')());
      expect(opened).toEqual([{ url: expect.stringMatching(/\/x1\/[0-9a-f]{32}\?token=[A-Za-z0-9_-]{43}$/), type: 'new-tab' }]);
      expect(textOf(ui.doc())).toContain('Downloading attest-evidence-acme-2026-08-24-to-2026-11-23.csv in a new tab.');
      const file = await runtime.callWebTrigger(opened[0]!.url);
      expect(file.body).toMatch(/^repository,pull_request,title/);
    });

    it('downloads the findings of the repositories the person can read as a file, from the Repositories tab', async () => {
      const opened: Array<{ url: string; type: string }> = [];
      const ui = await renderModule(<Dashboard />, {
        ...bridge('compliance-dashboard', member),
        navigate: (url, type) => opened.push({ url, type }),
      });
      await ui.interact(() => handler(findAll(ui.doc(), 'Tabs')[0]!, 'onChange')(1));
      await ui.interact(() => handler(byText(ui.doc(), 'Button', 'Download findings (CSV)')!, 'onClick')());
      expect(opened).toEqual([{ url: expect.stringMatching(/\?token=[A-Za-z0-9_-]{43}$/), type: 'new-tab' }]);
      expect(textOf(ui.doc())).toMatch(/Downloading attest-findings-acme-\d{4}-\d{2}-\d{2}\.csv in a new tab\./);
      const file = await runtime.callWebTrigger(opened[0]!.url);
      expect(file.statusCode).toBe(200);
      expect(file.body?.split(/\r?\n/)[0]).toBe('workspace,repository,control,title,severity,outcome,enforced,exception,message');
    });

    it('refuses "Scan now" to a non-administrator, and starts it for an administrator', async () => {
      const asMember = await renderModule(<Dashboard />, bridge('compliance-dashboard', member));
      await asMember.interact(() => handler(byText(asMember.doc(), 'Button', 'Scan now')!, 'onClick')());
      expect(textOf(asMember.doc())).toContain('Only workspace administrators can change Attest settings.');
      const asAdmin = await renderModule(<Dashboard />, bridge('compliance-dashboard', admin));
      await asAdmin.interact(() => handler(byText(asAdmin.doc(), 'Button', 'Scan now')!, 'onClick')());
      expect(textOf(asAdmin.doc())).toContain('Scan queued');
    });
  });

  describe.each([
    ['settings', () => <Settings />, 'the policy'],
    ['repository card', () => <RepositoryCard />, "the repository's compliance"],
    ['pull-request card', () => <PullRequestCard />, "the pull request's checks"],
  ])('%s states', (_name, element, what) => {
    it('loading, then an error with a retry that loads again', async () => {
      let calls = 0;
      const ui = await renderModule(element(), {
        invoke: async () =>
          ++calls === 1
            ? { ok: false, error: { code: 'FORBIDDEN', message: 'You cannot read this repository in Bitbucket.' } }
            : new Promise(() => undefined),
        context: { accountId: member, extension: {} },
      });
      expect(findAll(ui.doc(), 'SectionMessage')[0]!.props.appearance).toBe('error');
      expect(textOf(ui.doc())).toContain('You cannot read this repository in Bitbucket.');
      await ui.interact(() => handler(byText(ui.doc(), 'Button', 'Try again')!, 'onClick')());
      expect(textOf(ui.doc())).toContain(`Loading ${what}`);
      expect(findAll(ui.doc(), 'Spinner')).toHaveLength(1);
    });
  });

  it.each([
    [
      'repository card',
      () => <RepositoryCard />,
      {
        repository: null,
        controls: {},
        now: '2026-11-22T09:14:48.599Z',
        progress: { evaluated: 120, repositories: 1000, hoursPerFullPass: 14.7 },
      },
      'Attest has not evaluated this repository yet. Scanning 120 of 1,000 repositories — about 13 hours left at Bitbucket’s rate limit. Its first result comes within about 13 hours',
    ],
    [
      'pull-request card',
      () => <PullRequestCard />,
      { pullRequest: null, checkTitles: {}, repository: null, now: '2026-11-22T09:14:48.599Z' },
      'Attest has not checked this pull request yet',
    ],
  ])('%s before its first evaluation says what is happening', async (_name, element, data, text) => {
    const ui = await renderModule(element(), { invoke: async () => ({ ok: true, data }), context: { accountId: member, extension: {} } });
    expect(textOf(ui.doc())).toContain(text);
  });

  describe('states', () => {
    const fixed = (answer: unknown) => ({ invoke: async () => answer, context: { accountId: member, extension: {} } });

    it('loading: a spinner and what is being loaded', async () => {
      const ui = await renderModule(<Dashboard />, { invoke: () => new Promise(() => undefined), context: {} });
      expect(findAll(ui.doc(), 'Spinner')).toHaveLength(1);
      expect(textOf(ui.doc())).toContain('Loading the workspace compliance dashboard');
    });

    it('empty: before the first scan, says what is happening', async () => {
      const ui = await renderModule(
        <Dashboard />,
        fixed({
          ok: true,
          data: {
            summary: null,
            repositories: [],
            workspaceResults: [],
            freshness: {
              lastPlanAt: null,
              hourlyBudget: 800,
              hoursPerFullPass: null,
              rateLimitedAt: null,
              requestsLastHour: 0,
              scanShare: 680,
              truncated: false,
              lastFullPassAt: null,
              installedAt: '2026-11-22T09:00:07.214Z',
              repositories: 1000,
            },
            history: [],
            controls: {},
            people: {},
            now: '2026-11-22T09:14:48.599Z',
          },
        }),
      );
      const empty = findAll(ui.doc(), 'EmptyState')[0]!;
      expect(empty.props.header).toBe('The first scan has not finished yet');
      expect(empty.props.description).toContain('Scanning 0 of 1,000 repositories. The first results appear here within about 15 minutes.');
    });

    it('error: the message and a retry that loads again', async () => {
      let calls = 0;
      const ui = await renderModule(<Dashboard />, {
        invoke: async () =>
          ++calls === 1
            ? { ok: false, error: { code: 'INTERNAL', message: 'Attest could not complete this.' } }
            : new Promise(() => undefined),
        context: {},
      });
      expect(findAll(ui.doc(), 'SectionMessage')[0]!.props.appearance).toBe('error');
      await ui.interact(() => handler(byText(ui.doc(), 'Button', 'Try again')!, 'onClick')());
      expect(calls).toBe(2);
      expect(textOf(ui.doc())).toContain('Loading');
    });

    it('partial: results still coming in', async () => {
      const data = (await runtime.resolve('compliance-dashboard', 'dashboard/get', {}, { workspaceUuid: ws.uuid, accountId: member })) as {
        data: { summary: { evaluated: number } };
      };
      const partial = { ...data.data, summary: { ...data.data.summary, evaluated: 10 } };
      const ui = await renderModule(<Dashboard />, fixed({ ok: true, data: partial }));
      expect(textOf(ui.doc())).toMatch(/Scanning 10 of 44 repositories — (a few minutes|about \d+ minutes) left at Bitbucket’s rate limit/);
    });
  });

  describe('settings', () => {
    it('shows the policy, names an invalid field next to it and saves nothing', async () => {
      const ui = await renderModule(<Settings />, bridge('compliance-settings', admin));
      const minApprovals = field(ui.doc(), 'Textfield', 'minApprovals')!;
      expect(minApprovals.props.value).toBe('1');
      await ui.interact(() => handler(minApprovals, 'onChange')({ target: { value: '42' } }));
      await ui.interact(() => handler(byText(ui.doc(), 'Button', 'Save policy')!, 'onClick')());
      expect(textOf(findAll(ui.doc(), 'ErrorMessage')[0])).toContain('minApprovals');
      expect(findAll(ui.doc(), 'SectionMessage')[0]!.props.title).toBe('Nothing was saved');
      const policy = await runtime.withInstallation(ws.uuid, () => createStore().getPolicy());
      expect(policy.minApprovals).toBe(1);
    });

    it('saves a valid change with a confirmation, and adds an exception that the dashboard then lists', async () => {
      const ui = await renderModule(<Settings />, bridge('compliance-settings', admin));
      const minBuild = field(ui.doc(), 'Textfield', 'minBuildSuccessRate')!;
      await ui.interact(() => handler(minBuild, 'onChange')({ target: { value: '0.8' } }));
      await ui.interact(() => handler(byText(ui.doc(), 'Button', 'Save policy')!, 'onClick')());
      expect(findAll(ui.doc(), 'SectionMessage')[0]!.props.title).toBe('Saved');
      expect((await runtime.withInstallation(ws.uuid, () => createStore().getPolicy())).minBuildSuccessRate).toBe(0.8);

      const select = field(ui.doc(), 'Select', 'exception-control')!;
      await ui.interact(() => handler(select, 'onChange')({ value: 'BB-CR-4' }));
      await ui.interact(() =>
        handler(field(ui.doc(), 'Textfield', 'exception-repository')!, 'onChange')({ target: { value: 'checkout-web' } }),
      );
      await ui.interact(() =>
        handler(field(ui.doc(), 'Textfield', 'exception-reason')!, 'onChange')({ target: { value: 'Reviewers assigned by CODEOWNERS' } }),
      );
      await ui.interact(() => handler(field(ui.doc(), 'DatePicker', 'exception-expires')!, 'onChange')('2027-03-31'));
      await ui.interact(() => handler(byText(ui.doc(), 'Button', 'Add exception')!, 'onClick')());
      expect(textOf(ui.doc())).toContain('Exception added.');
      await runtime.drainQueues(); // the policy change re-evaluates, then the summary is rebuilt
      const dashboard = await renderModule(<Dashboard />, bridge('compliance-dashboard', admin));
      expect(textOf(dashboard.doc())).toContain('Reviewers assigned by CODEOWNERS');
      // A member sees that the repository is excepted, not why or by whom.
      const asMember = textOf((await renderModule(<Dashboard />, bridge('compliance-dashboard', member))).doc());
      expect(asMember).toContain('checkout-web');
      expect(asMember).not.toContain('Reviewers assigned by CODEOWNERS');
      expect(asMember).toContain('Visible to workspace administrators');
    });

    it('classification as rows, service accounts and disabled controls picked by name, offboarded row by row', async () => {
      const ui = await renderModule(<Settings />, bridge('compliance-settings', admin));
      const before = await runtime.withInstallation(ws.uuid, () => createStore().getPolicy());
      // A new rule: every repository of project LAB is non-production.
      await ui.interact(() => handler(byText(ui.doc(), 'Button', 'Add a rule')!, 'onClick')());
      const last = before.classification.rules.length + Object.keys(before.classification.repositories).length;
      await ui.interact(() => handler(field(ui.doc(), 'Textfield', `class-value-${last}`)!, 'onChange')({ target: { value: 'LAB' } }));
      await ui.interact(() => handler(field(ui.doc(), 'Select', `class-to-${last}`)!, 'onChange')({ value: 'non-production' }));
      // Service accounts from the members, by name.
      const services = field(ui.doc(), 'Select', 'serviceAccounts')!;
      const options = services.props.options as Array<{ label: string; value: string }>;
      expect(options.map((option) => option.label)).toContain('Grace Hopper');
      expect(options.some((option) => /^557058:/.test(option.label))).toBe(false);
      const grace = options.find((option) => option.label === 'Grace Hopper')!;
      const current = services.props.value as Array<{ label: string; value: string }>;
      await ui.interact(() => handler(services, 'onChange')([...current, grace]));
      const disabled = field(ui.doc(), 'Select', 'disabledControls')!;
      const reviewers = (disabled.props.options as Array<{ label: string; value: string }>).find((option) => option.value === 'BB-CR-4')!;
      expect(reviewers.label).toBe('Default reviewers are assigned (BB-CR-4)');
      await ui.interact(() => handler(disabled, 'onChange')([reviewers]));
      await ui.interact(() => handler(byText(ui.doc(), 'Button', 'Save policy')!, 'onClick')());
      expect(findAll(ui.doc(), 'SectionMessage')[0]!.props.title).toBe('Saved');
      const saved = await runtime.withInstallation(ws.uuid, () => createStore().getPolicy());
      expect(saved.classification.rules.at(-1)).toEqual({ project: 'LAB', classification: 'non-production' });
      expect(saved.serviceAccounts).toEqual([...before.serviceAccounts, grace.value]);
      expect(saved.disabledControls).toEqual(['BB-CR-4']);
      // The offboarded list, one person at a time.
      const person = field(ui.doc(), 'Select', 'offboarded-person')!;
      const knuth = (person.props.options as Array<{ label: string; value: string }>).find((option) => option.label === 'Donald Knuth')!;
      await ui.interact(() => handler(person, 'onChange')(knuth));
      await ui.interact(() => handler(field(ui.doc(), 'DatePicker', 'offboarded-on')!, 'onChange')('2026-11-02'));
      await ui.interact(() => handler(byText(ui.doc(), 'Button', 'Add to the list')!, 'onClick')());
      expect(textOf(ui.doc())).toContain('Added to the offboarded list.');
      const listed = (await runtime.withInstallation(ws.uuid, () => createStore().getPolicy())).offboarded ?? [];
      expect(listed.map((entry) => entry.name)).toEqual(['Frances Allen', 'Donald Knuth']);
      const table = findAll(ui.doc(), 'DynamicTable').find((node) => node.props.label === 'Offboarded people')!;
      await ui.interact(() => handler(findAll(table, 'Button').filter((node) => textOf(node) === 'Remove')[1]!, 'onClick')());
      const after = (await runtime.withInstallation(ws.uuid, () => createStore().getPolicy())).offboarded ?? [];
      expect(after.map((entry) => entry.name)).toEqual(['Frances Allen']);
      // Put the policy back for the tests after this one.
      await runtime.withInstallation(ws.uuid, () => createStore().putPolicy(before));
    });

    it('day one: with nothing classified, proposes a rule per project, applied in one step', async () => {
      const before = await runtime.withInstallation(ws.uuid, () => createStore().getPolicy());
      await runtime.withInstallation(ws.uuid, () =>
        createStore().putPolicy({ ...before, classification: { repositories: {}, rules: [] } }),
      );
      const ui = await renderModule(<Settings />, bridge('compliance-settings', admin));
      const proposal = findAll(ui.doc(), 'SectionMessage').find((node) => node.props.title === 'No repository is classified yet')!;
      expect(textOf(proposal)).toMatch(/PAY \(9 repositories\) → production/);
      expect(textOf(proposal)).toMatch(/LAB \(\d+ repositor(y|ies)\) → non-production/);
      await ui.interact(() => handler(byText(proposal, 'Button', 'Apply these rules')!, 'onClick')());
      const saved = await runtime.withInstallation(ws.uuid, () => createStore().getPolicy());
      expect(saved.classification.rules).toContainEqual({ project: 'PAY', classification: 'production' });
      expect(saved.classification.rules).toContainEqual({ project: 'LAB', classification: 'non-production' });
      // Members are not offered it: only administrators change the policy.
      await runtime.withInstallation(ws.uuid, () =>
        createStore().putPolicy({ ...before, classification: { repositories: {}, rules: [] } }),
      );
      const asMember = await renderModule(<Settings />, bridge('compliance-settings', member));
      expect(textOf(asMember.doc())).not.toContain('Apply these rules');
      await runtime.withInstallation(ws.uuid, () => createStore().putPolicy(before));
    });

    it('a non-administrator cannot save', async () => {
      const ui = await renderModule(<Settings />, bridge('compliance-settings', member));
      expect(textOf(ui.doc())).toContain('only workspace administrators see them here');
      expect(textOf(ui.doc())).not.toContain('Public marketing site by design');
      await ui.interact(() => handler(byText(ui.doc(), 'Button', 'Save policy')!, 'onClick')());
      expect(textOf(ui.doc())).toContain('Only workspace administrators can change Attest settings.');
    });
  });

  describe('cards', () => {
    it('repository card: score, what needs a look one by one (advisory marked, fixes), the passes summed up, Re-check', async () => {
      const repo = ws.repositories.find((candidate) => candidate.slug === 'checkout-web')!;
      const ui = await renderModule(<RepositoryCard />, bridge('repository-compliance-card', member, { repository: { uuid: repo.uuid } }));
      const text = textOf(ui.doc());
      expect(text).toMatch(/Score \d+ · production/);
      const lozenges = findAll(ui.doc(), 'Lozenge').map(textOf);
      expect(lozenges).toContain('advisory');
      // One "pass" lozenge heads every plain pass; only advisory or excepted passes have their own.
      const marked = lozenges.filter((label) => label === 'advisory' || label === 'excepted').length;
      expect(lozenges.filter((label) => label === 'pass').length).toBeLessThanOrEqual(1 + marked);
      expect((text.match(/Fix:/g) ?? []).length).toBe(lozenges.filter((label) => label === 'fail' || label === 'could not check').length);
      expect(text).toContain('Main branch blocks direct pushes · ');
      expect(text).toContain('Merge checks on the main branch are enforced');
      expect(text).toContain('Fix:');
      await ui.interact(() => handler(byText(ui.doc(), 'Button', 'Re-check')!, 'onClick')());
      expect(textOf(ui.doc())).toContain('Only the repository’s administrators can re-check it.');
    });

    it('pull-request card: the checks and what is missing, in plain words', async () => {
      const repo = ws.repositories.find((candidate) => candidate.slug === 'ledger')!;
      const { pullRequestId } = await emulator.mutate({
        type: 'open-pull-request',
        workspace: 'acme',
        repository: 'ledger',
        title: 'ACME-5',
        authorId: admin,
        sourceBranch: 'feature/5',
        sourceCommit: '5'.repeat(40),
      });
      await runtime.drainQueues();
      const ui = await renderModule(
        <PullRequestCard />,
        bridge('pull-request-compliance-card', member, { repository: { uuid: repo.uuid }, pullRequest: { id: pullRequestId } }),
      );
      const text = textOf(ui.doc());
      expect(text).toContain('needs 1 more approval from someone other than the author');
      expect(text).toContain('no build has reported on the latest commit');
      expect(findAll(ui.doc(), 'Lozenge').map(textOf)).toEqual(expect.arrayContaining(['missing', 'met']));
      expect(text).toContain('Whether the Attest check is set to Required is not readable');
      expect(findAll(ui.doc(), 'LinkButton')).toHaveLength(1);
    });
  });

  describe('made for people', () => {
    /** A viewer in Berlin reading British English: Forge's context carries both (`locale`, `timezone`). */
    const berlin = (moduleKey: string, accountId: string, extension: Record<string, unknown> = {}) => {
      const base = bridge(moduleKey, accountId, extension);
      return { ...base, context: { ...base.context, locale: 'en_GB', timezone: 'Europe/Berlin' } };
    };
    const ACCOUNT_ID = /\b557058:[\w-]+|\b[0-9a-f]{24}\b/;
    const ISO_TIME = /\d{4}-\d{2}-\d{2}(T\d{2}:\d{2})?/;

    it('no text any module shows is a raw account id or an ISO timestamp; people by name, times as people read them', async () => {
      const dashboard = await renderModule(<Dashboard />, berlin('compliance-dashboard', admin));
      await dashboard.interact(() => handler(findAll(dashboard.doc(), 'Tabs')[0]!, 'onChange')(1));
      const details = findAll(dashboard.doc(), 'Button').find((node) => textOf(node) === 'Details')!;
      await dashboard.interact(() => handler(details, 'onClick')());
      await dashboard.interact(() => handler(byText(dashboard.doc(), 'Button', 'Show evidence')!, 'onClick')());
      const settings = await renderModule(<Settings />, berlin('compliance-settings', admin));
      const repo = ws.repositories.find((candidate) => candidate.slug === 'ledger')!;
      const card = await renderModule(<RepositoryCard />, berlin('repository-compliance-card', admin, { repository: { uuid: repo.uuid } }));
      const texts = { dashboard: textOf(dashboard.doc()), settings: textOf(settings.doc()), card: textOf(card.doc()) };
      for (const [module, text] of Object.entries(texts)) {
        expect({ module, accountId: ACCOUNT_ID.exec(text)?.[0] ?? null }).toEqual({ module, accountId: null });
        expect({ module, iso: ISO_TIME.exec(text)?.[0] ?? null }).toEqual({ module, iso: null });
      }
      expect(texts.dashboard).toMatch(/\d+ pull requests merged; \d+ compliant/);
      expect(texts.settings).toContain('Service accounts');
      // Who approved the marketing site's exception, by name, with the account id a hover away.
      const approver = emulator.seed.users[0]!.displayName;
      expect(byText(dashboard.doc(), 'DynamicTable', 'Public marketing site by design')).toBeDefined();
      expect(textOf(byText(dashboard.doc(), 'DynamicTable', 'Public marketing site by design')!)).toContain(approver);
      const tooltips = findAll(dashboard.doc(), 'Tooltip').map((node) => String(node.props.content));
      expect(tooltips.some((content) => ACCOUNT_ID.test(content))).toBe(true);
      expect(texts.dashboard).toMatch(/Oldest result: (\d+ (minutes?|hours?) ago|just now)/);
      // The exact time, in the viewer's zone, for every relative one.
      expect(tooltips.some((content) => /CET|GMT\+1/.test(content))).toBe(true);
      // Controls by title in the pass-rate chart, not by id.
      const chart = findAll(dashboard.doc(), 'BarChart')[0]!;
      const labels = (chart.props.data as Array<{ control: string }>).map((entry) => entry.control);
      expect(labels).toContain('Main branch blocks direct pushes');
      expect(labels.some((label) => /^BB-/.test(label))).toBe(false);
    });

    it('the settings page names the exception approver and the offboarded people, with dates in the viewer’s locale', async () => {
      const settings = await renderModule(<Settings />, berlin('compliance-settings', admin));
      const text = textOf(settings.doc());
      expect(text).toContain('Frances Allen');
      expect(text).toMatch(/\d{1,2} [A-Z][a-z]{2} \d{4}/); // en-GB: "30 Jun 2027"
    });
  });
});
