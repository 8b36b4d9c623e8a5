/**
 * String formats the config schema uses. TypeBox refuses a format it does not know, so every
 * `format` in config/schema.ts (and in filter schemas) must be registered here before values are
 * checked. Importing this module registers them.
 */
import { FormatRegistry } from '@sinclair/typebox';

function isUri(value: string): boolean {
  // A scheme and something after it; URL.canParse rejects relative references.
  return /^[A-Za-z][A-Za-z0-9+.-]*:/.test(value) && URL.canParse(value);
}

if (!FormatRegistry.Has('uri')) FormatRegistry.Set('uri', isUri);
