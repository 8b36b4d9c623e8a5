/**
 * Turns authorize rules into per-method checks once, at config load: a method table, exact scope
 * sets and claim predicates over pre-split paths. At request time a decision is a Map lookup plus
 * a few Set lookups.
 */
import type { Principal } from '../../pipeline/types.js';
import type { AuthorizeConfig, AuthorizeRule, ClaimRule } from './schema.js';

export type Decision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly reason: 'insufficient_scope'; readonly scope: string }
  | { readonly allowed: false; readonly reason: 'claim' | 'no_rule' };

export type CompiledRule = (principal: Principal) => Decision;

const ALLOW: Decision = { allowed: true };
const CLAIM: Decision = { allowed: false, reason: 'claim' };
const NO_RULE: Decision = { allowed: false, reason: 'no_rule' };

export interface CompiledRules {
  forMethod(method: string): CompiledRule;
}

export function compileRules(config: AuthorizeConfig): CompiledRules {
  const byMethod = new Map<string, CompiledRule>();
  let fallback: CompiledRule | undefined;
  for (const rule of config.rules) {
    const compiled = compileRule(rule);
    if (rule.methods === undefined) {
      // A catch-all shadows every later rule.
      fallback = compiled;
      break;
    }
    for (const m of rule.methods) if (!byMethod.has(m)) byMethod.set(m, compiled);
  }
  const other: CompiledRule = fallback ?? ((config.otherMethods ?? 'deny') === 'allow' ? () => ALLOW : () => NO_RULE);
  return { forMethod: (method) => byMethod.get(method) ?? other };
}

function compileRule(rule: AuthorizeRule): CompiledRule {
  const allOf = rule.scopes?.allOf ?? [];
  const anyOf = rule.scopes?.anyOf ?? [];
  const claimChecks = (rule.claims ?? []).map(compileClaim);
  const insufficient: Decision = { allowed: false, reason: 'insufficient_scope', scope: [...allOf, ...anyOf].join(' ') };
  return (principal) => {
    const scopes = principal.scopes;
    for (const s of allOf) if (!scopes.has(s)) return insufficient;
    if (anyOf.length > 0 && !anyOf.some((s) => scopes.has(s))) return insufficient;
    for (const check of claimChecks) if (!check(principal.claims)) return CLAIM;
    return ALLOW;
  };
}

function compileClaim(rule: ClaimRule): (claims: Readonly<Record<string, unknown>>) => boolean {
  const path = rule.claim.split('.');
  const read = (claims: Readonly<Record<string, unknown>>): unknown => {
    let v: unknown = claims;
    for (const part of path) {
      if (typeof v !== 'object' || v === null || !Object.hasOwn(v, part)) return undefined;
      v = (v as Record<string, unknown>)[part];
    }
    return v;
  };
  if ('equals' in rule) {
    const expected = rule.equals;
    return (claims) => read(claims) === expected;
  }
  if ('in' in rule) {
    const allowed = new Set<unknown>(rule.in);
    return (claims) => {
      const v = read(claims);
      return (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') && allowed.has(v);
    };
  }
  const needle = rule.includes;
  return (claims) => {
    const v = read(claims);
    return Array.isArray(v) ? v.includes(needle) : v === needle;
  };
}
