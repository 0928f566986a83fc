/** The dashboard's Changes tab: what changed outcome in the last 30 days, and why. */
import React from 'react';
import { DynamicTable, Text } from '@forge/react';

import type { DashboardViewModel } from './view-model';
import { nameOf, timeElement, useClock } from '../shared/people-and-times';

/** What caused a change, in words: Bitbucket's event names (`avi:bitbucket:push:repository`) are not. */
export function causeOf(cause: string): string {
  const known: Record<string, string> = {
    'install-scan': 'the scan after install',
    'scheduled-scan': 'the hourly check',
    'policy-change': 'a policy change',
    'avi:bitbucket:push:repository': 'a push to the main branch',
    'avi:bitbucket:updated:repository': 'a repository settings change',
    'avi:bitbucket:created:repository': 'a new repository',
    'avi:bitbucket:deleted:repository': 'a repository deleted',
  };
  return known[cause] ?? cause.replace(/^avi:bitbucket:/, '').replace(/:/g, ' ');
}

export function Changes({ view }: { view: DashboardViewModel }) {
  const clock = useClock();
  if (view.history.length === 0) return <Text>No outcome changed in the last 30 days.</Text>;
  return (
    <DynamicTable
      label="Recent changes"
      head={{
        cells: [
          { key: 'at', content: 'When' },
          { key: 'what', content: 'Where' },
          { key: 'control', content: 'Control' },
          { key: 'change', content: 'Change' },
          { key: 'cause', content: 'Cause' },
        ],
      }}
      rows={view.history.map((entry, i) => ({
        key: `h-${i}`,
        cells: [
          { key: 'at', content: timeElement(entry.at, clock) },
          { key: 'what', content: entry.subjectName },
          { key: 'control', content: view.controls[entry.control]?.title ?? entry.control },
          { key: 'change', content: `${entry.from ?? '—'} → ${entry.to ?? '—'}` },
          { key: 'cause', content: `${causeOf(entry.cause)}${entry.actor ? ` (by ${nameOf(entry.actor, view.people)})` : ''}` },
        ],
      }))}
      rowsPerPage={25}
    />
  );
}
