import { checkAuthConfig } from '../auth/config-checks.js';
import { configError, type ConfigError, type ConfigErrorCode, type PathPart } from './config-error.js';

/**
 * Cross-section checks owned by the features they concern (they know what their sections mean),
 * run here so the loader, and `portero validate`, report them with every other problem. Each
 * takes the whole defaulted config, which may still contain schema errors.
 */
const CHECKERS: ReadonlyArray<{ code: ConfigErrorCode; check: (config: unknown) => ReadonlyArray<{ path: readonly PathPart[]; message: string }> }> = [
  // auth.issuers consistency, and routes' jwtAuth filters against auth.issuers.
  { code: 'CONFIG_AUTH', check: checkAuthConfig },
];

export function checkSections(config: unknown): ConfigError[] {
  return CHECKERS.flatMap(({ code, check }) => check(config).map((problem) => configError(code, problem.path, problem.message)));
}
