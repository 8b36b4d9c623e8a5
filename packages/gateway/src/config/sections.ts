/**
 * Which top-level sections of the config are dynamic (validated whole, compiled and swapped on
 * reload) and which are static (read at start; changing them needs a restart). Any section not
 * listed as dynamic is static, so new static sections need no change here.
 */
export const DYNAMIC_SECTIONS: readonly string[] = ['services', 'routes'];

export function isDynamicSection(key: string): boolean {
  return DYNAMIC_SECTIONS.includes(key);
}

/**
 * The static sections whose value differs between two configs: a reload cannot apply these.
 * Key order does not count, so moving options around in the file is not a change.
 */
export function changedStaticSections(previous: Record<string, unknown>, next: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(previous), ...Object.keys(next)]);
  return [...keys].filter((key) => !isDynamicSection(key) && stableJson(previous[key]) !== stableJson(next[key])).sort();
}

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item !== null && typeof item === 'object' && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : item,
  );
}
