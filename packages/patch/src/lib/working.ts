// Copy-on-write view of a resource: the original is never mutated, and only what an operation touches
// is copied (a 100,000-member group costs one array copy per touched attribute, not a deep clone).
import {
  attributeValueKey,
  caseFold,
  type AttributeDefinition,
  type ScimResource,
  isJsonObject,
} from '@scim/core';

type Json = Record<string, unknown>;

/**
 * How two values of a multi-valued attribute are "the same value": members by `value` (their other
 * sub-attributes are immutable), typed values such as emails by (type, value) as RFC 7643 §2.4
 * describes, anything else by the whole value.
 */
const identities = new WeakMap<AttributeDefinition, (element: unknown) => string>();

export function identityOf(attribute: AttributeDefinition): (element: unknown) => string {
  let identity = identities.get(attribute);
  if (identity === undefined) {
    identity = buildIdentity(attribute);
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

function buildIdentity(attribute: AttributeDefinition): (element: unknown) => string {
  const whole = { ...attribute, multiValued: false };
  if (attribute.type !== 'complex') return (element) => attributeValueKey(whole, element);
  const value = attribute.subAttributes.find((sub) => sub.name === 'value');
  if (value === undefined) return (element) => attributeValueKey(whole, element);
  const valueKey = (element: unknown): string => {
    if (!isJsonObject(element)) return '';
    const raw = element.value;
    // Strings (nearly every value) skip the generic key: fold case unless caseExact.
    if (typeof raw === 'string') return `s${value.caseExact ? raw : caseFold(raw)}`;
    return `j${attributeValueKey(value, raw)}`;
  };
  if (isValueIdentity(attribute)) return valueKey;
  return (element) => {
    const kind =
      isJsonObject(element) && typeof element.type === 'string' ? caseFold(element.type) : '';
    return `${kind}\u0000${valueKey(element)}`;
  };
}

/** A multi-valued attribute being edited: removed slots are holes until `values()` compacts them. */
export class WorkingList {
  private readonly items: unknown[];
  private index: Map<string, number> | undefined;
  private readonly identity: (element: unknown) => string;

  constructor(
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

  private keys(): Map<string, number> {
    if (this.index === undefined) {
      this.index = new Map();
      this.items.forEach((item, position) => {
        if (item !== undefined) this.index?.set(this.identity(item), position);
      });
    }
    return this.index;
  }

  /** Positions of the live values. */
  positions(): number[] {
    const out: number[] = [];
    this.items.forEach((item, position) => {
      if (item !== undefined) out.push(position);
    });
    return out;
  }

  at(position: number): unknown {
    return this.items[position];
  }

  /** The position of the value with the same identity, if there is one (O(1) after one O(n) pass). */
  find(element: unknown): number | undefined {
    return this.keys().get(this.identity(element));
  }

  put(position: number, element: unknown): void {
    const before = this.items[position];
    if (before !== undefined && this.index !== undefined) this.index.delete(this.identity(before));
    this.items[position] = element;
    this.index?.set(this.identity(element), position);
  }

  append(element: unknown): number {
    this.items.push(element);
    this.index?.set(this.identity(element), this.items.length - 1);
    return this.items.length - 1;
  }

  delete(position: number): void {
    const before = this.items[position];
    if (before === undefined) return;
    this.index?.delete(this.identity(before));
    this.items[position] = undefined;
  }

  clear(): void {
    this.items.length = 0;
    this.index = new Map();
  }

  values(): unknown[] {
    return this.items.filter((item) => item !== undefined);
  }
}

/** The resource being patched: containers and lists are copied when first written. */
export class WorkingResource {
  private readonly root: Json;
  private readonly containers = new Map<string, Json>();
  private readonly lists = new Map<string, WorkingList>();

  constructor(original: ScimResource) {
    this.root = { ...original };
  }

  private holder(urn: string | undefined, forWrite: boolean): Json | undefined {
    if (urn === undefined) return this.root;
    const copied = this.containers.get(urn);
    if (copied !== undefined) return copied;
    const existing = this.root[urn];
    if (!forWrite) return isJsonObject(existing) ? existing : undefined;
    const copy: Json = isJsonObject(existing) ? { ...existing } : {};
    this.containers.set(urn, copy);
    this.root[urn] = copy;
    return copy;
  }

  get(urn: string | undefined, attribute: AttributeDefinition): unknown {
    const list = this.lists.get(listKey(urn, attribute));
    if (list !== undefined) return list.values();
    return this.holder(urn, false)?.[attribute.name];
  }

  set(urn: string | undefined, attribute: AttributeDefinition, value: unknown): void {
    this.lists.delete(listKey(urn, attribute));
    const holder = this.holder(urn, true) as Json;
    if (value === undefined) delete holder[attribute.name];
    else holder[attribute.name] = value;
  }

  list(urn: string | undefined, attribute: AttributeDefinition): WorkingList {
    const key = listKey(urn, attribute);
    let list = this.lists.get(key);
    if (list === undefined) {
      list = new WorkingList(attribute, this.holder(urn, false)?.[attribute.name]);
      this.lists.set(key, list);
    }
    return list;
  }

  /** Writes the lists back, drops empty extension containers, and returns the new resource. */
  finish(): Json {
    for (const [key, list] of this.lists) {
      const [urn, name] = splitListKey(key);
      const holder = this.holder(urn, true) as Json;
      const values = list.values();
      if (values.length === 0) delete holder[name];
      else holder[name] = values;
    }
    this.lists.clear();
    for (const [urn, container] of this.containers) {
      if (Object.keys(container).length === 0) delete this.root[urn];
    }
    return this.root;
  }
}

function listKey(urn: string | undefined, attribute: AttributeDefinition): string {
  return `${urn ?? ''}\u0000${attribute.name}`;
}

function splitListKey(key: string): [string | undefined, string] {
  const cut = key.indexOf('\u0000');
  const urn = key.slice(0, cut);
  return [urn === '' ? undefined : urn, key.slice(cut + 1)];
}
