/**
 * Offline stand-ins for `forge lint` (which needs a login here: docs/offline-toolchain.md §2): the manifest
 * validator of @forge/manifest, the client-side linter of @forge/lint, and our own wiring checks for what
 * neither catches (missing handler exports, unknown event names: docs/offline-toolchain.md §3).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ProcessorBuilder, ValidationTypes } from '@forge/manifest';
import { execFile } from 'node:child_process';
import YAML from 'yaml';

export const ROOT = path.resolve(__dirname, '..', '..');
export const OPENAPI_PATH = path.resolve(ROOT, '..', 'shared', 'bitbucket-cloud-openapi.json');

export interface ManifestProblem {
  message: string;
  reference?: string;
}

/** Full validation plus the event→scope check (PRODUCT_TRIGGER is not part of FULL). */
export async function validateManifest(manifestPath: string): Promise<ManifestProblem[]> {
  const problems: ManifestProblem[] = [];
  for (const type of [ValidationTypes.FULL, ValidationTypes.PRODUCT_TRIGGER]) {
    const processor = ProcessorBuilder.instance().withValidation(type).withOptions({ deprecatedRuntimes: [] }).build();
    const result = (await processor.process(manifestPath)) as { errors?: ManifestProblem[] } | undefined;
    problems.push(...(result?.errors ?? []));
  }
  return problems;
}

/**
 * A copy of the app in a temporary directory with `manifest.yml` replaced, so a broken manifest is validated
 * against the real sources (the validator resolves handlers and resources relative to the manifest).
 */
export function appWithManifest(edit: (manifest: Record<string, unknown>) => void): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attest-manifest-'));
  for (const entry of ['src', 'static', 'package.json', 'tsconfig.json']) {
    fs.symlinkSync(path.join(ROOT, entry), path.join(dir, entry));
  }
  const manifest = YAML.parse(fs.readFileSync(path.join(ROOT, 'manifest.yml'), 'utf8')) as Record<string, unknown>;
  edit(manifest);
  fs.writeFileSync(path.join(dir, 'manifest.yml'), YAML.stringify(manifest));
  return path.join(dir, 'manifest.yml');
}

export function readManifest(manifestPath = path.join(ROOT, 'manifest.yml')): Record<string, unknown> {
  return YAML.parse(fs.readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
}

function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? sourceFiles(path.join(dir, entry.name)) : [path.join(dir, entry.name)]))
    .filter((file) => /\.tsx?$/.test(file) && !/\.test\.tsx?$/.test(file));
}

export interface LintOutcome {
  errors: number;
  warnings: number;
  messages: string[];
  usedOpenApi: boolean;
}

/**
 * Runs @forge/lint in client-side mode. The Bitbucket OpenAPI document gives full endpoint→scope checks;
 * without it (a clone outside our workspace) an empty document is used and a notice printed. The linter
 * caches under the home directory and downloads specs unless all six LOCAL_*_SWAGGER variables are set
 * (docs/offline-toolchain.md §4), so both are pointed at a temporary directory first.
 */
export async function runForgeLint(manifest: Record<string, unknown>): Promise<LintOutcome> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'attest-forge-home-'));
  const empty = path.join(home, 'empty-openapi.json');
  fs.writeFileSync(empty, '{"paths":{}}');
  const usedOpenApi = fs.existsSync(OPENAPI_PATH);
  if (!usedOpenApi) {
    console.warn(`Notice: ${OPENAPI_PATH} is missing; the Forge linter runs without Bitbucket endpoint→scope checks.`);
  }
  const env = {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: home,
    XDG_CACHE_HOME: home,
    FORGE_DISABLE_ANALYTICS: 'true',
    USE_LOCAL_SWAGGER: '1',
    LOCAL_JIRA_SWAGGER: empty,
    LOCAL_JSM_SWAGGER: empty,
    LOCAL_JSW_SWAGGER: empty,
    LOCAL_CONF_SWAGGER: empty,
    LOCAL_CONF_V2_SWAGGER: empty,
    LOCAL_BB_SWAGGER: usedOpenApi ? OPENAPI_PATH : empty,
  };
  // Relative paths: the linter matches files against tsconfig `include` globs, and absolute paths match
  // nothing, so every check passes vacuously (measured with @forge/lint 6.3.1).
  const files = sourceFiles(path.join(ROOT, 'src')).map((file) => path.relative(ROOT, file));
  const input = JSON.stringify({ manifest, files, root: ROOT });
  const output = await new Promise<string>((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [path.join(__dirname, 'forge-lint-runner.cjs')],
      { env, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`the Forge linter failed: ${stderr || error.message}`));
        else resolve(stdout);
      },
    );
    child.stdin?.end(input);
  });
  const parsed = JSON.parse(output) as { errors: number; warnings: number; messages: string[] };
  return { ...parsed, usedOpenApi };
}
