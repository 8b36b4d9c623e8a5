import { test } from 'node:test';
import assert from 'node:assert/strict';
import { changedStaticSections, isDynamicSection } from '../src/config/sections.js';

test('services and routes are dynamic; everything else is static', () => {
  assert.deepEqual(['listener', 'admin', 'limits', 'services', 'routes', 'stores'].map(isDynamicSection), [false, false, false, true, true, false]);
});

test('changedStaticSections names changed static sections only, ignoring key order', () => {
  const previous = { listener: { host: '127.0.0.1', port: 8080 }, limits: { a: 1 }, routes: [1] };
  assert.deepEqual(changedStaticSections(previous, { listener: { port: 8080, host: '127.0.0.1' }, limits: { a: 1 }, routes: [2] }), []);
  assert.deepEqual(changedStaticSections(previous, { listener: { host: '0.0.0.0', port: 8080 }, routes: [1], admin: {} }), ['admin', 'limits', 'listener']);
});
