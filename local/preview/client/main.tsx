/**
 * The preview page: a module picker, and the chosen module running as it does in Bitbucket — its own
 * resource (src/frontend/<module>/index.tsx) rendering through @forge/react into the bridge, and the
 * host renderer drawing each ForgeDoc with Atlassian Design System components.
 */
import React, { useState, useSyncExternalStore } from 'react';
import { createRoot } from 'react-dom/client';
import { setGlobalTheme } from '@atlaskit/tokens';
import { describeIssues, ForgeDocNode, PreviewConfig, type PreviewModule } from '../protocol';
import { createDocStore, installBridge, type DocStore } from './bridge';
import { ForgeDocView } from './forge-doc-view';
import './shell.css';

const RESOURCES: Record<Exclude<PreviewModule, 'forgedoc'>, () => Promise<unknown>> = {
  dashboard: () => import('../../../src/frontend/dashboard/index'),
  settings: () => import('../../../src/frontend/settings/index'),
  'repository-card': () => import('../../../src/frontend/repository-card/index'),
  'pull-request-card': () => import('../../../src/frontend/pull-request-card/index'),
};

const MODULE_LABELS: Record<PreviewModule, string> = {
  dashboard: 'Dashboard (workspace settings page)',
  settings: 'Settings (workspace settings page)',
  'repository-card': 'Repository card (Source page sidebar)',
  'pull-request-card': 'Pull-request card (pull request sidebar)',
  forgedoc: 'A ForgeDoc from `attest render`',
};

function navigate(change: Record<string, string | null>): void {
  const params = new URLSearchParams(window.location.search);
  for (const [key, value] of Object.entries(change)) {
    if (value === null) params.delete(key);
    else params.set(key, value);
  }
  window.location.search = params.toString();
}

/** One of the picker's selects: changing it reloads the page for the new choice. */
function PickerSelect({
  id,
  label,
  value,
  options,
  onPick,
}: {
  id: string;
  label: string;
  value: string;
  options: Array<{ value: string; label: string }>;
  onPick: (value: string) => void;
}) {
  return (
    <label>
      {label}{' '}
      <select id={id} value={value} onChange={(event) => onPick(event.target.value)}>
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </label>
  );
}

function Picker({ config }: { config: PreviewConfig }) {
  const repository = config.repositories.find((repo) => repo.slug === config.repository);
  const card = config.module === 'repository-card' || config.module === 'pull-request-card';
  return (
    <header className="preview-picker">
      <strong>Attest preview</strong>
      <PickerSelect
        id="pick-module"
        label="Module"
        value={config.module}
        options={Object.entries(MODULE_LABELS).map(([value, label]) => ({ value, label }))}
        onPick={(value) => navigate({ module: value, pr: null })}
      />
      {card ? (
        <PickerSelect
          id="pick-repository"
          label="Repository"
          value={config.repository ?? ''}
          options={config.repositories.map((repo) => ({ value: repo.slug, label: repo.slug }))}
          onPick={(value) => navigate({ repository: value, pr: null })}
        />
      ) : null}
      {config.module === 'pull-request-card' ? (
        <PickerSelect
          id="pick-pull-request"
          label="Pull request"
          value={String(config.pullRequest ?? '')}
          options={(repository?.pullRequests ?? []).map((pr) => ({
            value: String(pr.id),
            label: `#${pr.id} ${pr.title} (${pr.state.toLowerCase()})`,
          }))}
          onPick={(value) => navigate({ pr: value })}
        />
      ) : null}
      <PickerSelect
        id="pick-person"
        label="Viewing as"
        value={config.as}
        options={config.people.map((person) => ({ value: person.accountId, label: person.name }))}
        onPick={(value) => navigate({ as: value })}
      />
      <span className="preview-workspace">workspace {config.workspace.slug}</span>
    </header>
  );
}

function ModuleView({ store }: { store: DocStore }) {
  const doc = useSyncExternalStore(store.subscribe, store.current);
  if (!doc) return <p className="preview-waiting">Starting the module…</p>;
  return <ForgeDocView node={doc} />;
}

/** Paste the JSON that `attest render MODULE` prints to see it drawn (its handlers are not in the JSON). */
function ForgeDocInput({ store }: { store: DocStore }) {
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const show = () => {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (failure) {
      return setError(`not JSON: ${failure instanceof Error ? failure.message : String(failure)}`);
    }
    const doc = ForgeDocNode.safeParse(json);
    if (!doc.success) return setError(`not a ForgeDoc: ${describeIssues(doc.error)}`);
    setError(null);
    store.set(doc.data);
  };
  return (
    <div className="preview-forgedoc-input">
      <textarea
        id="forgedoc-json"
        rows={8}
        value={text}
        onChange={(event) => setText(event.target.value)}
        placeholder="Paste the output of attest render …"
      />
      <button id="forgedoc-show" type="button" onClick={show}>
        Show
      </button>
      {error ? <p className="preview-error">{error}</p> : null}
    </div>
  );
}

function Shell({ config, store }: { config: PreviewConfig; store: DocStore }) {
  const card = config.placement.kind === 'sidebar-card';
  return (
    <>
      <Picker config={config} />
      <p className="preview-placement">
        {config.title}: {config.placement.where}
        {config.placement.width ? `, ${config.placement.width} px wide` : ''}.
      </p>
      {config.module === 'forgedoc' ? <ForgeDocInput store={store} /> : null}
      <div className={card ? 'preview-sidebar' : 'preview-page'}>
        <section
          id="module-frame"
          data-module={config.module}
          style={config.placement.width ? { width: config.placement.width } : undefined}
        >
          {card ? <div className="preview-card-title">Attest</div> : null}
          <ModuleView store={store} />
        </section>
      </div>
    </>
  );
}

function readConfig(): PreviewConfig {
  const element = document.getElementById('attest-preview-config');
  if (!element?.textContent) throw new Error('the page has no preview configuration');
  const config = PreviewConfig.safeParse(JSON.parse(element.textContent));
  if (!config.success) throw new Error(`the preview configuration is not valid: ${describeIssues(config.error)}`);
  return config.data;
}

async function start(): Promise<void> {
  const config = readConfig();
  await setGlobalTheme({ colorMode: 'light' });
  const store = createDocStore();
  installBridge(config, store, (busy) => document.body.setAttribute('data-busy', String(busy)));
  document.body.setAttribute('data-busy', 'false');
  const container = document.getElementById('root');
  if (!container) throw new Error('the page has no #root');
  createRoot(container).render(<Shell config={config} store={store} />);
  if (config.module !== 'forgedoc') await RESOURCES[config.module]();
}

start().catch((error: unknown) => {
  document.body.setAttribute('data-preview-error', error instanceof Error ? error.message : String(error));
  console.error(error);
});
