/**
 * `attest scan` options, errors and output formats: one clear line and exit 2 or 3 on bad input, nothing
 * half-written to --out, valid SARIF 2.1.0, CSV without formula injection, colour only on a terminal, and never with NO_COLOR.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { CATALOGUE, REPOSITORY_CONTROLS, WORKSPACE_CONTROLS } from '../../src/controls';
import path from 'node:path';
import { Writable } from 'node:stream';
import '@microsoft/jest-sarif';
import { runScanCommand, CliError, waitMessage } from '../../local/cli/scan-command';
import { installAndScan, openApp } from '../../local/cli/app-session';
import { Policy } from '../../src/policy/policy';
import { createStore } from '../../src/store/store';
import { csvCell, terminalSafe, toCsv, toJson, toSarif, toTable } from '../../src/report/formats';
import { startSandbox } from '../engine/sandbox';
import { demoSeed } from '../../local/emulator/seeds';
import { Mutation } from '../../local/emulator/server';
import type { ScanReport } from '../../src/engine/scan';

function sink(isTTY = false) {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  }) as Writable & { isTTY?: boolean };
  stream.isTTY = isTTY;
  return { stream, text: () => text };
}

async function scanOnce(args: string[], env: Record<string, string> = { BITBUCKET_TOKEN: 't' }, tty = false) {
  const stdout = sink(tty);
  const stderr = sink(tty);
  try {
    const code = await runScanCommand(args, { stdout: stdout.stream, stderr: stderr.stream, env });
    return { code, stdout: stdout.text(), stderr: stderr.text() };
  } catch (error) {
    if (error instanceof CliError) return { code: error.code, stdout: stdout.text(), stderr: error.message };
    throw error;
  }
}

describe('attest scan', () => {
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attest-cli-'));
  beforeAll(async () => {
    sandbox = await startSandbox();
  });
  afterAll(() => sandbox.emulator.close());
  // The tests share one emulator, whose rate limit is Bitbucket's (1,000 requests an hour per credential; a
  // first scan of the demo workspace spends about 720): each scan here runs an hour after the last, as scans
  // run by hand would, not several in one minute.
  const scanCli = (...args: Parameters<typeof scanOnce>) => {
    sandbox.clock.advance(3_600_000);
    return scanOnce(...args);
  };
  const base = () => ['--workspace', 'acme', '--base-url', sandbox.emulator.url, '--state-dir', path.join(dir, 'state')];

  it.each([
    ['no --workspace', ['--format', 'json'], {}, 2, '--workspace is required'],
    [
      'an unknown format',
      ['--workspace', 'acme', '--format', 'xml'],
      {},
      2,
      "option '--format <format>' argument 'xml' is invalid. Allowed choices are table, json, csv, sarif.",
    ],
    [
      'an unknown --fail-on',
      ['--workspace', 'acme', '--fail-on', 'severe'],
      {},
      2,
      "option '--fail-on <severity>' argument 'severe' is invalid. Allowed choices are critical, high, medium, low.",
    ],
    ['a base URL that is not a URL', ['--workspace', 'acme', '--base-url', 'not a url'], {}, 2, '--base-url is not a URL'],
    ['no credentials', ['--workspace', 'acme'], { env: {} }, 2, 'no credentials: set BITBUCKET_TOKEN'],
    [
      'half the Basic pair',
      ['--workspace', 'acme'],
      { env: { BITBUCKET_EMAIL: 'a@b.c' } },
      2,
      'BITBUCKET_EMAIL and BITBUCKET_API_TOKEN go together',
    ],
  ])('%s → exit %s', async (_name, args, options: { env?: Record<string, string> }, code, message) => {
    const result = await scanCli(args, options.env ?? { BITBUCKET_TOKEN: 't' });
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(message);
  });

  it('an unreadable or invalid --config names the file and the field', async () => {
    const invalid = path.join(dir, 'invalid.json');
    fs.writeFileSync(invalid, JSON.stringify({ minApprovals: -1 }));
    expect(await scanCli([...base(), '--config', invalid])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining(`--config ${invalid}: minApprovals:`),
    });
    const unknown = path.join(dir, 'unknown.json');
    fs.writeFileSync(unknown, JSON.stringify({ minAprovals: 2 }));
    expect((await scanCli([...base(), '--config', unknown])).stderr).toContain('minAprovals');
    expect(await scanCli([...base(), '--config', path.join(dir, 'missing.json')])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('cannot read --config'),
    });
  });

  it('--fail-on names on stderr the results that tripped it; --fail-on-not-evaluable trips on what could not be read', async () => {
    const critical = await scanCli([...base(), '--format', 'json', '--fail-on', 'critical']);
    expect(critical.code).toBe(1);
    expect(critical.stderr).toMatch(/attest: \d+ results? met the threshold:\n {2}\S+ BB-[A-Z]+-\d fail: /);
    // The demo policy leaves BB-MFA-2 unreadable (it needs an attestation): unreadable trips the second switch.
    const unreadable = await scanCli([...base(), '--format', 'json', '--fail-on-not-evaluable']);
    expect(unreadable.code).toBe(1);
    expect(unreadable.stderr).toContain('(workspace) BB-MFA-2 not-evaluable');
  });

  it('--config refuses a control id the catalogue does not know, naming the field and the known ids', async () => {
    const file = path.join(dir, 'unknown-control.json');
    fs.writeFileSync(file, JSON.stringify({ disabledControls: ['BB-CR-4', 'BB-XX-9'] }));
    const result = await scanCli([...base(), '--config', file]);
    expect(result).toMatchObject({
      code: 2,
      stderr: expect.stringContaining(`--config ${file}: disabledControls.1: unknown control id "BB-XX-9"; known: BB-REPO-1`),
    });
    fs.writeFileSync(
      file,
      JSON.stringify({
        exceptions: [{ control: 'BB-NOPE', repository: 'x', reason: 'r', approvedBy: '557058:1-a', expiresOn: '2027-01-01' }],
      }),
    );
    expect((await scanCli([...base(), '--config', file])).stderr).toContain('exceptions.0.control: unknown control id "BB-NOPE"');
  });

  it('never prints the password of a --base-url with credentials', async () => {
    const result = await scanCli(['--workspace', 'acme', '--base-url', 'http://admin:hunter2@127.0.0.1:9']);
    expect(result.code).toBe(3);
    expect(result.stderr).not.toContain('hunter2');
  }, 60_000);

  it('refused credentials → exit 3', async () => {
    sandbox.emulator.addFault({ path: '^/2.0/workspaces/acme$', kind: 'status', status: 401, times: 1 });
    expect(await scanCli(base())).toMatchObject({ code: 3, stderr: expect.stringContaining('Bitbucket refused the credentials') });
  });

  it('an unreachable API → exit 3, and --out is not written', async () => {
    const out = path.join(dir, 'never.json');
    const result = await scanCli(['--workspace', 'acme', '--base-url', 'http://127.0.0.1:9', '--out', out]);
    expect(result).toMatchObject({ code: 3, stderr: expect.stringContaining('Bitbucket could not be read') });
    expect(fs.existsSync(out)).toBe(false);
  }, 60_000);

  it('an unknown workspace → exit 2', async () => {
    expect(await scanCli(['--workspace', 'nobody', '--base-url', sandbox.emulator.url])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('no workspace nobody'),
    });
  });

  it('writes --out whole, and replaces an existing file only when the scan succeeded', async () => {
    const out = path.join(dir, 'scan.sarif');
    fs.writeFileSync(out, 'previous');
    sandbox.emulator.addFault({ path: '^/2.0/workspaces/acme$', kind: 'status', status: 401, times: 1 });
    await scanCli([...base(), '--format', 'sarif', '--out', out]);
    expect(fs.readFileSync(out, 'utf8')).toBe('previous');
    expect((await scanCli([...base(), '--format', 'sarif', '--out', out], { BITBUCKET_TOKEN: 'sarif-out' })).code).toBe(0);
    expect(JSON.parse(fs.readFileSync(out, 'utf8'))).toMatchObject({ version: '2.1.0' });
    expect(fs.readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it.each([100, 120, 200])(
    '--max-requests %i is a hard cap: never exceeded, what is left unread is listed and never passed',
    async (cap) => {
      const out = path.join(dir, `budget-${cap}.json`);
      const result = await scanCli(
        [...base(), '--format', 'json', '--out', out, '--max-requests', String(cap), '--state-dir', path.join(dir, `budget-state-${cap}`)],
        { BITBUCKET_TOKEN: `budget-${cap}` },
      );
      expect(result.code).toBe(0);
      const report = JSON.parse(fs.readFileSync(out, 'utf8')) as ScanReport;
      expect(report.unevaluated.length).toBeGreaterThan(20);
      expect(report.requests).toBeLessThanOrEqual(cap);
      // A repository listed as unread has what the cap cut off as not-evaluable (anything it did read before
      // the cap is evaluated from that data, as any result is).
      for (const repo of report.repositories.filter((r) => report.unevaluated.includes(r.slug))) {
        expect(repo.results).toHaveLength(REPOSITORY_CONTROLS.length);
        expect(repo.results.some((r) => r.outcome === 'not-evaluable')).toBe(true);
      }
    },
  );

  it('prints a table without colour when stdout is not a terminal, and progress only on a terminal', async () => {
    // Distinct tokens: each scan of the demo spends about 720 of a credential's 1,000 requests an hour.
    const plain = await scanCli([...base(), '--format', 'table'], { BITBUCKET_TOKEN: 'table-plain' });
    expect(plain.stdout).toContain('Workspace acme: score');
    expect(plain.stdout).not.toContain('\u001b[');
    expect(plain.stderr).toBe('');
    const tty = await scanCli([...base(), '--format', 'table'], { BITBUCKET_TOKEN: 'table-tty' }, true);
    expect(tty.stdout).toContain('\u001b[');
    expect(tty.stderr).toMatch(/Scanning: (\d+)\/\1 jobs/);
    // NO_COLOR (https://no-color.org) takes the colour away on a terminal too, and leaves the progress.
    const noColour = await scanCli([...base(), '--format', 'table'], { BITBUCKET_TOKEN: 'table-no-colour', NO_COLOR: '1' }, true);
    expect(noColour.stdout).toContain('Workspace acme: score');
    expect(noColour.stdout).not.toContain('\u001b[');
    expect(noColour.stderr).toMatch(/Scanning: (\d+)\/\1 jobs/);
  });
});

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'attest.js');

describe('attest scan tells the truth about now', () => {
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attest-now-'));
  beforeAll(async () => {
    const seed = demoSeed();
    // An admin token per scan (a first scan of the demo spends about 720 of a credential's 1,000 an hour), and a member's token
    // without repository-admin rights.
    seed.credentials = [
      ...['first', 'second', 'incremental', 'limited', 'waits', 'log-json', 'log-plain'].map((token) => ({ token, admin: true })),
      { token: 'no-admin', admin: false },
    ];
    sandbox = await startSandbox(seed);
  });
  afterAll(() => sandbox.emulator.close());
  const args = (state: string, ...rest: string[]) => [
    '--workspace',
    'acme',
    '--base-url',
    sandbox.emulator.url,
    '--state-dir',
    path.join(dir, state),
    '--format',
    'json',
    ...rest,
  ];
  const bp1 = (report: ScanReport, slug: string) =>
    report.repositories.find((repository) => repository.slug === slug)?.results.find((result) => result.control === 'BB-BP-1');

  it('a second scan into the same state directory reads every repository again: a removed push restriction fails; times are the wall clock', async () => {
    const before = Date.now();
    const first = await scanOnce(args('reused', '--out', path.join(dir, 'first.json')), { BITBUCKET_TOKEN: 'first' });
    expect(first.code).toBe(0);
    const firstReport = JSON.parse(fs.readFileSync(path.join(dir, 'first.json'), 'utf8')) as ScanReport;
    expect(bp1(firstReport, 'payments-api')?.outcome).toBe('pass');
    expect(Date.parse(firstReport.generatedAt)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(firstReport.generatedAt)).toBeLessThanOrEqual(Date.now());
    for (const repository of firstReport.repositories) expect(Date.parse(repository.evaluatedAt!)).toBeLessThanOrEqual(Date.now());

    await sandbox.emulator.mutate(
      Mutation.parse({ type: 'set-branch-restrictions', workspace: 'acme', repository: 'payments-api', restrictions: [] }),
    );
    const second = await scanOnce(args('reused', '--out', path.join(dir, 'second.json')), { BITBUCKET_TOKEN: 'second' });
    expect(second.code).toBe(0);
    const secondReport = JSON.parse(fs.readFileSync(path.join(dir, 'second.json'), 'utf8')) as ScanReport;
    expect(bp1(secondReport, 'payments-api')?.outcome).toBe('fail');
    expect(secondReport.unevaluated).toEqual([]);
    expect(secondReport.requests).toBeGreaterThan(firstReport.repositories.length * 3);
  });

  it('--incremental reuses the results of unchanged repositories, says so, and each carries when it was evaluated', async () => {
    const incremental = await scanOnce(args('reused', '--incremental', '--out', path.join(dir, 'incremental.json')), {
      BITBUCKET_TOKEN: 'incremental',
    });
    expect(incremental.code).toBe(0);
    expect(incremental.stderr).toMatch(/--incremental: \d+ of \d+ repositories reuse results evaluated before this run/);
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'incremental.json'), 'utf8')) as ScanReport;
    const fresh = JSON.parse(fs.readFileSync(path.join(dir, 'second.json'), 'utf8')) as ScanReport;
    expect(report.requests).toBeLessThan(fresh.requests / 2);
    for (const repository of report.repositories) {
      expect(repository.evaluatedAt).not.toBeNull();
      for (const result of repository.results) expect(result).toHaveProperty('evaluatedAt');
    }
  });

  it('a token without repository-admin rights: its reach is checked up front, the controls it cannot evaluate are named, and nothing refused is asked again', async () => {
    const before = sandbox.emulator.log.length;
    const limited = await scanOnce(args('no-admin', '--out', path.join(dir, 'no-admin.json')), { BITBUCKET_TOKEN: 'no-admin' });
    expect(limited.code).toBe(0);
    expect(limited.stderr).toMatch(
      /the credentials were refused branch restrictions \(of [^)]+\) \(HTTP 403\): BB-BP-1, .* cannot be evaluated/,
    );
    const asked = sandbox.emulator.log.slice(before).filter((entry) => entry.path.endsWith('/branch-restrictions'));
    expect(asked).toHaveLength(1);
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'no-admin.json'), 'utf8')) as ScanReport;
    const result = bp1(report, 'payments-api');
    expect(result).toMatchObject({ outcome: 'not-evaluable' });
    expect(result?.message).toContain('not asked again');
    expect(
      report.repositories.flatMap((repository) => repository.results).some((r) => r.outcome === 'pass' && r.control === 'BB-BP-1'),
    ).toBe(false);
  });

  it('rate-limited past --max-wait: exit 3, a partial report, and what was not read listed', async () => {
    const repo = sandbox.emulator.seed.workspaces[0]!.repositories.find((candidate) => candidate.slug === 'payments-api')!;
    const escaped = repo.uuid.replace(/[{}]/g, (brace) => `\\${brace}`);
    sandbox.emulator.addFault({
      path: `^/2\\.0/repositories/[^/]+/${escaped}/branch-restrictions$`,
      kind: 'status',
      status: 429,
      times: null,
    });
    try {
      const out = path.join(dir, 'limited.json');
      const result = await scanOnce(args('limited', '--max-wait', '0', '--out', out), { BITBUCKET_TOKEN: 'limited' });
      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(/stopped after waiting 0 s \(--max-wait 0\); Bitbucket would next be asked at \d\d:\d\d/);
      const report = JSON.parse(fs.readFileSync(out, 'utf8')) as ScanReport;
      // After a 429 the app pauses every repository job of the installation, so the rest wait with it.
      expect(report.unevaluated).toContain('payments-api');
      expect(report.unevaluated.length).toBeLessThan(report.repositories.length);
      expect(result.stderr).toContain(`not read, reported as not-evaluable: ${report.unevaluated.join(', ')}`);
      for (const slug of report.unevaluated.filter((name) => name !== '(workspace)'))
        for (const r of report.repositories.find((repository) => repository.slug === slug)!.results) expect(r.outcome).not.toBe('pass');
      expect(bp1(report, 'payments-api')).toMatchObject({ outcome: 'not-evaluable' });
      expect(bp1(report, 'payments-api')?.message).toContain('--max-wait 0 ran out while Bitbucket rate-limited the scan');
    } finally {
      sandbox.emulator.clearFaults();
    }
  });

  it('waits for a rate-limited retry, saying until when in words, then finishes the scan', async () => {
    const repo = sandbox.emulator.seed.workspaces[0]!.repositories.find((candidate) => candidate.slug === 'checkout-web')!;
    const escaped = repo.uuid.replace(/[{}]/g, (brace) => `\\${brace}`);
    // Four 429s: the client's four attempts of one read; the queue's retry 10 minutes later succeeds.
    sandbox.emulator.addFault({
      path: `^/2\\.0/repositories/[^/]+/${escaped}/branch-restrictions$`,
      kind: 'status',
      status: 429,
      times: 4,
    });
    // A clock that waits instantly, so the ten minutes pass in no time; the scan waits on it as on the wall clock.
    let current = Date.now();
    const clock = { now: () => current, sleep: async (ms: number) => void (current += ms) };
    const session = await openApp({
      baseUrl: sandbox.emulator.url,
      authorization: 'Bearer waits',
      stateDir: null,
      workspace: 'acme',
      clock,
    });
    const waits: string[] = [];
    const start = current;
    const outcome = await installAndScan(session, {
      policy: Policy.parse({}),
      hourlyBudget: 1_000_000,
      maxWaitMs: 3_600_000,
      onWait: (until, rateLimited) => waits.push(`${until.getTime() - start >= 600_000} ${waitMessage(until, rateLimited)}`),
    });
    expect(outcome.stopped).toBeNull();
    expect(waits.length).toBeGreaterThan(0);
    expect(waits[0]).toMatch(/^true rate-limited by Bitbucket; resuming at \d\d:\d\d$/);
    const stored = await session.runtime.withInstallation(session.workspace.uuid, () => createStore().getRepository(repo.uuid));
    expect(stored?.results?.find((result) => result.control === 'BB-BP-1')?.outcome).not.toBe('not-evaluable');
  });

  it.each([
    ['without --log-json: sentences only', [] as string[], false],
    ["with --log-json: the app's JSON log lines too, on stderr", ['--log-json'], true],
  ])(
    'the real command %s',
    async (_name, extra, json) => {
      const repo = sandbox.emulator.seed.workspaces[0]!.repositories.find((candidate) => candidate.slug === 'ledger')!;
      const escaped = repo.uuid.replace(/[{}]/g, (brace) => `\\${brace}`);
      sandbox.emulator.addFault({
        path: `^/2\\.0/repositories/[^/]+/${escaped}/branch-restrictions$`,
        kind: 'status',
        status: 429,
        times: null,
      });
      try {
        const child = spawn(process.execPath, [BIN, 'scan', ...args(`log-${json}`, '--max-wait', '0'), ...extra], {
          env: { ...process.env, ATTEST_LOG_LEVEL: '', BITBUCKET_TOKEN: json ? 'log-json' : 'log-plain' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
        expect(code).toBe(3);
        expect(() => JSON.parse(stdout) as unknown).not.toThrow();
        const jsonLines = stderr.split('\n').filter((line) => line.startsWith('{'));
        expect(stderr).toContain('attest: stopped after waiting 0 s');
        if (json) expect(jsonLines.length).toBeGreaterThan(0);
        else expect(jsonLines).toEqual([]);
      } finally {
        sandbox.emulator.clearFaults();
      }
    },
    60_000,
  );

  it.each([
    ['10x', '--max-wait must be a duration such as 90s, 10m or 1h, not "10x"'],
    ['5 minutes', '--max-wait must be a duration'],
  ])('--max-wait %s is refused by name', async (value, message) => {
    const result = await scanOnce(args('bad', '--max-wait', value), { BITBUCKET_TOKEN: 'first' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });
});

describe('report formats', () => {
  let report: ScanReport;
  beforeAll(async () => {
    const sandbox = await startSandbox();
    const { scanWorkspace } = await import('../../src/engine/scan');
    const { Policy } = await import('../../src/policy/policy');
    report = await scanWorkspace({
      client: sandbox.client(),
      workspace: 'acme',
      policy: Policy.parse({}),
      now: sandbox.now,
      version: 'test',
    });
    await sandbox.emulator.close();
  });

  it('SARIF validates against the SARIF 2.1.0 schema: a result per fail, a note per result that could not be checked, each located', () => {
    type SarifResult = {
      ruleId: string;
      level: string;
      message: { text: string };
      properties: { outcome: string; repository?: string };
      locations: Array<{ physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string } } }>;
    };
    const sarif = JSON.parse(toSarif(report)) as { runs: Array<{ results: SarifResult[]; tool: { driver: { rules: unknown[] } } }> };
    // Microsoft's matcher validates against the OASIS SARIF 2.1.0 schema (draft-04, which it loads itself).
    (expect(sarif) as unknown as { toBeValidSarifLog(): void }).toBeValidSarifLog();
    (expect({ version: '2.1.0', runs: [{ results: [] }] }) as unknown as { not: { toBeValidSarifLog(): void } }).not.toBeValidSarifLog();
    const all = [...report.workspaceResults, ...report.repositories.flatMap((r) => r.results)];
    const fails = all.filter((r) => r.outcome === 'fail').length;
    const unreadable = all.filter((r) => r.outcome === 'not-evaluable').length;
    const results = sarif.runs[0]!.results;
    expect(results.filter((r) => r.properties.outcome === 'fail')).toHaveLength(fails);
    const notes = results.filter((r) => r.properties.outcome === 'not-evaluable');
    expect(notes).toHaveLength(unreadable);
    expect(unreadable).toBeGreaterThan(0);
    expect(notes.every((r) => r.level === 'note' && r.message.text.startsWith('Could not be checked: '))).toBe(true);
    const byRepository = results.find((r) => r.ruleId === 'BB-BP-1')!;
    expect(byRepository.locations[0]!.physicalLocation.artifactLocation.uri).toMatch(/^https:\/\/bitbucket\.org\/acme\/[\w-]+$/);
    // A finding about the pipeline points at the file a code-scanning UI can open.
    const scan = results.find((r) => r.ruleId === 'BB-CI-4' && r.properties.outcome === 'fail')!;
    expect(scan.locations[0]!.physicalLocation.artifactLocation).toEqual({ uri: 'bitbucket-pipelines.yml', uriBaseId: 'SRCROOT' });
    expect(sarif.runs[0]!.tool.driver.rules).toHaveLength(CATALOGUE.length);
  });

  it('JSON: every result carries its title, severity, framework ids and when it was evaluated', () => {
    const json = JSON.parse(toJson(report)) as {
      workspaceResults: Array<Record<string, unknown>>;
      repositories: Array<{ evaluatedAt: string; results: Array<Record<string, unknown>> }>;
    };
    const results = [...json.workspaceResults, ...json.repositories.flatMap((repository) => repository.results)];
    expect(results.length).toBeGreaterThan(100);
    for (const result of results) {
      expect(result).toMatchObject({
        title: expect.any(String),
        severity: expect.stringMatching(/^(critical|high|medium|low)$/),
        frameworks: expect.any(Object),
        evaluatedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      });
    }
    expect(json.repositories[0]!.results[0]!.evaluatedAt).toBe(json.repositories[0]!.evaluatedAt);
  });

  it('CSV has one row per subject and control', () => {
    const rows = toCsv(report).trimEnd().split('\r\n');
    expect(rows).toHaveLength(1 + WORKSPACE_CONTROLS.length + 44 * REPOSITORY_CONTROLS.length);
  });

  it.each([
    ['=HYPERLINK("x")', `"'=HYPERLINK(""x"")"`],
    ['+1', "'+1"],
    ['-1', "'-1"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['a,b', '"a,b"'],
    ['plain', 'plain'],
  ])('neutralises the CSV cell %s', (input, expected) => {
    expect(csvCell(input)).toBe(expected);
  });

  const HOSTILE: Array<[string, string]> = [
    ['ESC colour', 'evil\u001b[31mname'],
    ['C1 CSI', 'evil\u009b31mname'],
    ['OSC-8 hyperlink', '\u001b]8;;https://evil.example\u0007click\u001b]8;;\u0007'],
    ['line separator', 'two\u2028lines'],
    ['paragraph separator', 'two\u2029paragraphs'],
    ['right-to-left override', 'evil\u202ename'],
    ['space then formula', ' =HYPERLINK("https://evil.example")'],
    ['tab then formula', '\t=1+1'],
    ['plus formula', '+cmd|calc'],
  ];

  it.each(HOSTILE)('neutralises %s in every output', (_name, text) => {
    const hostile: ScanReport = { ...report, repositories: [{ ...report.repositories[0]!, slug: text }] };
    // Terminal: no control character, separator or override survives.
    /* eslint-disable no-control-regex -- matching control characters is the point */
    expect(toTable(hostile, false)).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
    expect(terminalSafe(text)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/);
    /* eslint-enable no-control-regex */
    // CSV: a cell a spreadsheet would run starts with an apostrophe.
    const cell = csvCell(text);
    expect(cell.replace(/^"/, '')).not.toMatch(/^\s*[=+\-@]/);
    // SARIF: the location URI carries the slug percent-encoded.
    const sarif = JSON.parse(
      toSarif({
        ...hostile,
        repositories: hostile.repositories.map((repo) => ({
          ...repo,
          results: repo.results.map((result) => ({ ...result, outcome: 'fail' as const })),
        })),
      }),
    ) as {
      runs: Array<{
        results: Array<{
          locations: Array<{
            physicalLocation: { artifactLocation: { uri: string } };
            logicalLocations: Array<{ fullyQualifiedName: string }>;
          }>;
        }>;
      }>;
    };
    // Only RFC 3986 path characters: unreserved, sub-delims and percent-escapes.
    const escaped = /^https:\/\/bitbucket\.org\/[A-Za-z0-9%._~-]+\/[A-Za-z0-9%._~!$&'()*+,;=-]*$/;
    for (const result of sarif.runs[0]!.results) {
      const location = result.locations[0]!;
      const uri = location.physicalLocation.artifactLocation.uri;
      // The repository's page, or the pipelines file relative to the repository's root.
      expect(uri === 'bitbucket-pipelines.yml' || escaped.test(uri)).toBe(true);
      expect(location.logicalLocations[0]!.fullyQualifiedName).toMatch(escaped);
    }
  });

  it('strips control characters and bidirectional overrides from names in the table', () => {
    const hostile: ScanReport = { ...report, repositories: [{ ...report.repositories[0]!, slug: 'evil\u202e\u001b[31mname' }] };
    const table = toTable(hostile, false);
    expect(table.includes('\u202e') || table.includes('\u001b')).toBe(false);
  });
});
