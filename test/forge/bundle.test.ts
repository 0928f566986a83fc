/**
 * `forge deploy` bundles the app with @forge/bundler before uploading it (@forge/cli out/deploy/packager):
 * the functions into one Node bundle, each UI Kit resource with the NativeUIBundler, static resources as
 * they are. This runs that bundling offline (test/forge/forge-bundle-runner.cjs says what is stubbed and
 * why), so a frontend import of a Node-only module, a missing resource path or a construct webpack cannot
 * build fails here rather than at deploy.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readManifest } from './forge-checks';

const ROOT = path.resolve(__dirname, '..', '..');
const RUNNER = path.join(__dirname, 'forge-bundle-runner.cjs');

interface BundleOutcome {
  node: { outputDir: string; files: string[]; handlers: number; bytes: number } | null;
  resources: Array<{ key: string; path: string; files: string[] }>;
  static: string[];
  errors: string[];
}

const made: string[] = [];
afterAll(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

function bundle(root: string): BundleOutcome {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'attest-bundle-'));
  made.push(work);
  const run = spawnSync(process.execPath, [RUNNER], {
    input: JSON.stringify({ root, work }),
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`the bundle runner failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as BundleOutcome;
}

describe('Forge bundling (@forge/bundler, as forge deploy runs it)', () => {
  it('bundles every function and every UI Kit resource of the manifest, and the bundle exports each handler', () => {
    const outcome = bundle(ROOT);
    expect(outcome.errors).toEqual([]);
    const manifest = readManifest() as {
      modules: { function: Array<{ handler: string }> };
      resources: Array<{ key: string; path: string }>;
    };
    const handlers = manifest.modules.function.map((fn) => fn.handler.split('.')[1]!).sort();
    expect(outcome.node?.files).toContain('index.cjs');
    // The bundle loads in plain Node with the SDK's globals present, as the Forge runtime provides them.
    const exported = execFileSync(
      process.execPath,
      [
        '-e',
        `globalThis.__forge_runtime__={appContext:{},lambdaContext:{},metrics:{}};globalThis.__forge_fetch__=async()=>{throw new Error('offline')};process.stdout.write(JSON.stringify(Object.keys(require(${JSON.stringify(path.join(outcome.node!.outputDir, 'index.cjs'))}))))`,
      ],
      { encoding: 'utf8' },
    );
    expect((JSON.parse(exported) as string[]).sort()).toEqual(handlers);
    const uiKit = manifest.resources
      .filter((resource) => resource.path.endsWith('.tsx'))
      .map((resource) => resource.key)
      .sort();
    expect(outcome.resources.map((resource) => resource.key).sort()).toEqual(uiKit);
    for (const resource of outcome.resources) expect(resource.files).toEqual(expect.arrayContaining(['index.html', `${resource.key}.js`]));
    expect(outcome.static).toEqual(['icons']);
  }, 240_000);

  it('fails on a UI Kit resource that imports a Node-only module, and on a resource path that does not exist', () => {
    const app = fs.mkdtempSync(path.join(os.tmpdir(), 'attest-bad-app-'));
    made.push(app);
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(app, 'node_modules'));
    fs.copyFileSync(path.join(ROOT, 'tsconfig.json'), path.join(app, 'tsconfig.json'));
    fs.mkdirSync(path.join(app, 'src', 'frontend', 'bad'), { recursive: true });
    fs.writeFileSync(path.join(app, 'src', 'index.ts'), "export const handler = async (): Promise<string> => 'ok';\n");
    fs.writeFileSync(
      path.join(app, 'src', 'frontend', 'bad', 'index.tsx'),
      "import fs from 'node:fs';\nimport React from 'react';\nimport ForgeReconciler, { Text } from '@forge/react';\n\nForgeReconciler.render(<Text>{fs.readFileSync('/etc/hostname', 'utf8')}</Text>);\n",
    );
    fs.writeFileSync(
      path.join(app, 'manifest.yml'),
      [
        'modules:',
        '  bitbucket:repoCodeOverviewCard:',
        '    - key: bad-card',
        '      title: Bad',
        '      resource: bad',
        '      render: native',
        '      resolver:',
        '        function: resolver-fn',
        '  function:',
        '    - key: resolver-fn',
        '      handler: index.handler',
        'resources:',
        '  - key: bad',
        '    path: src/frontend/bad/index.tsx',
        '  - key: icons',
        '    path: static/missing-icons',
        'app:',
        '  id: ari:cloud:ecosystem::app/3f6f0a1e-6c1b-4d4a-9a52-7c1a2f9d5e21',
        '  runtime:',
        '    name: nodejs22.x',
        'permissions:',
        '  scopes:',
        '    - read:repository:bitbucket',
        '',
      ].join('\n'),
    );
    const outcome = bundle(app);
    expect(outcome.errors.join('\n')).toMatch(/node:fs/);
    expect(outcome.errors.join('\n')).toMatch(/icons: static\/missing-icons does not exist/);
  }, 240_000);
});
