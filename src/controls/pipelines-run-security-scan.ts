/**
 * BB-CI-4 — Pipelines run a security scan. Pipelines must be enabled and bitbucket-pipelines.yml on the main
 * branch must name a scanner of `policy.securityScanners` (case-insensitive, in a `pipe:` value or a script
 * line). Reads: GET …/pipelines_config (admin), GET …/refs/branches?q=name="{main}" for the head commit, then GET …/src/{head}/bitbucket-pipelines.yml.
 */
import { fail, need, pass, type RepositoryControl } from './types';

/** The `pipe:` values and script lines of a pipelines file: what the scanners are looked for in. */
export function pipelineCommands(file: string): string[] {
  const commands: string[] = [];
  let inScript = false;
  let scriptIndent = -1;
  for (const raw of file.split(/\r?\n/)) {
    const line = raw.replace(/\s+#.*$/, '');
    if (!line.trim() || line.trim().startsWith('#')) continue;
    const indent = line.length - line.trimStart().length;
    const text = line.trim();
    const pipe = /^-?\s*pipe:\s*(.+)$/.exec(text);
    if (pipe?.[1]) {
      commands.push(pipe[1].replace(/^['"]|['"]$/g, ''));
      continue;
    }
    if (/^-?\s*script:\s*$/.test(text)) {
      inScript = true;
      scriptIndent = indent;
      continue;
    }
    // YAML lets a sequence sit at its key's own indentation (`script:` then `- npm ci` directly below it).
    if (inScript && indent >= scriptIndent && text.startsWith('-')) {
      commands.push(text.replace(/^-\s*/, ''));
      continue;
    }
    if (inScript && indent <= scriptIndent) inScript = false;
  }
  return commands;
}

export const pipelinesRunSecurityScan: RepositoryControl<'pipelinesConfig' | 'pipelinesFile'> = {
  id: 'BB-CI-4',
  title: 'Pipelines run a security scan',
  severity: 'medium',
  scope: 'repository',
  needs: ['pipelinesConfig', 'pipelinesFile'],
  appliesToNonProduction: false,
  needsMainBranch: true,
  rationale: 'Vulnerability and secret scanning in CI is the evidence of technical vulnerability management (ISO 27001 8.8).',
  remediation: {
    summary: 'Add a security scanner to bitbucket-pipelines.yml.',
    steps: [
      'Enable Pipelines if it is off.',
      'Add a scanning step, for example `- pipe: snyk/snyk-scan:1.0.1` or a `trivy`, `gitleaks` or `semgrep` command.',
      'If you use another scanner, add its name to Security scanners in the Attest settings.',
    ],
  },
  frameworks: { soc2: ['CC7.1'], iso27001: ['8.8', '8.29'], cis: ['1.1.18', '1.5.x'] },
  docs: 'https://support.atlassian.com/bitbucket-cloud/docs/what-are-pipes/',
  evaluate(data, _subject, { policy }) {
    const config = need('pipelinesConfig', data.pipelinesConfig);
    if (!config.enabled) return fail('Pipelines is disabled, so no security scan runs.', { missing: 'pipelines-disabled' });
    const file = need('pipelinesFile', data.pipelinesFile);
    if (file === null) return fail('There is no bitbucket-pipelines.yml on the main branch.', { missing: 'pipelines-file' });
    const commands = pipelineCommands(file).map((command) => command.toLowerCase());
    const found = policy.securityScanners.filter((scanner) => commands.some((command) => command.includes(scanner.toLowerCase())));
    if (found.length > 0) return pass(`The pipeline runs ${found.join(', ')}.`, { scanners: found });
    return fail("bitbucket-pipelines.yml names none of the policy's security scanners.", {
      missing: 'scanner',
      looked: policy.securityScanners,
    });
  },
};
