/**
 * What the browser tests rely on, checked without a browser: the preview draws every UI Kit component the
 * app imports (an unknown one would show as a placeholder), and the README shows a screenshot of every UI
 * module of the manifest, which exists (the browser tests regenerate them from the current code).
 */
import fs from 'node:fs';
import path from 'node:path';
import { RENDERED_TYPES } from '../../local/preview/client/rendered-types';
import { loadManifest } from '../../local/runtime/manifest';
import { UI_MODULES } from '../../local/ui/demo-app';

const ROOT = path.resolve(__dirname, '..', '..');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

/** The components each frontend file imports from @forge/react (hooks and helpers are not components). */
function importedComponents(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of sources(path.join(ROOT, 'src', 'frontend'))) {
    const text = fs.readFileSync(file, 'utf8');
    for (const match of text.matchAll(/import\s+(?:\w+\s*,\s*)?\{([^}]*)\}\s+from\s+'@forge\/react'/g)) {
      for (const name of match[1]!.split(',').map((part) =>
        part
          .trim()
          .split(/\s+as\s+/)[0]!
          .trim(),
      )) {
        if (!/^[A-Z]/.test(name)) continue;
        found.set(name, [...(found.get(name) ?? []), path.relative(ROOT, file)]);
      }
    }
  }
  return found;
}

describe('preview coverage', () => {
  it('draws every UI Kit component the app imports', () => {
    const imported = importedComponents();
    expect(imported.size).toBeGreaterThan(10);
    const missing = [...imported]
      .filter(([name]) => !(RENDERED_TYPES as readonly string[]).includes(name))
      .map(([name, files]) => `${name} (${files.join(', ')})`);
    expect(missing).toEqual([]);
  });

  it('has a screenshot in the README for every UI module of the manifest', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const manifestKeys = loadManifest(path.join(ROOT, 'manifest.yml'))
      .uiModules.map((module) => module.key)
      .sort();
    expect(
      Object.values(UI_MODULES)
        .map((module) => module.key)
        .sort(),
    ).toEqual(manifestKeys);
    for (const name of Object.keys(UI_MODULES)) {
      const file = `docs/screenshots/${name}.png`;
      expect({ file, referenced: readme.includes(`](${file})`) }).toEqual({ file, referenced: true });
      const bytes = fs.existsSync(path.join(ROOT, file)) ? fs.readFileSync(path.join(ROOT, file)) : Buffer.alloc(0);
      expect({ file, png: bytes.subarray(0, 8).toString('hex') === '89504e470d0a1a0a' && bytes.length > 1000 }).toEqual({
        file,
        png: true,
      });
    }
  });
});
