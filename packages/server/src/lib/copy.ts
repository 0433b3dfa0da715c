// A shallow copy with some fields set, as `{ ...source, ...fields }` makes it, without its cost on
// V8 11 (Node 20). A spread followed by more properties, at a call site that has seen objects of
// many shapes (a resource, an event: every write passes a few such sites), gives each copy a hidden
// class of its own. Each copy then costs a new map, and every later property read of it misses the
// inline caches. Measured on Node 20: about 3 µs per copy and read, against 0.3 µs for this.

/**
 * `{ ...source, ...fields }`, copied with `Object.assign`; typed as both, since the fields only ever
 * add keys or give an existing one a value of its own type. An object with an own `__proto__` key
 * (a JSON body can have one) takes the spread: `Object.assign` would set the copy's prototype.
 */
export function copyWith<Source extends object, Fields extends object>(
  source: Source,
  fields: Fields,
): Source & Fields {
  if (Object.hasOwn(source, '__proto__') || Object.hasOwn(fields, '__proto__'))
    return { ...source, ...fields };
  return Object.assign(Object.assign({}, source), fields);
}
