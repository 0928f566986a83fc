/**
 * Builds the preview page's script in memory with esbuild: the host renderer, the @atlaskit components
 * and the app's four UI resources, split so the page loads only the module it shows.
 */
import path from 'node:path';
import { build } from 'esbuild';

export interface Asset {
  contents: Uint8Array;
  contentType: string;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
};

export async function bundlePreviewClient(): Promise<Map<string, Asset>> {
  const outdir = path.join(__dirname, '.bundle');
  const result = await build({
    entryPoints: { main: path.join(__dirname, 'client', 'main.tsx') },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outdir,
    write: false,
    minify: true,
    jsx: 'automatic',
    logLevel: 'silent',
    // Design-system packages read NODE_ENV and, here and there, `process.env` itself.
    define: { 'process.env.NODE_ENV': '"production"', 'process.env': '{"NODE_ENV":"production"}', global: 'globalThis' },
    loader: { '.png': 'dataurl', '.svg': 'dataurl', '.woff': 'dataurl', '.woff2': 'dataurl' },
  });
  const assets = new Map<string, Asset>();
  for (const file of result.outputFiles) {
    const name = path.relative(outdir, file.path).split(path.sep).join('/');
    assets.set(name, { contents: file.contents, contentType: TYPES[path.extname(name)] ?? 'application/octet-stream' });
  }
  return assets;
}
