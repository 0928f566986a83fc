/**
 * The ForgeDoc types the preview draws. A plain list (no @atlaskit import) so a Node test can check that
 * every UI Kit component the app imports is among them; forge-doc-view.tsx must have a renderer for each.
 */
export const RENDERED_TYPES = [
  'Root',
  'Stack',
  'Inline',
  'Text',
  'Heading',
  'Lozenge',
  'Button',
  'LinkButton',
  'Link',
  'Label',
  'ErrorMessage',
  'Textfield',
  'TextArea',
  'Select',
  'DatePicker',
  'RadioGroup',
  'SectionMessage',
  'Spinner',
  'Tabs',
  'TabList',
  'Tab',
  'TabPanel',
  'DynamicTable',
  'CodeBlock',
  'EmptyState',
  'BarChart',
  'LineChart',
  'Tooltip',
] as const;

export type RenderedType = (typeof RENDERED_TYPES)[number];

/** Nodes that only occur inside a rendered component and are drawn by it (DynamicTable's head and rows). */
export const STRUCTURAL_TYPES = ['String', 'ContentWrapper', 'Row', 'Cell'] as const;
