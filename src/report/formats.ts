/**
 * The scan report in the public formats of docs/interfaces.md: JSON (schemaVersion 1), CSV, SARIF 2.1.0, and a
 * terminal table. Strings from Bitbucket (names, titles) are data: the CSV neutralises cells that a
 * spreadsheet would run as formulas.
 */
import { controlById, requireControl } from '../controls';
import type { Result } from '../controls/types';
import type { ScanReport } from '../engine/scan';
import { isExcepted } from '../engine/summarize';

export type Format = 'table' | 'json' | 'csv' | 'sarif';

/**
 * Text safe to print on a terminal: C0 and C1 control characters (ESC, CSI \u009b, OSC-8 hyperlinks and the
 * rest), line and paragraph separators (U+2028/2029) and bidirectional overrides become spaces.
 */
export function terminalSafe(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, ' ');
}

/**
 * The JSON contract (schemaVersion 1): the report, with every result carrying what a reader needs without
 * the catalogue: the control's title, severity and framework ids, and when the result was computed.
 */
export function toJson(report: ScanReport): string {
  const described = (result: Result, evaluatedAt: string | null) => {
    const control = controlById(result.control);
    return {
      ...result,
      title: control?.title ?? result.control,
      severity: control?.severity ?? null,
      frameworks: control?.frameworks ?? {},
      evaluatedAt,
    };
  };
  const out = {
    ...report,
    workspaceResults: report.workspaceResults.map((result) => described(result, report.workspaceEvaluatedAt)),
    repositories: report.repositories.map((repository) => ({
      ...repository,
      results: repository.results.map((result) => described(result, repository.evaluatedAt)),
    })),
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}

/**
 * RFC 4180 quoting, and a leading apostrophe for cells a spreadsheet would run as a formula: starting with
 * = + - @, a tab or a carriage return, also after leading spaces (spreadsheets trim them first; OWASP CSV
 * injection).
 */
export function csvCell(value: string): string {
  const safe = /^[\s]*[=+\-@]|^[\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvRow(cells: readonly string[]): string {
  return cells.map(csvCell).join(',');
}

function rowsOf(report: ScanReport): Array<{ repository: string; result: Result }> {
  return [
    ...report.workspaceResults.map((result) => ({ repository: '', result })),
    ...report.repositories.flatMap((repository) => repository.results.map((result) => ({ repository: repository.slug, result }))),
  ];
}

export function toCsv(report: ScanReport): string {
  const lines = [csvRow(['workspace', 'repository', 'control', 'title', 'severity', 'outcome', 'enforced', 'exception', 'message'])];
  for (const { repository, result } of rowsOf(report)) {
    const control = controlById(result.control);
    lines.push(
      csvRow([
        report.workspace.slug,
        repository,
        result.control,
        control?.title ?? '',
        control?.severity ?? '',
        result.outcome,
        result.enforced === undefined ? '' : String(result.enforced),
        result.exception
          ? `${result.exception.expired ? 'expired: ' : ''}${result.exception.reason} (until ${result.exception.expiresOn})`
          : '',
        result.message,
      ]),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

const SARIF_LEVEL = { critical: 'error', high: 'error', medium: 'warning', low: 'note' } as const;

/**
 * Where a result points: the repository's page, and for a control that reads the pipelines file, that file in the
 * repository (a path a code-scanning UI can open, relative to the repository's root, `uriBaseId` SRCROOT: SARIF
 * 2.1.0 §3.4). Slugs are percent-encoded: a URI must not carry raw characters from a name (SARIF 2.1.0 §3.10).
 */
function locationOf(report: ScanReport, repository: string, needs: readonly string[]) {
  const page = repository
    ? `https://bitbucket.org/${encodeURIComponent(report.workspace.slug)}/${encodeURIComponent(repository)}`
    : `https://bitbucket.org/${encodeURIComponent(report.workspace.slug)}/`;
  const file = repository && needs.includes('pipelinesFile');
  return {
    physicalLocation: { artifactLocation: file ? { uri: 'bitbucket-pipelines.yml', uriBaseId: 'SRCROOT' } : { uri: page } },
    logicalLocations: [{ name: repository || report.workspace.slug, fullyQualifiedName: page, kind: repository ? 'module' : 'namespace' }],
  };
}

export function toSarif(report: ScanReport): string {
  const ids = [...new Set(rowsOf(report).map(({ result }) => result.control))].sort();
  const rules = ids.map((id) => {
    const control = requireControl(id);
    return {
      id,
      name: control.title.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : '')),
      shortDescription: { text: control.title },
      fullDescription: { text: control.rationale },
      help: { text: [control.remediation.summary, ...control.remediation.steps.map((step, i) => `${i + 1}. ${step}`)].join('\n') },
      helpUri: control.docs,
      defaultConfiguration: { level: SARIF_LEVEL[control.severity] },
      properties: {
        severity: control.severity,
        tags: [...control.frameworks.soc2.map((c) => `SOC2 ${c}`), ...control.frameworks.iso27001.map((c) => `ISO27001 ${c}`)],
      },
    };
  });
  const results = rowsOf(report)
    .filter(({ result }) => result.outcome === 'fail' || result.outcome === 'not-evaluable')
    .map(({ repository, result }) => {
      const control = requireControl(result.control);
      const unreadable = result.outcome === 'not-evaluable';
      return {
        ruleId: result.control,
        ruleIndex: ids.indexOf(result.control),
        // What could not be checked is a note, the lowest level code-scanning UIs show, and says so: never a pass,
        // and not a failure either.
        level: unreadable ? 'note' : SARIF_LEVEL[control.severity],
        message: { text: unreadable ? `Could not be checked: ${result.message}` : result.message },
        locations: [locationOf(report, repository, control.needs)],
        properties: { outcome: result.outcome, ...(repository ? { repository } : {}) },
        ...(result.exception && isExcepted(result) ? { suppressions: [{ kind: 'external', justification: result.exception.reason }] } : {}),
      };
    });
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'attest',
            version: report.tool.version,
            informationUri: 'https://developer.atlassian.com/platform/forge/',
            rules,
          },
        },
        results,
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}

const COLOURS = { pass: '\u001b[32m', fail: '\u001b[31m', 'not-evaluable': '\u001b[33m', 'not-applicable': '\u001b[90m' } as const;

/** One line per subject with its failing controls; colour only when writing to a terminal. */
/** How long before the report a repository was evaluated: reused results (`--incremental`) show their age. */
export function age(evaluatedAt: string | null, reportAt: number): string {
  if (evaluatedAt === null) return 'never';
  const minutes = Math.floor((reportAt - Date.parse(evaluatedAt)) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 120) return `${minutes} min ago`;
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)} h ago`;
  return `${Math.floor(minutes / 1440)} d ago`;
}

export function toTable(report: ScanReport, colour: boolean): string {
  const paint = (outcome: keyof typeof COLOURS, text: string) => (colour ? `${COLOURS[outcome]}${text}\u001b[0m` : text);
  // Control characters and bidirectional overrides from repository names must not drive the terminal.
  const strip = terminalSafe;
  const header = ['REPOSITORY', 'CLASS', 'SCORE', 'PASS', 'FAIL', 'N/E', 'N/A', 'EVALUATED', 'FAILING'];
  const generated = Date.parse(report.generatedAt);
  const rows = report.repositories.map((repository) => {
    const counts = { pass: 0, fail: 0, 'not-evaluable': 0, 'not-applicable': 0 };
    for (const result of repository.results) counts[result.outcome]++;
    const failing = repository.results.filter((result) => result.outcome === 'fail' && !isExcepted(result)).map((result) => result.control);
    return [
      strip(repository.slug),
      repository.classification,
      repository.score === null ? '—' : String(repository.score),
      String(counts.pass),
      String(counts.fail),
      String(counts['not-evaluable']),
      String(counts['not-applicable']),
      age(repository.evaluatedAt, generated),
      failing.join(' '),
    ];
  });
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ');
  const out = [`Workspace ${report.workspace.slug}: score ${report.summary.score ?? '—'}, ${report.summary.repositories} repositories`, ''];
  out.push(line(header));
  for (const row of rows) {
    const coloured = [...row];
    coloured[4] = row[4] === '0' ? row[4] : paint('fail', (row[4] ?? '').padEnd(widths[4] ?? 0));
    out.push(line(coloured));
  }
  out.push('', 'Workspace controls:');
  for (const result of report.workspaceResults)
    out.push(`  ${paint(result.outcome, result.outcome.padEnd(14))} ${result.control.padEnd(9)} ${strip(result.message)}`);
  const o = report.summary.outcomes;
  out.push(
    '',
    `${o.pass} pass, ${o.fail} fail, ${o['not-evaluable']} not-evaluable, ${o['not-applicable']} not-applicable; ${report.requests} Bitbucket requests.`,
  );
  if (report.unevaluated.length > 0) out.push(`Not evaluated: ${report.unevaluated.map(strip).join(', ')}`);
  return `${out.join('\n')}\n`;
}

export function render(report: ScanReport, format: Format, colour: boolean): string {
  switch (format) {
    case 'json':
      return toJson(report);
    case 'csv':
      return toCsv(report);
    case 'sarif':
      return toSarif(report);
    case 'table':
      return toTable(report, colour);
  }
}
