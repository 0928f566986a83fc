// Runs @forge/lint client-side in its own process: the linter keeps module-level state between runs
// (measured: a second run in the same process reports nothing), and it reads ./manifest.yml and writes
// caches under $HOME. Input: {manifest, files, root} as JSON on stdin. Output: JSON on stdout.
'use strict';
const { lint, problemCount } = require('@forge/lint');
const path = require('node:path');

let input = '';
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', async () => {
  const { manifest, files, root } = JSON.parse(input);
  process.chdir(root);
  const logger = { info: () => undefined };
  // Only getDeprecatedRuntimes is called in client-side mode (docs/offline-toolchain.md §4).
  const statsig = { getDeprecatedRuntimes: async () => [] };
  const results = await lint(files, manifest, 'development', logger, statsig, { linter: { mode: 'client-side' } });
  const counts = problemCount(results);
  const messages = results.flatMap((result) =>
    [...result.errors, ...result.warnings].map((problem) => `${path.relative(root, result.file)}:${problem.line || 0} ${problem.message}`),
  );
  process.stdout.write(JSON.stringify({ errors: counts.errors, warnings: counts.warnings, messages }));
});
