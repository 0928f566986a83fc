import { globMatches } from './glob';
import { isUuid, unwrapUuid, wrapUuid } from './uuid';

describe('UUIDs', () => {
  it.each([
    ['{0F3C1A2B-1111-4222-8333-444455556666}', '0f3c1a2b-1111-4222-8333-444455556666'],
    ['0f3c1a2b-1111-4222-8333-444455556666', '0f3c1a2b-1111-4222-8333-444455556666'],
  ])('unwraps %s', (input, expected) => {
    expect(unwrapUuid(input)).toBe(expected);
    expect(wrapUuid(input)).toBe(`{${expected}}`);
  });
  it.each(['', '{}', 'acme', '{0f3c1a2b-1111}', '../x'])('rejects %j', (input) => {
    expect(isUuid(input)).toBe(false);
    expect(() => unwrapUuid(input)).toThrow('not a UUID');
  });
});

describe('branch globs', () => {
  it.each([
    ['main', 'main', true],
    ['*', 'main', true],
    ['ma*', 'main', true],
    ['release/*', 'main', false],
    ['release/*', 'release/1.0/hotfix', true],
    ['main', 'main2', false],
    ['m.in', 'main', false],
  ])('%s matches %s: %s', (pattern, branch, expected) => {
    expect(globMatches(pattern, branch)).toBe(expected);
  });
});
