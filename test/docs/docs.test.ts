/**
 * The knowledge the code relies on lives in docs/ of this repository: the catalogue section of
 * docs/controls.md is current with the controls' metadata, and no comment cites a design note outside the
 * repository.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CONTROLS_DOC, catalogueMarkdown, generatedSection, tableCells } from '../../local/docs/catalogue-doc';

const ROOT = path.resolve(__dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'fixtures' ? [] : sourceFiles(full);
    return /\.(ts|tsx|cjs|js)$/.test(entry.name) ? [full] : [];
  });
}

describe('docs/', () => {
  it('docs/controls.md has the catalogue as the code defines it (run `npm run docs` after changing a control)', () => {
    const document = fs.readFileSync(CONTROLS_DOC, 'utf8');
    expect(tableCells(generatedSection(document))).toEqual(tableCells(catalogueMarkdown()));
  });

  it('no comment cites a design note outside the repository', () => {
    const outside =
      /(?<!docs\/)\b(platform-facts|controls|interfaces|house-style|offline-toolchain)(\.md| §)|\.\.\/shared\/design|(?<![\w/.])[FS]\/[a-z][a-z-]+\//;
    const offenders = ['src', 'local', 'test', 'bench']
      .flatMap((dir) => sourceFiles(path.join(ROOT, dir)))
      .flatMap((file) =>
        fs
          .readFileSync(file, 'utf8')
          .split('\n')
          .map((line, i) => ({ where: `${path.relative(ROOT, file)}:${i + 1}`, line }))
          // Comments only: a comment line, or what follows `//` on a line of code.
          .map(({ where, line }) => ({ where, line: /^\s*(\*|\/\*|\/\/)/.test(line) ? line : (line.split(' // ')[1] ?? '') }))
          .filter(({ line }) => outside.test(line)),
      )
      .map(({ where, line }) => `${where}: ${line.trim()}`);
    expect(offenders).toEqual([]);
  });

  it.each(['platform-facts.md', 'controls.md', 'interfaces.md', 'offline-toolchain.md'])('docs/%s exists', (name) => {
    expect(fs.existsSync(path.join(ROOT, 'docs', name))).toBe(true);
  });
});

describe('docs/examples/', () => {
  it('policy.json is a policy `attest scan --config` accepts, with classification rules from projects', async () => {
    const { loadPolicy } = await import('../../local/cli/scan-command');
    const policy = loadPolicy(path.join(ROOT, 'docs', 'examples', 'policy.json'));
    expect(policy.classification.rules.length).toBeGreaterThan(0);
    expect(policy.exceptions[0]).toMatchObject({ control: 'BB-CI-1' });
  });
});
