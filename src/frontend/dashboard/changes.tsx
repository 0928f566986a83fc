/** The dashboard's Changes tab: what changed outcome in the last 30 days, and why. */
import React from 'react';
import { DynamicTable, Text } from '@forge/react';

import type { DashboardViewModel } from './view-model';

export function Changes({ view }: { view: DashboardViewModel }) {
  if (view.history.length === 0) return <Text>No outcome changed in the last 30 days.</Text>;
  return (
    <DynamicTable
      caption="Recent changes (30 days)"
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
          { key: 'at', content: entry.at },
          { key: 'what', content: entry.subjectName },
          { key: 'control', content: view.controls[entry.control]?.title ?? entry.control },
          { key: 'change', content: `${entry.from ?? '—'} → ${entry.to ?? '—'}` },
          { key: 'cause', content: `${entry.cause}${entry.actor ? ` (by ${entry.actor})` : ''}` },
        ],
      }))}
      rowsPerPage={25}
    />
  );
}
