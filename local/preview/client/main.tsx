/**
 * The preview page: a module picker, and the chosen module running as it does in Bitbucket — its own
 * resource (src/frontend/<module>/index.tsx) rendering through @forge/react into the bridge, and the
 * host renderer drawing each ForgeDoc with Atlassian Design System components.
 */
import React, { useState, useSyncExternalStore } from 'react';
import { createRoot } from 'react-dom/client';
import { setGlobalTheme } from '@atlaskit/tokens';
import type { ForgeDoc } from '../../ui/forge-doc';
import type { PreviewConfig, PreviewModule } from '../protocol';
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

function Picker({ config }: { config: PreviewConfig }) {
  const repository = config.repositories.find((repo) => repo.slug === config.repository);
  return (
    <header className="preview-picker">
      <strong>Attest preview</strong>
      <label>
        Module{' '}
        <select id="pick-module" value={config.module} onChange={(event) => navigate({ module: event.target.value, pr: null })}>
          {Object.entries(MODULE_LABELS).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </label>
      {config.module === 'repository-card' || config.module === 'pull-request-card' ? (
        <label>
          Repository{' '}
          <select id="pick-repository" value={config.repository ?? ''} onChange={(event) => navigate({ repository: event.target.value, pr: null })}>
            {config.repositories.map((repo) => (
              <option key={repo.slug} value={repo.slug}>
                {repo.slug}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      {config.module === 'pull-request-card' ? (
        <label>
          Pull request{' '}
          <select id="pick-pull-request" value={String(config.pullRequest ?? '')} onChange={(event) => navigate({ pr: event.target.value })}>
            {(repository?.pullRequests ?? []).map((pr) => (
              <option key={pr.id} value={pr.id}>
                #{pr.id} {pr.title} ({pr.state.toLowerCase()})
              </option>
            ))}
          </select>
        </label>
      ) : null}
      <label>
        Viewing as{' '}
        <select id="pick-person" value={config.as} onChange={(event) => navigate({ as: event.target.value })}>
          {config.people.map((person) => (
            <option key={person.accountId} value={person.accountId}>
              {person.name}
            </option>
          ))}
        </select>
      </label>
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
    try {
      const doc = JSON.parse(text) as ForgeDoc;
      if (typeof doc !== 'object' || doc === null || typeof doc.type !== 'string') throw new Error('a ForgeDoc is an object with a "type"');
      setError(null);
      store.set(doc);
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  };
  return (
    <div className="preview-forgedoc-input">
      <textarea id="forgedoc-json" rows={8} value={text} onChange={(event) => setText(event.target.value)} placeholder="Paste the output of attest render …" />
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
        <section id="module-frame" data-module={config.module} style={config.placement.width ? { width: config.placement.width } : undefined}>
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
  return JSON.parse(element.textContent) as PreviewConfig;
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
