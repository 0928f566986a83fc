/**
 * Invariants of the catalogue: ids unique and well formed, every control matches controls.md's metadata
 * (title, severity, framework mapping), every need has a collector, every control has remediation steps,
 * and the manifest's scopes cover every endpoint the collectors call (checked by the Forge linter in
 * test/forge/lint.test.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { CATALOGUE } from '../../src/controls';
import { collectRepository, collectWorkspace } from '../../src/engine/collect';

const SPEC = path.resolve(__dirname, '..', '..', '..', 'shared', 'design', 'controls.md');

describe('the control catalogue', () => {
  it('has 21 controls with unique, well-formed ids', () => {
    const ids = CATALOGUE.map((control) => control.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(21);
    for (const id of ids) expect(id).toMatch(/^BB-(REPO|BP|CR|CI|PR|AC|MFA)-\d+$/);
  });

  it('gives every control a positive title, remediation steps, a documentation link and framework data', () => {
    for (const control of CATALOGUE) {
      expect(control.title).not.toMatch(/^(No|Not|Missing|Without)\b/);
      expect(control.remediation.steps.length).toBeGreaterThan(0);
      expect(control.docs).toMatch(/^https:\/\//);
      expect(control.frameworks.soc2.length).toBeGreaterThan(0);
    }
  });

  it('has a collector for every need', () => {
    const collectors = `${collectRepository.toString()}\n${collectWorkspace.toString()}`;
    for (const control of CATALOGUE) {
      for (const need of control.needs) {
        if (need === 'repository') continue; // from the workspace's repository list
        expect([control.id, need, collectors.includes(`'${need}'`) || collectors.includes(`snapshot.${need} =`)]).toEqual([
          control.id,
          need,
          true,
        ]);
      }
    }
  });

  const spec = fs.existsSync(SPEC) ? fs.readFileSync(SPEC, 'utf8') : null;
  (spec ? it : it.skip)('matches controls.md: titles, severities and the framework mapping', () => {
    const rows = new Map<string, string[]>();
    for (const line of spec!.split('\n')) {
      const cells = line.split('|').map((cell) => cell.trim());
      if (/^BB-[A-Z]+-\d+$/.test(cells[1] ?? '')) rows.set(`${cells[1]}:${cells.length}`, cells.slice(1, -1));
    }
    for (const control of CATALOGUE) {
      const definition = [...rows.entries()].find(
        ([key, cells]) =>
          key.startsWith(`${control.id}:`) && cells.length >= 5 && ['critical', 'high', 'medium', 'low'].includes(cells[2]!),
      );
      expect(definition?.[1].slice(1, 3)).toEqual([control.title, control.severity]);
      const mapping = [...rows.entries()].find(([key, cells]) => key.startsWith(`${control.id}:`) && cells.length === 4)?.[1];
      const list = (cell: string) => (cell === '—' ? [] : cell.split(',').map((part) => part.trim()));
      expect({ id: control.id, soc2: list(mapping![1]!), iso: list(mapping![2]!), cis: list(mapping![3]!) }).toEqual({
        id: control.id,
        soc2: [...control.frameworks.soc2],
        iso: [...control.frameworks.iso27001],
        cis: [...control.frameworks.cis],
      });
    }
  });
});
