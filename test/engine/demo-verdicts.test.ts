/**
 * `attest scan` against `attest emulator --seed demo`, as a person runs them (two real processes), checked
 * against what the seed was built to show, and against the JSON contract of docs/interfaces.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runAttest } from '../builders/cli';
import readline from 'node:readline';
import { z } from 'zod';
import { REPOSITORY_CONTROLS, WORKSPACE_CONTROLS } from '../../src/controls';
import { INTENDED, INTENDED_WORKSPACE } from '../../local/emulator/demo-expectations';
import { Seed } from '../../local/emulator/model';
import { PROFILE_PREFIX, demoPolicy, demoSeed, type Profile } from '../../local/emulator/seeds';
import { newestStatusPerKey } from '../../src/checks/pull-request-checks';

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'attest.js');

const Outcome = z.enum(['pass', 'fail', 'not-evaluable', 'not-applicable']);
const Result = z.strictObject({
  control: z.string().regex(/^BB-[A-Z0-9]+-\d+$/),
  outcome: Outcome,
  message: z.string().min(1),
  evidence: z.record(z.string(), z.unknown()),
  remediation: z.array(z.string()).optional(),
  enforced: z.boolean().optional(),
  exception: z.object({ reason: z.string(), approvedBy: z.string(), expiresOn: z.string(), expired: z.boolean() }).optional(),
  // Added within schemaVersion 1: what the result is about and when it was computed.
  title: z.string().min(1),
  severity: z.enum(['critical', 'high', 'medium', 'low']),
  frameworks: z.object({ soc2: z.array(z.string()), iso27001: z.array(z.string()), cis: z.array(z.string()) }).partial(),
  evaluatedAt: z.iso.datetime().nullable(),
});
/** The JSON contract of docs/interfaces.md, schemaVersion 1. */
const ScanJson = z.object({
  schemaVersion: z.literal(1),
  tool: z.object({ name: z.literal('attest'), version: z.string() }),
  generatedAt: z.iso.datetime(),
  workspace: z.object({ slug: z.string(), uuid: z.string().regex(/^\{[0-9a-f-]{36}\}$/) }),
  policy: z.record(z.string(), z.unknown()),
  summary: z.object({
    score: z.number().int().min(0).max(100).nullable(),
    repositories: z.number().int(),
    outcomes: z.object({ pass: z.number(), fail: z.number(), 'not-evaluable': z.number(), 'not-applicable': z.number() }),
  }),
  workspaceResults: z.array(Result),
  workspaceEvaluatedAt: z.iso.datetime().nullable(),
  repositories: z.array(
    z.object({
      slug: z.string(),
      uuid: z.string(),
      project: z.string().nullable(),
      mainBranch: z.string().nullable(),
      classification: z.enum(['production', 'non-production', 'unclassified']),
      score: z.number().nullable(),
      evaluatedAt: z.iso.datetime().nullable(),
      results: z.array(Result),
    }),
  ),
});

const run = runAttest;

describe('attest scan of the demo seed', () => {
  let emulator: ChildProcess;
  let base = '';
  let report: z.infer<typeof ScanJson>;
  const seed = Seed.parse(demoSeed());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attest-scan-'));
  const config = path.join(dir, 'policy.json');

  beforeAll(async () => {
    fs.writeFileSync(config, JSON.stringify(demoPolicy(seed)));
    emulator = spawn(process.execPath, [BIN, 'emulator', '--port', '0', '--seed', 'demo'], { stdio: ['ignore', 'pipe', 'inherit'] });
    for await (const line of readline.createInterface({ input: emulator.stdout! })) {
      base = line.replace('Bitbucket emulator listening on ', '');
      break;
    }
    const out = path.join(dir, 'scan.json');
    const result = await run(
      [
        'scan',
        '--workspace',
        'acme',
        '--base-url',
        base,
        '--config',
        config,
        '--format',
        'json',
        '--out',
        out,
        '--state-dir',
        path.join(dir, 'state'),
      ],
      { BITBUCKET_TOKEN: 'demo' },
    );
    expect(result).toMatchObject({ code: 0, stdout: '' });
    report = ScanJson.parse(JSON.parse(fs.readFileSync(out, 'utf8')));
  });
  afterAll(() => emulator.kill('SIGTERM'));

  it('is contract-valid JSON with every enabled control once per subject', () => {
    expect(report.workspace).toEqual({ slug: 'acme', uuid: seed.workspaces[0]!.uuid });
    expect(report.summary.repositories).toBe(44);
    const ids = REPOSITORY_CONTROLS.map((c) => c.id).sort();
    for (const repo of report.repositories) expect(repo.results.map((r) => r.control)).toEqual(ids);
    expect(report.workspaceResults.map((r) => r.control)).toEqual(WORKSPACE_CONTROLS.map((c) => c.id).sort());
  });

  it('classifies by the policy: explicit entries, then project rules; DATA is unclassified', () => {
    const byProject = new Map(report.repositories.map((repo) => [repo.slug, repo]));
    expect(byProject.get('sandbox')!.classification).toBe('non-production');
    for (const repo of report.repositories) {
      if (repo.slug === 'sandbox') continue;
      const expected = repo.project === 'LAB' ? 'non-production' : repo.project === 'DATA' ? 'unclassified' : 'production';
      expect([repo.slug, repo.classification]).toEqual([repo.slug, expected]);
    }
  });

  it('reaches the verdicts each repository profile was built to show', () => {
    const ws = seed.workspaces[0]!;
    let checked = 0;
    for (const repo of report.repositories) {
      const seeded = ws.repositories.find((candidate) => candidate.slug === repo.slug)!;
      const profile = seeded.description.replace(PROFILE_PREFIX, '') as Profile;
      const outcomes = Object.fromEntries(repo.results.map((r) => [r.control, r.outcome]));
      if (repo.classification === 'non-production') {
        expect(
          Object.entries(outcomes)
            .filter(([id]) => !['BB-REPO-1', 'BB-REPO-2'].includes(id))
            .every(([, o]) => o === 'not-applicable'),
        ).toBe(true);
        continue;
      }
      for (const [control, expected] of Object.entries(INTENDED[profile])) {
        expect({ repo: repo.slug, profile, control, outcome: outcomes[control] }).toEqual({
          repo: repo.slug,
          profile,
          control,
          outcome: expected,
        });
        checked++;
      }
      expect(outcomes['BB-REPO-1']).toBe(repo.classification === 'unclassified' ? 'fail' : 'pass');
    }
    expect(checked).toBeGreaterThan(300);
  });

  it('computes BB-PR-1, BB-PR-2 and BB-CI-3 as the seed’s own activity says', () => {
    const ws = seed.workspaces[0]!;
    // The scan evaluates as of its own clock (generatedAt), not the seed's: windows are relative to it.
    const now = Date.parse(report.generatedAt);
    const since = now - 90 * 86_400_000;
    for (const repo of report.repositories.filter((r) => r.classification !== 'non-production' && r.mainBranch !== null)) {
      const seeded = ws.repositories.find((candidate) => candidate.slug === repo.slug)!;
      const merged = seeded.pullRequests.filter(
        (pr) => pr.state === 'MERGED' && pr.destinationBranch === seeded.mainBranch && Date.parse(pr.updatedOn) >= since,
      );
      const independent = merged.filter((pr) => pr.participants.some((p) => p.approved && p.accountId !== pr.authorId));
      const built = merged.filter((pr) => {
        const newest = newestStatusPerKey(
          seeded.statuses
            .filter((s) => s.commit === pr.sourceCommit)
            .map((s) => ({ key: s.key, state: s.state, created_on: s.createdOn, updated_on: s.updatedOn })),
        );
        return newest.length > 0 && newest.every((s) => s.state === 'SUCCESSFUL');
      });
      const outcome = (id: string) => repo.results.find((r) => r.control === id)!.outcome;
      const expected = (good: number) => (merged.length === 0 ? 'not-applicable' : good === merged.length ? 'pass' : 'fail');
      expect([repo.slug, 'BB-PR-1', outcome('BB-PR-1')]).toEqual([repo.slug, 'BB-PR-1', expected(independent.length)]);
      expect([repo.slug, 'BB-PR-2', outcome('BB-PR-2')]).toEqual([repo.slug, 'BB-PR-2', expected(built.length)]);
      const window = seeded.pipelines.filter((p) => p.state === 'COMPLETED' && Date.parse(p.createdOn) >= now - 30 * 86_400_000);
      const ok = window.filter((p) => p.result === 'SUCCESSFUL').length;
      const counted = window.filter((p) => p.result === 'SUCCESSFUL' || p.result === 'FAILED').length;
      expect([repo.slug, outcome('BB-CI-3')]).toEqual([
        repo.slug,
        counted === 0 ? 'not-applicable' : ok / counted >= 0.9 ? 'pass' : 'fail',
      ]);
    }
  });

  it('reaches the intended workspace verdicts, and marks the excepted public repository', () => {
    expect(Object.fromEntries(report.workspaceResults.map((r) => [r.control, r.outcome]))).toEqual(INTENDED_WORKSPACE);
    const site = report.repositories.find((repo) => repo.slug === 'marketing-site')!.results.find((r) => r.control === 'BB-REPO-2')!;
    expect(site).toMatchObject({ outcome: 'fail', exception: { reason: 'Public marketing site by design', expired: false } });
  });

  it('marks advisory passes with enforced: false', () => {
    const advisory = report.repositories.find((repo) => repo.slug === 'checkout-web')!;
    expect(advisory.results.find((r) => r.control === 'BB-CR-1')).toMatchObject({ outcome: 'pass', enforced: false });
    const exemplary = report.repositories.find((repo) => repo.slug === 'payments-api')!;
    expect(exemplary.results.find((r) => r.control === 'BB-CR-1')).toMatchObject({ outcome: 'pass', enforced: true });
  });

  it('exits 1 with --fail-on when a fail at or above that severity remains', async () => {
    const result = await run(
      [
        'scan',
        '--workspace',
        'acme',
        '--base-url',
        base,
        '--config',
        config,
        '--format',
        'csv',
        '--fail-on',
        'critical',
        '--state-dir',
        path.join(dir, 'state'),
      ],
      { BITBUCKET_TOKEN: 'demo-2' },
    );
    expect(result.code).toBe(1);
    expect(result.stdout.split('\r\n')[0]).toBe('workspace,repository,control,title,severity,outcome,enforced,exception,message');
  });
});
