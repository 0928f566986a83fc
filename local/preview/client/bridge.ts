/**
 * The preview's `self.__bridge`: what Bitbucket's host page answers for a UI Kit module. `reconcile`
 * carries each committed ForgeDoc to the host renderer, `invoke` goes to the preview server (the local
 * runtime's resolvers), `getContext` answers useProductContext. @forge/bridge captures this object when
 * it is first imported (docs/offline-toolchain.md §7), so it is installed before any module code loads.
 */
import type { ForgeDoc } from '../../ui/forge-doc';
import { InvokeResponse, type PreviewConfig } from '../protocol';

type Listener = () => void;

export interface DocStore {
  current(): ForgeDoc | null;
  subscribe(listener: Listener): () => void;
  set(doc: ForgeDoc): void;
}

export function createDocStore(): DocStore {
  let doc: ForgeDoc | null = null;
  const listeners = new Set<Listener>();
  return {
    current: () => doc,
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    set: (next) => {
      doc = next;
      listeners.forEach((listener) => listener());
    },
  };
}

function isForgeDoc(value: unknown): value is ForgeDoc {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { type?: unknown }).type === 'string' &&
    Array.isArray((value as { children?: unknown }).children)
  );
}

/** A copy that keeps the handler functions: the reconciler mutates its root in place between commits. */
function copy(node: ForgeDoc): ForgeDoc {
  return { type: node.type, key: node.key ?? null, props: { ...node.props }, children: (node.children ?? []).map(copy) };
}

export function installBridge(config: PreviewConfig, store: DocStore, onInvoke: (busy: boolean) => void): void {
  let root: ForgeDoc | null = null;
  let pending = 0;
  const callBridge = async (command: string, payload: Record<string, unknown>): Promise<unknown> => {
    switch (command) {
      case 'reconcile': {
        // The reconciler's own root object, mutated in place between commits: checked at the root (a deep
        // parse would copy it, and the identity is how this render's root is told from others).
        const forgeDoc = payload.forgeDoc;
        if (!isForgeDoc(forgeDoc)) throw new Error('reconcile carried no ForgeDoc');
        if (root === null) root = forgeDoc;
        if (forgeDoc === root) store.set(copy(forgeDoc));
        return undefined;
      }
      case 'getContext':
        return config.context;
      case 'invoke': {
        pending += 1;
        onInvoke(true);
        try {
          const response = await fetch('/api/invoke', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              module: config.module,
              functionKey: payload.functionKey,
              payload: payload.payload ?? null,
              repository: config.repository,
              pullRequest: config.pullRequest,
              as: config.as,
            }),
          });
          const body = InvokeResponse.safeParse(await response.json().catch(() => null));
          if (!body.success) throw new Error(`the preview server answered in an unexpected shape (HTTP ${response.status})`);
          if (!body.data.ok) throw new Error(body.data.message);
          return body.data.result;
        } finally {
          pending -= 1;
          onInvoke(pending > 0);
        }
      }
      case 'navigate': {
        // `router.open(url)` (node_modules/@forge/bridge/out/router/router.js): a new tab for an evidence download.
        const url = typeof payload.url === 'string' ? payload.url : null;
        if (!url) throw new Error('navigate carried no url');
        window.open(url, payload.type === 'same-tab' ? '_self' : '_blank', 'noopener');
        return undefined;
      }
      default:
        // Bitbucket answers more commands (modals, product fetches); the app uses none of them.
        console.warn(`attest preview: the bridge does not answer ${command}`);
        return undefined;
    }
  };
  (globalThis as unknown as { self: unknown }).self = globalThis;
  (globalThis as unknown as { __bridge: unknown }).__bridge = { callBridge };
}
