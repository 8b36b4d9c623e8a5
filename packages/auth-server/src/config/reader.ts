/**
 * A tiny typed reader over an untyped YAML tree that collects every problem with its path instead
 * of stopping at the first, so one run of the server lists everything wrong with the file.
 */
export interface Reader {
  problems: string[];
  obj(value: unknown, path: string): Record<string, unknown>;
  str(obj: Record<string, unknown>, key: string, path: string, def?: string): string;
  optStr(obj: Record<string, unknown>, key: string, path: string): string | undefined;
  int(obj: Record<string, unknown>, key: string, path: string, def: number, min: number, max?: number): number;
  bool(obj: Record<string, unknown>, key: string, path: string, def: boolean): boolean;
  strList(obj: Record<string, unknown>, key: string, path: string, def?: string[]): string[];
  list(obj: Record<string, unknown>, key: string, path: string): unknown[];
  known(obj: Record<string, unknown>, keys: string[], path: string): void;
}

const at = (path: string, key: string) => (path ? `${path}.${key}` : key);

export function createReader(): Reader {
  const problems: string[] = [];
  return {
    problems,
    obj(value, path) {
      if (value === undefined || value === null) return {};
      if (typeof value !== 'object' || Array.isArray(value)) {
        problems.push(`${path || '(root)'}: must be a mapping`);
        return {};
      }
      return value as Record<string, unknown>;
    },
    str(obj, key, path, def) {
      const value = obj[key];
      if ((value === undefined || value === '') && def !== undefined) return def;
      if (typeof value !== 'string' || value === '') {
        problems.push(`${at(path, key)}: must be a non-empty string`);
        return '';
      }
      return value;
    },
    optStr(obj, key, path) {
      const value = obj[key];
      if (value === undefined || value === null || value === '') return undefined;
      if (typeof value !== 'string') {
        problems.push(`${at(path, key)}: must be a string`);
        return undefined;
      }
      return value;
    },
    int(obj, key, path, def, min, max) {
      let value = obj[key];
      if (value === undefined || value === null || value === '') return def;
      // Interpolated values arrive as strings; accept digits so `${TTL:-300}` works.
      if (typeof value === 'string' && /^-?\d+$/.test(value)) value = Number(value);
      if (typeof value !== 'number' || !Number.isInteger(value) || value < min || (max !== undefined && value > max)) {
        problems.push(`${at(path, key)}: must be an integer ${max === undefined ? `>= ${min}` : `between ${min} and ${max}`}`);
        return def;
      }
      return value;
    },
    bool(obj, key, path, def) {
      const value = obj[key];
      if (value === undefined || value === null || value === '') return def;
      if (value === true || value === 'true') return true;
      if (value === false || value === 'false') return false;
      problems.push(`${at(path, key)}: must be true or false`);
      return def;
    },
    strList(obj, key, path, def) {
      const value = obj[key];
      if ((value === undefined || value === null) && def) return def;
      // A space- or comma-separated string is accepted too, which is how scopes are usually written.
      if (typeof value === 'string') return value.split(/[\s,]+/).filter(Boolean);
      if (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || item === '')) {
        problems.push(`${at(path, key)}: must be a list of non-empty strings`);
        return def ?? [];
      }
      return value as string[];
    },
    list(obj, key, path) {
      const value = obj[key];
      if (value === undefined || value === null) return [];
      if (!Array.isArray(value)) {
        problems.push(`${at(path, key)}: must be a list`);
        return [];
      }
      return value;
    },
    known(obj, keys, path) {
      for (const key of Object.keys(obj)) {
        if (!keys.includes(key)) problems.push(`${at(path, key)}: unknown field (allowed: ${keys.join(', ')})`);
      }
    },
  };
}
