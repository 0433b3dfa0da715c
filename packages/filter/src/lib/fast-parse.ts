// A hand-written reading of the strict grammar in grammar/filter.peggy, for speed. It accepts only
// text the generated parser accepts and builds the same nodes with the same locations; on anything
// else it gives up, and the generated parser, which stays the reference, answers with its error
// messages and leniencies. (Text the strict grammar accepts reads the same under every leniency:
// each lenient alternative is tried only where the strict ones failed.) test/fast-parse.test.ts
// checks that the two agree.
import type {
  AttributePathNode,
  CompareOperator,
  CompareValue,
  FilterNode,
  PatchPathNode,
  SourceSpan,
} from './ast.js';

/** Thrown to abandon the fast reading; one instance, so giving up captures no stack. */
const GIVE_UP = new Error('fast filter parser gives up');

const SPACE = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const LF = 0x0a;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const DOLLAR = 0x24;

const OPERATORS: readonly (CompareOperator | 'pr')[] = [
  'eq',
  'ne',
  'co',
  'sw',
  'ew',
  'gt',
  'lt',
  'ge',
  'le',
  'pr',
];
/** Operators by their two lower-case code units, `(first << 8) | second`. */
const OPERATOR_BY_KEY: ReadonlyMap<number, CompareOperator | 'pr'> = new Map(
  OPERATORS.map((word) => [(word.charCodeAt(0) << 8) | word.charCodeAt(1), word]),
);
const ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

function isLetter(code: number): boolean {
  return (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a);
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** nameChar = [A-Za-z0-9_$-] */
function isNameChar(code: number): boolean {
  return isLetter(code) || isDigit(code) || code === 0x5f || code === DOLLAR || code === 0x2d;
}

/** urnSegment characters: [A-Za-z0-9._~%!$&'*+,;=@/-] */
function isUrnChar(code: number): boolean {
  return (
    isLetter(code) ||
    isDigit(code) ||
    code === 0x2e ||
    code === 0x5f ||
    code === 0x7e ||
    code === 0x25 ||
    code === 0x21 ||
    code === DOLLAR ||
    code === 0x26 ||
    code === 0x27 ||
    code === 0x2a ||
    code === 0x2b ||
    code === 0x2c ||
    code === 0x3b ||
    code === 0x3d ||
    code === 0x40 ||
    code === 0x2f ||
    code === 0x2d
  );
}

function isSpace(code: number): boolean {
  return code === SPACE || code === TAB || code === LF || code === CR;
}

function isHex(code: number): boolean {
  return isDigit(code) || (code >= 0x61 && code <= 0x66) || (code >= 0x41 && code <= 0x46);
}

export class FastReader {
  pos = 0;
  /** Filter nodes built, for the node limit. */
  nodes = 0;
  private depth = 0;

  /** `maxDepth` bounds nesting of "(" and "[", and so the recursion; deeper text is given up. */
  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
  ) {}

  /**
   * The strict grammar's reading of the whole text from a start rule, or undefined when the fast
   * reading does not accept it (then the generated parser decides).
   */
  read(
    startRule: 'Filter' | 'PatchPath' | 'AttributePath',
  ): FilterNode | PatchPathNode | AttributePathNode | undefined {
    try {
      this.skipSpaces();
      const value =
        startRule === 'Filter'
          ? this.or(false)
          : startRule === 'PatchPath'
            ? this.patchPath()
            : this.attributePath();
      this.skipSpaces();
      return this.pos === this.text.length ? value : undefined;
    } catch (error) {
      if (error === GIVE_UP) return undefined;
      throw error;
    }
  }

  private enter(): void {
    if (++this.depth > this.maxDepth) throw GIVE_UP;
  }

  private skipSpaces(): void {
    while (isSpace(this.text.charCodeAt(this.pos))) this.pos++;
  }

  /** `word` (lower-case letters) at `at`, in any case. */
  private wordAt(at: number, word: string): boolean {
    for (let i = 0; i < word.length; i++) {
      if ((this.text.charCodeAt(at + i) | 0x20) !== word.charCodeAt(i)) return false;
    }
    return true;
  }

  /** `__ word !nameChar __`: an "and" or "or" between two expressions. */
  private connective(word: string): boolean {
    const start = this.pos;
    this.skipSpaces();
    if (this.pos === start || !this.wordAt(this.pos, word)) return false;
    const after = this.pos + word.length;
    if (isNameChar(this.text.charCodeAt(after))) return false;
    this.pos = after;
    this.skipSpaces();
    return this.pos !== after;
  }

  private expect(code: number): void {
    if (this.text.charCodeAt(this.pos) !== code) throw GIVE_UP;
    this.pos++;
  }

  /** FILTER (or valFilter inside brackets): an "or" chain of "and" chains. */
  private or(inBrackets: boolean): FilterNode {
    return this.chain('or', inBrackets);
  }

  /** An "or" chain of "and" chains of primaries: `and` binds tighter (RFC 7644 §3.4.2.2). */
  private chain(type: 'or' | 'and', inBrackets: boolean): FilterNode {
    const start = this.pos;
    const operand = (): FilterNode =>
      type === 'or' ? this.chain('and', inBrackets) : this.primary(inBrackets);
    const head = operand();
    let filters: FilterNode[] | undefined;
    for (;;) {
      const save = this.pos;
      if (!this.connective(type)) {
        this.pos = save;
        break;
      }
      (filters ??= [head]).push(operand());
    }
    if (filters === undefined) return head;
    this.nodes++;
    return { type, filters, location: { start, end: this.pos } };
  }

  /** The filter after an opening "(" or "[", through its closing character, one level deeper. */
  private enclosed(inBrackets: boolean, close: number): FilterNode {
    this.enter();
    this.skipSpaces();
    const filter = this.or(inBrackets);
    this.skipSpaces();
    this.expect(close);
    this.depth--;
    return filter;
  }

  private primary(inBrackets: boolean): FilterNode {
    const start = this.pos;
    if (this.wordAt(start, 'not')) {
      let next = start + 3;
      while (isSpace(this.text.charCodeAt(next))) next++;
      if (this.text.charCodeAt(next) === 0x28) {
        this.pos = next + 1;
        const filter = this.enclosed(inBrackets, 0x29);
        this.nodes++;
        return { type: 'not', filter, location: { start, end: this.pos } };
      }
      // "not " before anything but "(" or an operator is the grammar's own error.
      if (next > start + 3 && !this.knownOperatorAt(next)) throw GIVE_UP;
    }
    if (this.text.charCodeAt(start) === 0x28) {
      this.pos = start + 1;
      return this.enclosed(inBrackets, 0x29);
    }
    const path = this.attributePath();
    if (!inBrackets) {
      const save = this.pos;
      this.skipSpaces();
      if (this.text.charCodeAt(this.pos) === 0x5b) {
        this.pos++;
        const filter = this.enclosed(true, 0x5d);
        this.nodes++;
        const location: SourceSpan = { start: (path.location as SourceSpan).start, end: this.pos };
        return { type: 'valuePath', path, filter, location };
      }
      this.pos = save;
    }
    return this.expression(path);
  }

  /** knownOperator !nameChar */
  private knownOperatorAt(at: number): boolean {
    if (isNameChar(this.text.charCodeAt(at + 2))) return false;
    return this.operatorAt(at) !== undefined;
  }

  /** The operator (or `pr`) spelt by the two letters at `at`, in any case. */
  private operatorAt(at: number): CompareOperator | 'pr' | undefined {
    const first = this.text.charCodeAt(at);
    const second = this.text.charCodeAt(at + 1);
    if (!isLetter(first) || !isLetter(second)) return undefined;
    return OPERATOR_BY_KEY.get(((first | 0x20) << 8) | (second | 0x20));
  }

  /** attrExpRest: `pr`, or an operator and a value. */
  private expression(path: AttributePathNode): FilterNode {
    const start = this.pos;
    this.skipSpaces();
    if (this.pos === start) throw GIVE_UP;
    const wordStart = this.pos;
    while (isLetter(this.text.charCodeAt(this.pos))) this.pos++;
    const length = this.pos - wordStart;
    if (length !== 2) throw GIVE_UP;
    const word = this.operatorAt(wordStart);
    const pathStart = (path.location as SourceSpan).start;
    if (word === 'pr') {
      if (isNameChar(this.text.charCodeAt(this.pos))) throw GIVE_UP;
      this.nodes++;
      return { type: 'present', path, location: { start: pathStart, end: this.pos } };
    }
    if (word === undefined) throw GIVE_UP;
    this.skipSpaces();
    const value = this.value();
    this.nodes++;
    return {
      type: 'compare',
      path,
      operator: word,
      value,
      location: { start: pathStart, end: this.pos },
    };
  }

  private value(): CompareValue {
    const code = this.text.charCodeAt(this.pos);
    if (code === QUOTE) return this.string();
    if (code === 0x2d || isDigit(code)) return this.number();
    for (const [word, value] of LITERALS) {
      if (
        this.text.startsWith(word, this.pos) &&
        !isNameChar(this.text.charCodeAt(this.pos + word.length))
      ) {
        this.pos += word.length;
        return value;
      }
    }
    throw GIVE_UP;
  }

  private string(): string {
    this.pos++;
    let chunkStart = this.pos;
    let decoded: string | undefined;
    for (;;) {
      const code = this.text.charCodeAt(this.pos);
      if (code === QUOTE) break;
      if (code === BACKSLASH) {
        decoded = (decoded ?? '') + this.text.slice(chunkStart, this.pos) + this.escape();
        chunkStart = this.pos;
      } else if (code < 0x20 || Number.isNaN(code)) {
        throw GIVE_UP;
      } else {
        this.pos++;
      }
    }
    const tail = this.text.slice(chunkStart, this.pos);
    this.pos++;
    return decoded === undefined ? tail : decoded + tail;
  }

  private escape(): string {
    const kind = this.text.charAt(this.pos + 1);
    const simple = ESCAPES[kind];
    if (simple !== undefined && Object.hasOwn(ESCAPES, kind)) {
      this.pos += 2;
      return simple;
    }
    if (kind === 'u') {
      for (let i = 2; i < 6; i++) if (!isHex(this.text.charCodeAt(this.pos + i))) throw GIVE_UP;
      const hex = this.text.slice(this.pos + 2, this.pos + 6);
      this.pos += 6;
      return String.fromCharCode(parseInt(hex, 16));
    }
    throw GIVE_UP;
  }

  /** A JSON number, not followed by a name character or a dot. */
  private number(): number {
    const start = this.pos;
    if (this.text.charCodeAt(this.pos) === 0x2d) this.pos++;
    const first = this.text.charCodeAt(this.pos);
    if (first === 0x30) this.pos++;
    else if (isDigit(first)) while (isDigit(this.text.charCodeAt(this.pos))) this.pos++;
    else throw GIVE_UP;
    if (this.text.charCodeAt(this.pos) === 0x2e && isDigit(this.text.charCodeAt(this.pos + 1))) {
      this.pos += 2;
      while (isDigit(this.text.charCodeAt(this.pos))) this.pos++;
    }
    const e = this.text.charCodeAt(this.pos);
    if (e === 0x65 || e === 0x45) {
      let next = this.pos + 1;
      const sign = this.text.charCodeAt(next);
      if (sign === 0x2b || sign === 0x2d) next++;
      if (isDigit(this.text.charCodeAt(next))) {
        this.pos = next;
        while (isDigit(this.text.charCodeAt(this.pos))) this.pos++;
      }
    }
    const after = this.text.charCodeAt(this.pos);
    if (isNameChar(after) || after === 0x2e) throw GIVE_UP;
    return Number(this.text.slice(start, this.pos));
  }

  /** attrPath = [URI ":"] ATTRNAME [subAttr] */
  private attributePath(): AttributePathNode {
    const start = this.pos;
    let uri: string | undefined;
    if (this.wordAt(start, 'urn') && this.text.charCodeAt(start + 3) === 0x3a) {
      let next = start + 4;
      let end = -1;
      for (;;) {
        const segment = next;
        while (isUrnChar(this.text.charCodeAt(next))) next++;
        if (next === segment || this.text.charCodeAt(next) !== 0x3a) break;
        next++;
        end = next;
      }
      if (end !== -1) {
        uri = this.text.slice(start, end - 1);
        this.pos = end;
      }
    }
    const attribute = this.name();
    let subAttribute: string | undefined;
    if (this.text.charCodeAt(this.pos) === 0x2e) {
      this.pos++;
      subAttribute = this.name();
    }
    const location: SourceSpan = { start, end: this.pos };
    // The key order of the generated parser's nodes, so that the two serialise alike.
    if (uri === undefined)
      return subAttribute === undefined
        ? { type: 'attributePath', attribute, location }
        : { type: 'attributePath', attribute, subAttribute, location };
    return subAttribute === undefined
      ? { type: 'attributePath', uri, attribute, location }
      : { type: 'attributePath', uri, attribute, subAttribute, location };
  }

  /** ATTRNAME = ALPHA *nameChar, or "$ref" in any case. */
  private name(): string {
    const start = this.pos;
    if (isLetter(this.text.charCodeAt(start))) {
      this.pos++;
      while (isNameChar(this.text.charCodeAt(this.pos))) this.pos++;
      return this.text.slice(start, this.pos);
    }
    if (this.text.charCodeAt(start) === DOLLAR && this.wordAt(start + 1, 'ref')) {
      this.pos += 4;
      return '$ref';
    }
    throw GIVE_UP;
  }

  /** PATH: an attribute path with an optional value filter and sub-attribute. */
  private patchPath(): PatchPathNode {
    const start = this.pos;
    const path = this.attributePath();
    const save = this.pos;
    this.skipSpaces();
    if (this.text.charCodeAt(this.pos) !== 0x5b) {
      this.pos = save;
      return { type: 'patchPath', path, location: { start, end: this.pos } };
    }
    this.pos++;
    const filter = this.enclosed(true, 0x5d);
    if (this.text.charCodeAt(this.pos) === 0x2e) {
      this.pos++;
      const subAttribute = this.name();
      return { type: 'patchPath', path, filter, subAttribute, location: { start, end: this.pos } };
    }
    return { type: 'patchPath', path, filter, location: { start, end: this.pos } };
  }
}

const LITERALS: readonly (readonly [string, CompareValue])[] = [
  ['false', false],
  ['null', null],
  ['true', true],
];
