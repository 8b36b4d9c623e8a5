/**
 * Which top-level sections of the config are dynamic (validated whole, compiled and swapped on
 * reload) and which are static (read at start; changing them needs a restart). Any section not
 * listed as dynamic is static, so new static sections need no change here.
 */
export const DYNAMIC_SECTIONS: readonly string[] = ['services', 'routes'];

export function isDynamicSection(key: string): boolean {
  return DYNAMIC_SECTIONS.includes(key);
}

/** The static sections whose value differs between two configs: a reload cannot apply these. */
export function changedStaticSections(previous: Record<string, unknown>, next: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(previous), ...Object.keys(next)]);
  return [...keys].filter((key) => !isDynamicSection(key) && JSON.stringify(previous[key]) !== JSON.stringify(next[key])).sort();
}
