// One Jest run for the whole monorepo: TypeScript sources run directly through @swc/jest, and
// `@helmdesk/*` imports resolve to the workspaces' sources (no build needed for tests).
const swc = [
  '@swc/jest',
  { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
];
const common = {
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: { '^@helmdesk/(contracts|platform|testkit)$': '<rootDir>/libs/$1/src' },
  testEnvironment: 'node',
  // The console has its own runner (vitest).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/services/console/'],
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{libs,services}/*/test/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/{libs,services}/*/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/libs/testkit/src/global-setup.ts',
      slowTestThreshold: 30,
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
      globalSetup: '<rootDir>/libs/testkit/src/global-setup.ts',
      slowTestThreshold: 60,
    },
    {
      // Tests that stop and restart parts of the shared stack: run alone, in band, after the rest.
      ...common,
      displayName: 'fault',
      testMatch: ['<rootDir>/{libs,services}/*/test/fault/**/*.test.ts', '<rootDir>/test/fault/**/*.test.ts'],
      globalSetup: '<rootDir>/libs/testkit/src/global-setup.ts',
      slowTestThreshold: 120,
    },
  ],
};
