/** How outcomes look: a `not-evaluable` result must never be mistaken for a pass. */
export const OUTCOME_APPEARANCE = { pass: 'success', fail: 'removed', 'not-evaluable': 'moved', 'not-applicable': 'default' } as const;
export const OUTCOME_LABEL = {
  pass: 'pass',
  fail: 'fail',
  'not-evaluable': 'could not check',
  'not-applicable': 'not applicable',
} as const;
export type OutcomeName = keyof typeof OUTCOME_APPEARANCE;
