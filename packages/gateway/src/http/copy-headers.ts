/**
 * A copy of a header object that stays cheap to add fields to. In V8 (Node 20) the object made by
 * `{ ...headers }` (or `{ ...headers, name: value }`) gets a map without transitions of its own,
 * so every field added to the copy builds a new map: about 2 µs for three added fields against
 * about 60 ns with `Object.assign` (a loop of 2M copies of a stored response's headers). A cache
 * hit adds Age, Cache-Status and X-Request-Id to its copy.
 */
export function copyHeaders<T>(headers: Readonly<Record<string, T>>): Record<string, T> {
  return Object.assign({}, headers);
}
