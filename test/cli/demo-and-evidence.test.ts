/**
 * `attest demo` (what `npm start` runs) and `attest evidence`, as a person runs them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runAttest } from '../builders/cli';
import readline from 'node:readline';

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'attest.js');

const run = runAttest;

describe('attest demo', () => {
  it('runs the scripted day and writes attest-report/ with results JSON, evidence CSV and an HTML report', async () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'attest-demo-'));
    const result = await run(['demo'], {}, cwd);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /merge check \(on-merge\) payments-api #\d+: BLOCKED — Needs 1 more approval from someone other than the author\./,
    );
    expect(result.stdout).toMatch(/merge check \(on-merge\) payments-api #\d+: PASS/);
    expect(result.stdout).toMatch(/change \d\d:\d\d ledger BB-BP-1: pass → fail \(scheduled-scan\)/);
    expect(result.stdout).toMatch(/prototype-ar repository: — → — \(repository deleted\)/);
    const dir = path.join(cwd, 'attest-report');
    expect(fs.readdirSync(dir).sort()).toEqual(['evidence.csv', 'report.html', 'results.json']);
    const results = JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8')) as {
      schemaVersion: number;
      repositories: Array<{ slug: string }>;
    };
    expect(results.schemaVersion).toBe(1);
    expect(results.repositories.map((repo) => repo.slug)).not.toContain('prototype-ar');
    const csv = fs.readFileSync(path.join(dir, 'evidence.csv'), 'utf8').split('\r\n');
    expect(csv[0]).toBe(
      'repository,pull_request,title,author,approvers,build_state,merge_commit,merged_at,compliant,reason,destination,merged_by,merged_at_source,url',
    );
    expect(
      csv.some((line) => line.startsWith('payments-api,') && line.includes('PAY-812: Retry card captures') && line.includes(',yes,,main,')),
    ).toBe(true);
    const html = fs.readFileSync(path.join(dir, 'report.html'), 'utf8');
    expect(html).toContain('<h1>Attest compliance report: acme</h1>');
    expect(html).not.toMatch(/<script/i);
    // An executive summary first, then the repositories worst first (linked into Bitbucket), then each fix once.
    const order = ['<h2>Summary</h2>', '<h2>Repositories, worst first</h2>', '<h2>How to fix what fails</h2>'].map((h) => html.indexOf(h));
    expect(order.every((at, i) => at > 0 && (i === 0 || at > order[i - 1]!))).toBe(true);
    expect(html).toMatch(/Controls that fail most<\/h3><ol><li>/);
    const scores = [
      ...html.matchAll(
        /<tr><td><a href="https:\/\/bitbucket\.org\/acme\/[\w-]+">[\w-]+<\/a><\/td><td>[^<]*<\/td><td>[^<]*<\/td><td>(\d+|—)<\/td>/g,
      ),
    ].map((m) => m[1]);
    expect(scores.length).toBeGreaterThan(30);
    const numeric = scores.filter((score) => score !== '—').map(Number);
    expect(numeric).toEqual([...numeric].sort((a, b) => a - b));
    // Each failing control's fix appears once, with its steps.
    const fixes = [...html.matchAll(/<section><h3>([^<]+) <small>\((BB-[A-Z0-9-]+),/g)].map((m) => m[2]);
    expect(new Set(fixes).size).toBe(fixes.length);
    expect(fixes.length).toBeGreaterThan(3);
    expect(html).toContain('@media print');
    expect(html).not.toMatch(/Generated \d{4}-\d{2}-\d{2}T/);
  }, 120_000);
});

describe('attest evidence', () => {
  let emulator: ChildProcess;
  let base = '';
  beforeAll(async () => {
    emulator = spawn(process.execPath, [BIN, 'emulator', '--port', '0', '--seed', 'demo'], { stdio: ['ignore', 'pipe', 'inherit'] });
    for await (const line of readline.createInterface({ input: emulator.stdout! })) {
      base = line.replace('Bitbucket emulator listening on ', '');
      break;
    }
  });
  afterAll(() => emulator.kill('SIGTERM'));

  it.each([
    ['an impossible date', '2026-02-30'],
    ['a date that is not ISO 8601', '07/01/2026'],
    ['a date-time', '2026-07-01T00:00:00Z'],
  ])('refuses %s for --since, naming it', async (_name, since) => {
    const result = await runAttest(['evidence', '--workspace', 'acme', '--base-url', base, '--since', since, '--until', '2026-10-01'], {
      BITBUCKET_TOKEN: 't',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`--since is not an ISO date (YYYY-MM-DD) that exists: ${JSON.stringify(since)}`);
  });

  it('backfills a workspace it never installed, then prints the period as CSV or JSON', async () => {
    const state = fs.mkdtempSync(path.join(os.tmpdir(), 'attest-evidence-'));
    const args = [
      'evidence',
      '--workspace',
      'acme',
      '--base-url',
      base,
      '--state-dir',
      state,
      '--since',
      '2026-09-01',
      '--until',
      '2026-11-23',
    ];
    const csv = await run(args, { BITBUCKET_TOKEN: 'evidence' });
    expect(csv.code).toBe(0);
    const rows = csv.stdout.trimEnd().split('\r\n');
    expect(rows[0]).toBe(
      'repository,pull_request,title,author,approvers,build_state,merge_commit,merged_at,compliant,reason,destination,merged_by,merged_at_source,url',
    );
    expect(rows.length).toBeGreaterThan(50);
    const json = await run([...args, '--format', 'json'], { BITBUCKET_TOKEN: 'evidence-2' });
    const body = JSON.parse(json.stdout) as { merged: number; compliant: number; records: Array<{ mergedAt: string }> };
    expect(body.merged).toBe(rows.length - 1);
    expect(body.records.every((record) => record.mergedAt >= '2026-09-01' && record.mergedAt < '2026-11-23')).toBe(true);
  }, 120_000);

  it('refuses a period that ends before it starts', async () => {
    const result = await run(['evidence', '--workspace', 'acme', '--since', '2026-11-01', '--until', '2026-10-01'], {
      BITBUCKET_TOKEN: 'x',
    });
    expect(result).toMatchObject({
      code: 2,
      stderr: 'attest: --until must be after --since (--until is exclusive: the period ends at the start of that day, UTC)\n',
    });
  });
});
