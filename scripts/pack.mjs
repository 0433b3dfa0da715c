// `npm run pack` (after the build): an installable tarball of every package in packs/, named without
// its version (packs/scim-core.tgz, …) so that the commands in the examples' READMEs stay the same
// from one release to the next. Until the packages are on npm, this is how a copied example gets
// them: `npm install <path to this repository>/packs/scim-{core,filter,patch,server,express}.tgz`.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const packs = join(root, 'packs');
rmSync(packs, { recursive: true, force: true });
mkdirSync(packs);

for (const name of readdirSync(join(root, 'packages'))) {
  const dir = join(root, 'packages', name);
  if (!existsSync(join(dir, 'package.json'))) continue;
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (manifest.private === true) continue;
  if (!existsSync(join(dir, 'dist'))) {
    console.error(`pack: ${manifest.name} has no dist/; run npm run build first`);
    process.exit(1);
  }
  const output = execFileSync('npm', ['pack', '--json', '--pack-destination', packs], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [{ filename, size }] = JSON.parse(output);
  const target = `${manifest.name.replace(/^@/, '').replace('/', '-')}.tgz`;
  renameSync(join(packs, filename), join(packs, target));
  console.log(
    `packs/${target}  ${manifest.name}@${manifest.version}  ${(size / 1024).toFixed(1)} kB`,
  );
}
