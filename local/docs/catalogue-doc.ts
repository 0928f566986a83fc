/**
 * The catalogue section of docs/controls.md, generated from the controls' own metadata (id, title,
 * severity, reads, framework ids, documentation link) so the document cannot drift from the code:
 * `npm run docs` rewrites it, and test/docs/docs.test.ts fails when it is out of date.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CATALOGUE } from '../../src/controls';
import { PULL_REQUEST_CHECK_TITLES } from '../../src/checks/pull-request-checks';

export const CONTROLS_DOC = path.resolve(__dirname, '..', '..', 'docs', 'controls.md');
const BEGIN = '<!-- generated: catalogue (npm run docs) -->';
const END = '<!-- end of generated catalogue -->';

const cell = (text: string) => text.replace(/\|/g, '\\|');

export function catalogueMarkdown(): string {
  const rows = CATALOGUE.map((control) =>
    [
      control.id,
      cell(control.title),
      control.severity,
      control.scope,
      control.needs.length > 0 ? control.needs.map((need) => `\`${need}\``).join(', ') : 'the policy only',
      control.frameworks.soc2.join(', ') || '—',
      control.frameworks.iso27001.join(', ') || '—',
      control.frameworks.cis.join(', ') || '—',
    ].join(' | '),
  );
  const checks = Object.entries(PULL_REQUEST_CHECK_TITLES).map(([id, title]) => `| ${id} | ${cell(title)} |`);
  return [
    BEGIN,
    '',
    '| id | title | severity | scope | reads | SOC 2 | ISO/IEC 27001:2022 | CIS SSC |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((row) => `| ${row} |`),
    '',
    '| pull-request check | title |',
    '| --- | --- |',
    ...checks,
    '',
    END,
  ].join('\n');
}

/** The document with its generated section replaced by the current catalogue, formatted as Prettier would. */
export async function withCurrentCatalogue(document: string): Promise<string> {
  const start = document.indexOf(BEGIN);
  const end = document.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${CONTROLS_DOC}: the generated catalogue markers are missing`);
  const next = `${document.slice(0, start)}${catalogueMarkdown()}${document.slice(end + END.length)}`;
  // Imported here: Prettier 3 loads its plugins with dynamic imports, which Jest's CommonJS runtime refuses.
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(CONTROLS_DOC)) ?? {};
  return prettier.format(next, { ...options, filepath: CONTROLS_DOC });
}

/** Markdown tables compared by their cells, whatever the column padding Prettier chose. */
export function tableCells(markdown: string): string[] {
  return markdown
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((line) =>
      line
        .split('|')
        .map((cell) => cell.trim().replace(/^-{3,}$/, '---'))
        .join('|'),
    );
}

/** The generated section of the document, as it stands. */
export function generatedSection(document: string): string {
  const start = document.indexOf(BEGIN);
  const end = document.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${CONTROLS_DOC}: the generated catalogue markers are missing`);
  return document.slice(start, end + END.length);
}

if (require.main === module) {
  void withCurrentCatalogue(fs.readFileSync(CONTROLS_DOC, 'utf8')).then((document) => {
    fs.writeFileSync(CONTROLS_DOC, document);
    process.stdout.write(`${CONTROLS_DOC} updated\n`);
  });
}
