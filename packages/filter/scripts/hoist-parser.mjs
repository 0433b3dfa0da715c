// Peggy 5 declares every constant, expectation and rule function inside `peg$parse`, so each call
// rebuilds ~200 closures and objects before reading a character: for filters of a few dozen
// characters that set-up costs more than the parse. This moves everything that does not depend on
// the call to module level and leaves `peg$parse` resetting the parser state. Parsing stays
// synchronous and non-reentrant (no action calls the parser), so module-level state is safe.
// It checks each anchor it relies on and fails loudly if a Peggy upgrade changes the layout.
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../src/lib/generated/parser.js', import.meta.url);
const source = readFileSync(file, 'utf8');

function cut(text, marker, from = 0) {
  const index = text.indexOf(marker, from);
  if (index < 0)
    throw new Error(`hoist-parser: "${marker.trim()}" not found; check the Peggy output layout`);
  return index;
}

const open = 'function peg$parse(input, options) {\n';
const close = '\n}\n\nconst peg$allowedStartRules';
const start = cut(source, open);
const end = cut(source, close, start);
const head = source.slice(0, start);
const body = source.slice(start + open.length, end);
const foot = source.slice(end + 2);

const prologue = [
  '  options = options !== undefined ? options : {};\n',
  '  const peg$FAILED = {};\n',
  '  const peg$source = options.grammarSource;\n',
];
let rest = body;
for (const line of prologue) {
  rest = rest.replace(/^\n+/, '');
  if (!rest.startsWith(line)) throw new Error(`hoist-parser: expected ${JSON.stringify(line)}`);
  rest = rest.slice(line.length);
}
const startRuleDefault = /\n {2}let peg\$startRuleFunction = (peg\$parse\w+);\n/.exec(rest);
if (startRuleDefault === null) throw new Error('hoist-parser: default start rule not found');
rest = rest.replace(startRuleDefault[0], '\n');

const stateStart = cut(rest, '  let peg$currPos = options.peg$currPos | 0;\n');
const stateEnd = cut(rest, '  let peg$result;\n', stateStart) + '  let peg$result;\n'.length;
const constants = rest.slice(0, stateStart);
const state = rest.slice(stateStart, stateEnd);
const startRuleBlockStart = cut(rest, '  if (options.startRule) {\n', stateEnd);
const startRuleBlockEnd = cut(rest, '\n  }\n', startRuleBlockStart) + '\n  }\n'.length;
const startRuleBlock = rest.slice(startRuleBlockStart, startRuleBlockEnd);
const runStart = cut(rest, '  peg$result = peg$startRuleFunction();\n', startRuleBlockEnd);
const functions = rest.slice(startRuleBlockEnd, runStart);
const run = rest.slice(runStart);

const stateNames = [...state.matchAll(/^ {2}(?:let|const) (peg\$\w+)/gm)].map((match) => match[1]);
const assignments = state.replace(
  /^ {2}(?:let|const) (peg\$\w+)( = [^;]+)?;$/gm,
  (_, name, value) => `  ${name}${value ?? ' = undefined'};`,
);

const hoisted = `// Post-processed by scripts/hoist-parser.mjs: per-call state is module-level, reset by peg$parse.
let input;
let options;
let ${['peg$source', 'peg$startRuleFunction', ...stateNames].join(', ')};
const peg$FAILED = {};
${constants}${functions}
function peg$parse(input$, options$) {
  input = input$;
  options = options$ !== undefined ? options$ : {};
  peg$source = options.grammarSource;
  peg$startRuleFunction = ${startRuleDefault[1]};
${assignments}${startRuleBlock}  try {
${run.replace(/^/gm, '  ')}
  } finally {
    // Do not keep the last input alive between calls.
    input = undefined;
    options = undefined;
  }
}`;

writeFileSync(file, head + hoisted + foot);
