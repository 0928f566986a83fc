/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/local', '<rootDir>/test'],
  testMatch: ['**/*.test.ts', '**/*.test.tsx'],
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }],
  },
  // The Forge SDKs read their globals at import time (@forge/kvs reads __forge_runtime__,
  // @forge/bridge captures __bridge.callBridge): install the local platform before any test imports.
  setupFiles: ['<rootDir>/test/setup/forge-globals.ts'],
  testTimeout: 60000,
  // A timed-out invocation keeps running in the background, as on Forge; let it finish quietly.
  testEnvironmentOptions: { globalsCleanup: 'off' },
  // The manifest validator and the linter take 3-20 s each; two workers fit the 2-core machines.
  maxWorkers: 2,
};
