/**
 * Workspace settings (`bitbucket:workspaceSettingsMenuPage`, `useAsConfig`): the effective policy.
 */
import React from 'react';
import { DynamicTable, Heading, Stack, Text } from '@forge/react';
import { Policy } from '../../policy/policy';
import { Loading, LoadError } from '../shared/states';
import { useResolver } from '../shared/use-resolver';

function parsePolicy(data: unknown) {
  const parsed = Policy.safeParse((data as { policy?: unknown } | null)?.policy);
  return parsed.success ? parsed.data : null;
}

function describe(value: unknown): string {
  if (value === null) return 'not set';
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function Settings() {
  const { load, reload } = useResolver('policy/get', {}, parsePolicy);
  if (load.state === 'loading') return <Loading what="the policy" />;
  if (load.state === 'error') return <LoadError message={load.message} onRetry={reload} />;
  return (
    <Stack space="space.200">
      <Heading size="medium">Compliance policy</Heading>
      <Text>These values decide each control's verdict. Defaults apply until an administrator changes them.</Text>
      <DynamicTable
        caption="Policy"
        head={{ cells: [{ key: 'field', content: 'Setting' }, { key: 'value', content: 'Value' }] }}
        rows={Object.entries(load.data).map(([field, value]) => ({ key: field, cells: [{ key: 'field', content: field }, { key: 'value', content: describe(value) }] }))}
      />
    </Stack>
  );
}
