// Every export of every package's public entry carries TSDoc with an @example and an @see link to
// the RFC section it implements (DEVELOPERS.md, "Public API").
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const root = new URL('../packages/', import.meta.url).pathname;
// Every public entry: the `@scim/source` file of each export in each package's exports map.
const entries = readdirSync(root)
  .filter((name) => existsSync(join(root, name, 'package.json')))
  .flatMap((name) => {
    const manifest = JSON.parse(readFileSync(join(root, name, 'package.json'), 'utf8'));
    return Object.values(manifest.exports ?? {})
      .map((target) => (typeof target === 'object' ? target['@scim/source'] : undefined))
      .filter((source) => typeof source === 'string')
      .map((source) => join(root, name, source));
  });
const program = ts.createProgram(entries, {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  customConditions: ['@scim/source'],
  strict: true,
  noEmit: true,
});
const checker = program.getTypeChecker();
let missing = 0;
let checked = 0;
for (const entry of entries) {
  const source = program.getSourceFile(entry);
  const moduleSymbol = source && checker.getSymbolAtLocation(source);
  if (!moduleSymbol) continue;
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol =
      exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const tags = symbol.getJsDocTags(checker).map((tag) => tag.name);
    const docs = ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim();
    const problems = [];
    if (docs === '') problems.push('no description');
    if (!tags.includes('example')) problems.push('no @example');
    if (!tags.includes('see')) problems.push('no @see');
    checked += 1;
    if (problems.length > 0) {
      missing += 1;
      console.log(`${entry.replace(root, 'packages/')}: ${exported.name}: ${problems.join(', ')}`);
    }
  }
}
console.log(`tsdoc: ${checked - missing} passed, ${missing} failed`);
process.exitCode = missing > 0 ? 1 : 0;
