/** The dashboard's Frameworks tab: each SOC 2, ISO 27001 and CIS item, met, with gaps, or not fully checked. */
import React from 'react';
import { DynamicTable, Lozenge, Stack } from '@forge/react';

import type { Summary } from './overview';
import { FRAMEWORK_NAMES } from './view-model';

export function Frameworks({ summary, controls }: { summary: Summary; controls: Record<string, { title: string }> }) {
  const items = summary.frameworks;
  const status = { met: 'success', gaps: 'removed', unknown: 'moved' } as const;
  const label = { met: 'met', gaps: 'gaps', unknown: 'not fully checked' } as const;
  return (
    <Stack space="space.200">
      {(['soc2', 'iso27001', 'cis'] as const).map((framework) => (
        <Stack key={framework} space="space.100">
          {/* The caption is the table's title, shown and read out: no heading repeats it. */}
          <DynamicTable
            caption={FRAMEWORK_NAMES[framework]}
            head={{
              cells: [
                { key: 'id', content: 'Item' },
                { key: 'status', content: 'Status' },
                { key: 'controls', content: 'Controls' },
                { key: 'counts', content: 'Pass / fail / could not check' },
              ],
            }}
            rows={items
              .filter((item) => item.framework === framework)
              .map((item) => ({
                key: `${framework}-${item.id}`,
                cells: [
                  { key: 'id', content: item.id },
                  { key: 'status', content: <Lozenge appearance={status[item.status]}>{label[item.status]}</Lozenge> },
                  { key: 'controls', content: item.controls.map((id) => controls[id]?.title ?? id).join('; ') },
                  { key: 'counts', content: `${item.outcomes.pass} / ${item.outcomes.fail} / ${item.outcomes['not-evaluable']}` },
                ],
              }))}
          />
        </Stack>
      ))}
    </Stack>
  );
}
