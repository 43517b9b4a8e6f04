import { configDefaults, defineConfig } from 'vitest/config';
import { NEEDS_BUILD_GLOBS } from './test/needs-build.js';

export default defineConfig({
  test: {
    testTimeout: 20000,
    hookTimeout: 30000,
    pool: 'forks',
    // `vitest run` (npm test, after the build) runs both projects; `npm run test:unit` runs "unit".
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/**/*.test.{ts,tsx}'], exclude: [...configDefaults.exclude, ...NEEDS_BUILD_GLOBS] },
      },
      { extends: true, test: { name: 'build', include: NEEDS_BUILD_GLOBS } },
    ],
  },
});
