/** `npm run bench -- --quick` runs and writes well-formed results (benchmarks themselves never fail CI). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { z } from 'zod';

const ROOT = path.resolve(__dirname, '..', '..');

const Results = z.object({
  generatedAt: z.iso.datetime(),
  commit: z.string(),
  machine: z.string(),
  quick: z.literal(true),
  figures: z
    .array(
      z.object({ figure: z.string().min(1), value: z.string().min(1), target: z.string().min(1), data: z.record(z.string(), z.unknown()) }),
    )
    .min(10),
});

it('writes results JSON and a Markdown table', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'attest-bench-'));
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(
      process.execPath,
      [path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(ROOT, 'bench', 'run.ts'), '--quick', '--out', out],
      { cwd: ROOT, stdio: 'ignore' },
    );
    child.on('close', resolve);
  });
  expect(code).toBe(0);
  const results = Results.parse(JSON.parse(fs.readFileSync(path.join(out, 'results-quick.json'), 'utf8')));
  expect(results.figures.map((figure) => figure.figure)).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^Merge check/),
      expect.stringMatching(/^Engine/),
      expect.stringMatching(/^Dashboard resolver/),
    ]),
  );
  const markdown = fs.readFileSync(path.join(out, 'RESULTS-quick.md'), 'utf8');
  expect(markdown).toContain('| figure | measured | target |');
  expect(
    markdown.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| figure') && !line.startsWith('| ---')),
  ).toHaveLength(results.figures.length);
}, 300_000);
