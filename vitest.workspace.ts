// The one list of test projects: every package or example that has a `test/` folder.
// Vitest 4 no longer reads this file by itself; vitest.config.ts imports it into `test.projects`.
import { existsSync, readdirSync } from 'node:fs';
import type { TestProjectInlineConfiguration } from 'vitest/config';

const groups = ['packages', 'examples'] as const;

const projectDirs = groups.flatMap((group) => {
  const root = new URL(`./${group}/`, import.meta.url);
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(new URL(`./${entry.name}/test`, root)))
    .map((entry) => `${group}/${entry.name}`);
});

const projects: TestProjectInlineConfiguration[] = projectDirs.map((dir) => ({
  extends: true,
  test: {
    // Packages are named as such (core, filter, …); examples carry a prefix (example-express).
    name: dir.startsWith('examples/')
      ? `example-${dir.split('/')[1] ?? dir}`
      : (dir.split('/')[1] ?? dir),
    root: dir,
    include: ['test/**/*.test.ts'],
  },
}));

export default projects;
