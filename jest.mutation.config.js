/**
 * The tests that pin the controls and the pull-request checks down, for `npm run mutation` (StrykerJS): the
 * table-driven control tests, the engine, the checks and the approval rule. Fast and offline.
 */
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ['<rootDir>/src', '<rootDir>/test'],
  // Transpile only: the mutants are type-checked by nobody (Stryker marks them @ts-nocheck), and a full
  // type-check of every test file for every mutant would take hours on two cores.
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { tsconfig: 'tsconfig.test.json', isolatedModules: true, diagnostics: false }],
  },
  testMatch: [
    '<rootDir>/test/controls/**/*.test.ts',
    '<rootDir>/test/engine/engine.test.ts',
    '<rootDir>/src/checks/**/*.test.ts',
    '<rootDir>/src/controls/**/*.test.ts',
  ],
};
