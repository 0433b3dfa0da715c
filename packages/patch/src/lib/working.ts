// Copy-on-write view of a resource: the original is never mutated, and only what an operation touches
// is copied (a 100,000-member group costs one array copy per touched attribute, not a deep clone).
import {
  attributeValueKey,
  caseFold,
  isCaseExact,
  type AttributeDefinition,
  type ScimResource,
  isJsonObject,
} from '@scim/core';

type Json = Record<string, unknown>;

/**
 * How two values of a multi-valued attribute are "the same value", for add (which merges instead of
 * duplicating) and for remove with a value list (which removes what it names) alike: members by
 * `value` (their other sub-attributes are immutable), typed values such as emails by (type, value)
 * as RFC 7643 §2.4 describes, anything else by the whole value. Strings compare under isCaseExact.
 */
export class Identity {
  /**
   * The sub-attributes that identify a value, the indexed one first: `[value]` for members,
   * `[value, type]` for typed values, every sub-attribute of a complex value without `value`
   * (addresses); empty for a simple attribute, which its whole value identifies.
   */
  readonly subs: readonly AttributeDefinition[];
  /** The `value` sub-attribute when the list is indexed by it; otherwise the whole value is. */
  readonly indexed: AttributeDefinition | undefined;
  private readonly whole: AttributeDefinition;
  private readonly type: AttributeDefinition | undefined;
  private readonly valueCaseExact: boolean;

  constructor(attribute: AttributeDefinition) {
    this.whole = { ...attribute, multiValued: false };
    const value = attribute.subAttributes.find((sub) => sub.name === 'value');
    const type = attribute.subAttributes.find((sub) => sub.name === 'type');
    if (attribute.type !== 'complex') this.subs = [];
    else if (value === undefined) this.subs = attribute.subAttributes;
    else if (type === undefined || isValueIdentity(attribute)) this.subs = [value];
    else this.subs = [value, type];
    this.indexed = attribute.type === 'complex' ? value : undefined;
    this.type = this.subs.length === 2 ? type : undefined;
    this.valueCaseExact = value !== undefined && isCaseExact(value);
  }

  /** What the list is indexed by: the `value` sub-attribute's key, or the whole value's. */
  indexKey(element: unknown): string {
    if (this.indexed === undefined) return attributeValueKey(this.whole, element);
    if (!isJsonObject(element)) return '';
    const raw = element.value;
    // Strings (nearly every value) skip the generic key.
    if (typeof raw === 'string') return `s${this.valueCaseExact ? raw : caseFold(raw)}`;
    return `j${attributeValueKey(this.indexed, raw)}`;
  }

  /** The key of one identifying sub-attribute, or undefined when the element does not give it. */
  partKey(sub: AttributeDefinition, element: unknown): string | undefined {
    if (!isJsonObject(element)) return undefined;
    const raw = element[sub.name];
    if (raw === undefined || raw === null) return undefined;
    return sub === this.indexed ? this.indexKey(element) : attributeValueKey(sub, raw);
  }

  /** Whether two values with equal index keys are one value to an add: a missing type is "". */
  sameValue(a: unknown, b: unknown): boolean {
    if (this.type === undefined) return true;
    return (this.partKey(this.type, a) ?? '') === (this.partKey(this.type, b) ?? '');
  }
}

// Schemas are immutable: an attribute's identity is worked out once per definition object.
const identities = new WeakMap<AttributeDefinition, Identity>();

export function identityOf(attribute: AttributeDefinition): Identity {
  let identity = identities.get(attribute);
  if (identity === undefined) {
    identity = new Identity(attribute);
    identities.set(attribute, identity);
  }
  return identity;
}

/** Whether values are identified by their `value` sub-attribute alone (members). */
export function isValueIdentity(attribute: AttributeDefinition): boolean {
  const value = attribute.subAttributes.find((sub) => sub.name === 'value');
  const type = attribute.subAttributes.find((sub) => sub.name === 'type');
  return (
    attribute.type === 'complex' &&
    value !== undefined &&
    (value.mutability === 'immutable' || type === undefined)
  );
}

// Below this many slots a list is searched by scanning its values' keys: for the few emails or
// phone numbers of a user, building and maintaining a Map costs more than the scan it saves.
const INDEXED_FROM = 16;

/**
 * A multi-valued attribute being edited: removed slots are holes until `values()` compacts them. A
 * short list is scanned; a longer one gets an index from each value's index key to its positions
 * (several when an earlier POST or PUT stored duplicates), which answers every lookup after one pass
 * over the list and is kept up to date from then on.
 */
export class WorkingList {
  private readonly items: unknown[];
  private index: Map<string, number | number[]> | undefined;
  /** Each slot's index key while the list is scanned, computed when first needed. */
  private slotKeys: (string | undefined)[] = [];
  readonly identity: Identity;

  constructor(
    readonly urn: string | undefined,
    readonly attribute: AttributeDefinition,
    original: unknown,
  ) {
    this.items = Array.isArray(original)
      ? [...(original as unknown[])]
      : original === undefined || original === null
        ? []
        : [original];
    this.identity = identityOf(attribute);
  }

  /** The index, built once the list is long enough to need one; undefined while it is scanned. */
  private keys(): Map<string, number | number[]> | undefined {
    if (this.index === undefined && this.items.length >= INDEXED_FROM) {
      const index = new Map<string, number | number[]>();
      for (let position = 0; position < this.items.length; position++) {
        const item = this.items[position];
        if (item !== undefined) indexAdd(index, this.identity.indexKey(item), position);
      }
      this.index = index;
      this.slotKeys = [];
    }
    return this.index;
  }

  private slotKey(position: number): string {
    let key = this.slotKeys[position];
    if (key === undefined) {
      key = this.identity.indexKey(this.items[position]);
      this.slotKeys[position] = key;
    }
    return key;
  }

  /** Positions of the live values. */
  positions(): number[] {
    const out: number[] = [];
    for (let position = 0; position < this.items.length; position++) {
      if (this.items[position] !== undefined) out.push(position);
    }
    return out;
  }

  at(position: number): unknown {
    return this.items[position];
  }

  /** The positions of the live values whose index key is `key`, in list order (a copy). */
  withKey(key: string): number[] {
    const index = this.keys();
    if (index === undefined) {
      const out: number[] = [];
      for (let position = 0; position < this.items.length; position++) {
        if (this.items[position] !== undefined && this.slotKey(position) === key)
          out.push(position);
      }
      return out;
    }
    const at = index.get(key);
    if (at === undefined) return [];
    return typeof at === 'number' ? [at] : [...at];
  }

  /** The position of the first value with the same identity, if there is one. */
  find(element: unknown): number | undefined {
    const key = this.identity.indexKey(element);
    const index = this.keys();
    if (index === undefined) {
      for (let position = 0; position < this.items.length; position++) {
        const item = this.items[position];
        if (
          item !== undefined &&
          this.slotKey(position) === key &&
          this.identity.sameValue(item, element)
        )
          return position;
      }
      return undefined;
    }
    const at = index.get(key);
    if (at === undefined) return undefined;
    if (typeof at === 'number')
      return this.identity.sameValue(this.items[at], element) ? at : undefined;
    return at.find((position) => this.identity.sameValue(this.items[position], element));
  }

  put(position: number, element: unknown): void {
    const before = this.items[position];
    if (this.index === undefined) this.slotKeys[position] = undefined;
    else if (before !== undefined)
      indexRemove(this.index, this.identity.indexKey(before), position);
    this.items[position] = element;
    if (this.index !== undefined) indexAdd(this.index, this.identity.indexKey(element), position);
  }

  append(element: unknown): number {
    this.items.push(element);
    const position = this.items.length - 1;
    if (this.index !== undefined) indexAdd(this.index, this.identity.indexKey(element), position);
    return position;
  }

  delete(position: number): void {
    const before = this.items[position];
    if (before === undefined) return;
    if (this.index !== undefined) indexRemove(this.index, this.identity.indexKey(before), position);
    this.items[position] = undefined;
  }

  clear(): void {
    this.items.length = 0;
    this.slotKeys = [];
    // Kept (empty) when there was one: a replace with many values then finds each in O(1).
    if (this.index !== undefined) this.index = new Map();
  }

  values(): unknown[] {
    return this.items.filter((item) => item !== undefined);
  }
}

// Most keys hold one position: a bare number, so a 100,000-member index allocates no arrays.
function indexAdd(index: Map<string, number | number[]>, key: string, position: number): void {
  const at = index.get(key);
  if (at === undefined) index.set(key, position);
  else if (typeof at === 'number') index.set(key, at < position ? [at, position] : [position, at]);
  else {
    const after = at.findIndex((other) => other > position);
    at.splice(after === -1 ? at.length : after, 0, position);
  }
}

function indexRemove(index: Map<string, number | number[]>, key: string, position: number): void {
  const at = index.get(key);
  if (at === position) index.delete(key);
  else if (Array.isArray(at)) {
    const found = at.indexOf(position);
    if (found !== -1) at.splice(found, 1);
    if (at.length === 1) index.set(key, at[0] as number);
  }
}

/** The resource being patched: containers and lists are copied when first written. */
export class WorkingResource {
  private readonly root: Json;
  /** The extension containers copied so far (most requests touch none). */
  private containers: Map<string, Json> | undefined;
  // A PATCH edits few multi-valued attributes: a short array, searched by (urn, name).
  private readonly lists: WorkingList[] = [];

  constructor(original: ScimResource) {
    this.root = { ...original };
  }

  private holder(urn: string | undefined, forWrite: boolean): Json | undefined {
    if (urn === undefined) return this.root;
    const copied = this.containers?.get(urn);
    if (copied !== undefined) return copied;
    const existing = this.root[urn];
    if (!forWrite) return isJsonObject(existing) ? existing : undefined;
    const copy: Json = isJsonObject(existing) ? { ...existing } : {};
    (this.containers ??= new Map()).set(urn, copy);
    this.root[urn] = copy;
    return copy;
  }

  private listAt(urn: string | undefined, attribute: AttributeDefinition): number {
    const { name } = attribute;
    for (let at = 0; at < this.lists.length; at++) {
      const list = this.lists[at] as WorkingList;
      if (list.urn === urn && list.attribute.name === name) return at;
    }
    return -1;
  }

  get(urn: string | undefined, attribute: AttributeDefinition): unknown {
    const at = this.listAt(urn, attribute);
    if (at !== -1) return (this.lists[at] as WorkingList).values();
    return this.holder(urn, false)?.[attribute.name];
  }

  set(urn: string | undefined, attribute: AttributeDefinition, value: unknown): void {
    const at = this.listAt(urn, attribute);
    if (at !== -1) this.lists.splice(at, 1);
    const holder = this.holder(urn, true) as Json;
    if (value === undefined) delete holder[attribute.name];
    else holder[attribute.name] = value;
  }

  list(urn: string | undefined, attribute: AttributeDefinition): WorkingList {
    const at = this.listAt(urn, attribute);
    if (at !== -1) return this.lists[at] as WorkingList;
    const list = new WorkingList(urn, attribute, this.holder(urn, false)?.[attribute.name]);
    this.lists.push(list);
    return list;
  }

  /** Writes the lists back, drops empty extension containers, and returns the new resource. */
  finish(): Json {
    for (const list of this.lists) {
      const holder = this.holder(list.urn, true) as Json;
      const values = list.values();
      if (values.length === 0) delete holder[list.attribute.name];
      else holder[list.attribute.name] = values;
    }
    if (this.containers === undefined) return this.root;
    for (const [urn, container] of this.containers) {
      if (Object.keys(container).length === 0) delete this.root[urn];
    }
    return this.root;
  }
}
