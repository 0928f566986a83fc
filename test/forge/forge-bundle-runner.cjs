// Runs Forge's own bundler (@forge/bundler, the version @forge/cli 13.3.0 deploys with) over the app, in its
// own process: the functions of manifest.yml into one Node bundle, and every UI Kit resource with the
// NativeUIBundler, as `forge deploy` packages them before uploading (@forge/cli out/deploy/packager).
// Stubbed, because they need the network or a login: the runtime wrapper and loader the Node bundler
// downloads from a CDN (FORGE_RUNTIME_PATH points it at one-line local files; the wrapper is Forge's own
// runtime shim, not app code), and the feature-flag service (Statsig), whose answers here are the
// defaults. Input: {root, work} as JSON on stdin. Output: JSON on stdout.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

let input = '';
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', async () => {
  const { root, work } = JSON.parse(input);
  const runtimeDir = path.join(work, 'runtime');
  fs.mkdirSync(path.join(runtimeDir, 'dist'), { recursive: true });
  fs.writeFileSync(path.join(runtimeDir, 'dist', 'wrapper.js'), 'module.exports = {};\n');
  fs.writeFileSync(path.join(runtimeDir, 'dist', 'loader.js'), 'module.exports = {};\n');
  process.env.FORGE_RUNTIME_PATH = runtimeDir;
  process.env.TMPDIR = work;
  process.env.FORGE_DISABLE_ANALYTICS = 'true';
  process.chdir(root);
  const bundler = require('@forge/bundler');
  const shared = require('@forge/cli-shared');
  const logger = { info() {}, debug() {}, warn() {}, error() {}, trace() {}, log() {} };
  const statsig = {
    getDeprecatedRuntimes: async () => [],
    testForgeCliBundleRuntimeLoaderGate: async () => false,
    isCombinedArtifactUploadEnabled: async () => false,
    checkGate: async () => false,
  };
  const reader = new shared.FileSystemReader();
  const config = new shared.ConfigFile(reader, new shared.FileSystemWriter());
  const out = { node: null, resources: [], errors: [] };
  try {
    const handlers = await config.getAppHandlers();
    const node = bundler.getNodeBundler(
      logger,
      bundler.getWrapperProvider({ fileSystemReader: reader, statsigService: statsig }),
      config,
      statsig,
    );
    const result = await node.bundle({ appDirectory: root, entryPoints: bundler.getEntryPoints(handlers) });
    const files = fs.readdirSync(result.outputDir);
    out.node = {
      outputDir: result.outputDir,
      files,
      handlers: handlers.length,
      bytes: files.reduce(
        (sum, file) =>
          sum + (fs.statSync(path.join(result.outputDir, file)).isFile() ? fs.statSync(path.join(result.outputDir, file)).size : 0),
        0,
      ),
    };
  } catch (error) {
    out.errors.push(`functions: ${error && error.message ? error.message : String(error)}`);
  }
  try {
    // As the deploy command splits them (out/deploy/package-upload-deploy.js): UI Kit resources are bundled,
    // static directories (the icons) are zipped as they are, so they must exist.
    const all = await config.getResources();
    const toBundle = all.filter(shared.shouldBundleResource);
    for (const resource of all.filter((candidate) => !shared.shouldBundleResource(candidate))) {
      if (!fs.existsSync(path.resolve(root, resource.path))) out.errors.push(`resource ${resource.key}: ${resource.path} does not exist`);
    }
    out.static = all.filter((candidate) => !shared.shouldBundleResource(candidate)).map((resource) => resource.key);
    const ui = new bundler.NativeUIBundler(logger);
    const result = await ui.bundleResources(toBundle);
    out.resources = result.nativeUiBundlesDetails.map((detail) => ({
      key: detail.key,
      path: detail.path,
      files: fs.existsSync(detail.path) ? fs.readdirSync(detail.path) : [],
    }));
  } catch (error) {
    out.errors.push(`resources: ${error && error.message ? error.message : String(error)}`);
  }
  process.stdout.write(JSON.stringify(out));
});
