/**
 * Rendering UI Kit modules outside Bitbucket: the real @forge/react reconciler with a bridge of our own
 * (docs/offline-toolchain.md §7). The reconciler calls `self.__bridge.callBridge('reconcile', {forgeDoc})` after
 * every commit; `invoke` goes to the local runtime's resolvers; `getContext` answers useProductContext.
 */
import { act, type ReactElement } from 'react';

export interface ForgeDoc {
  type: string;
  props: Record<string, unknown>;
  children: ForgeDoc[];
  key?: string | null;
}

type BridgeHandler = (command: string, payload: Record<string, unknown>) => Promise<unknown>;

interface BridgeGlobals {
  self?: unknown;
  IS_REACT_ACT_ENVIRONMENT?: boolean;
  __bridge?: { callBridge: (command: string, payload: Record<string, unknown>) => Promise<unknown> };
  __attest_bridge__?: BridgeHandler;
}

/** Installs the bridge @forge/bridge captures at import; it delegates to whichever render is current. */
export function installFakeBridge(): void {
  const g = globalThis as unknown as BridgeGlobals;
  if (g.__bridge) return;
  g.self = globalThis;
  g.IS_REACT_ACT_ENVIRONMENT = true;
  g.__bridge = {
    callBridge: (command, payload) => {
      const handler = g.__attest_bridge__;
      return handler ? handler(command, payload) : Promise.reject(new Error(`no UI render is active for ${command}`));
    },
  };
}

export interface RenderOptions {
  invoke: (functionKey: string, payload: unknown) => Promise<unknown>;
  context: Record<string, unknown>;
  /** `router.open`/`router.navigate` (@forge/bridge sends `navigate {url, type}`): what the module opened. */
  navigate?: (url: string, type: string) => void;
}

export interface Rendered {
  /** The latest committed tree (a copy: the reconciler mutates its root in place). */
  doc(): ForgeDoc;
  /** Runs an interaction (a click, a change) and waits until the resulting calls have settled. */
  interact(fn: () => unknown): Promise<void>;
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** A copy of the tree that keeps handler functions (the reconciler mutates its root in place). */
function copy(node: ForgeDoc): ForgeDoc {
  return { type: node.type, key: node.key ?? null, props: { ...node.props }, children: (node.children ?? []).map(copy) };
}

export async function renderModule(element: ReactElement, options: RenderOptions): Promise<Rendered> {
  installFakeBridge();
  // Loaded here, after the bridge exists: @forge/bridge captures it when first imported.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ForgeReconciler = (require('@forge/react') as { default: { render(element: ReactElement): void } }).default;
  const g = globalThis as unknown as BridgeGlobals;
  let root: object | null = null;
  let latest: ForgeDoc | null = null;
  g.__attest_bridge__ = async (command, payload) => {
    switch (command) {
      case 'reconcile': {
        const forgeDoc = payload.forgeDoc as ForgeDoc;
        // Each render makes a new root; the first one reconciled after this call is ours.
        if (root === null) root = forgeDoc;
        if (forgeDoc === root) latest = copy(forgeDoc);
        return undefined;
      }
      case 'invoke':
        return options.invoke(String(payload.functionKey), payload.payload);
      case 'getContext':
        return options.context;
      case 'navigate':
        options.navigate?.(String(payload.url), String(payload.type));
        return undefined;
      default:
        return undefined;
    }
  };
  await act(async () => {
    ForgeReconciler.render(element);
    await settle();
  });
  await act(settle);
  return {
    doc: () => {
      if (!latest) throw new Error('nothing was rendered');
      return latest;
    },
    interact: async (fn) => {
      await act(async () => {
        await fn();
        await settle();
      });
      await act(settle);
    },
  };
}

/** Every node of `type` in the tree, depth first. */
export function findAll(node: ForgeDoc | null | undefined, type: string): ForgeDoc[] {
  if (!node) return [];
  const own = node.type === type ? [node] : [];
  return [...own, ...(node.children ?? []).flatMap((child) => findAll(child, type))];
}

/** All the text in a tree, in order: strings of one element run together, elements are spaced apart. */
export function textOf(node: ForgeDoc | null | undefined): string {
  const raw = (function walk(current: ForgeDoc | null | undefined): string {
    if (!current) return '';
    if (current.type === 'String') return String(current.props.text ?? '');
    return ` ${(current.children ?? []).map(walk).join('')} `;
  })(node);
  return raw.replace(/\s+/g, ' ').trim();
}

/** An indented outline of a tree, for `attest render --outline` and for reading failures. */
export function outline(node: ForgeDoc, depth = 0): string {
  const pad = '  '.repeat(depth);
  if (node.type === 'String') return `${pad}"${String(node.props.text ?? '')}"`;
  const props = Object.entries(node.props ?? {})
    .filter(([key, value]) => key !== 'children' && (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'))
    .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
    .join(' ');
  return [`${pad}${node.type}${props ? ` ${props}` : ''}`, ...(node.children ?? []).map((child) => outline(child, depth + 1))].join('\n');
}
