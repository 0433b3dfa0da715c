// Generated code is committed; this regenerates it and fails when the committed copy differs, so a
// grammar change cannot land without its parser (and the reverse).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const generated = [join('packages', 'filter', 'src', 'lib', 'generated')];
const snapshot = () =>
  new Map(
    generated
      .filter((dir) => existsSync(dir))
      .flatMap((dir) =>
        readdirSync(dir).map((name) => [join(dir, name), readFileSync(join(dir, name), 'utf8')]),
      ),
  );

const before = snapshot();
const result = spawnSync('npm', ['run', 'generate', '--silent'], { stdio: 'inherit' });
if (result.status !== 0) {
  console.log('generated: 0 passed, 1 failed');
  process.exit(1);
}
const after = snapshot();
const changed = [...new Set([...before.keys(), ...after.keys()])].filter(
  (file) => before.get(file) !== after.get(file),
);
for (const file of changed)
  console.log(`  ${file} differs from what the grammar generates; commit the regenerated file`);
console.log(`generated: ${after.size - changed.length} passed, ${changed.length} failed`);
process.exitCode = changed.length > 0 ? 1 : 0;
