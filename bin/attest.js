#!/usr/bin/env node
// The `attest` command: the app's own code on the local Forge runtime. TypeScript is loaded through tsx,
// so `npx attest` works straight from a clone after `npm ci` with no build step.
'use strict';
require('tsx/cjs');
// A reader that stops early (`attest --help | head`) closes the pipe: not an error worth a stack trace.
process.stdout.on('error', (error) => {
  if (error && error.code === 'EPIPE') process.exit(process.exitCode || 0);
  throw error;
});
require('../local/cli/main.ts')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((error) => {
    console.error(`attest: ${error && error.message ? error.message : String(error)}`);
    process.exitCode = 2;
  });
