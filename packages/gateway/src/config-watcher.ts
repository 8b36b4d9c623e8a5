/**
 * Watches the config file for changes and calls `onChange` once per burst of events. The
 * directory is watched, not the file: editors save by writing a temporary file and renaming it
 * over the original, which would orphan a watch on the file's old inode.
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

export interface ConfigWatcher {
  close(): void;
}

export function watchConfigFile(file: string, onChange: () => void, debounceMs = 150): ConfigWatcher {
  const absolute = resolve(file);
  const name = basename(absolute);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const watcher: FSWatcher = watch(dirname(absolute), { persistent: false }, (_event, changed) => {
    if (changed !== null && changed.toString() !== name) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      onChange();
    }, debounceMs);
    timer.unref();
  });
  // A watcher error (directory removed) must not take the gateway down; reloads stay available.
  watcher.on('error', () => undefined);
  return {
    close() {
      if (timer !== undefined) clearTimeout(timer);
      watcher.close();
    },
  };
}
