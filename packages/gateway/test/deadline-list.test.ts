/**
 * DeadlineList on a manual clock: entries fire exactly at their deadline (never before), in
 * deadline order with ties in insertion order; remove() and re-add() behave; an entry added from
 * inside onDeadline works; ms <= 0 fires on the next advance(0); and however many entries come and
 * go, the list never holds more than one scheduler timer. Ends with a seeded random stress run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeadlineList, DeadlineTimers, type DeadlineEntry } from '../src/retry/deadline-list.js';
import { createManualClock } from '../src/health/manual-clock.js';

type Fired = [id: string, at: number];

/** A list on a manual clock starting at 0, and entries that record (id, clock.now()) when fired. */
function setup() {
  const clock = createManualClock(0);
  const list = new DeadlineList(clock.now, clock.scheduler);
  const fired: Fired[] = [];
  const entry = (id: string, then?: () => void): DeadlineEntry => ({
    deadlineAt: 0,
    deadlinePrev: undefined,
    deadlineNext: undefined,
    deadlineLinked: false,
    onDeadline() {
      fired.push([id, clock.now()]);
      then?.();
    },
  });
  return { clock, list, fired, entry };
}

/** A small deterministic LCG (Numerical Recipes constants) returning [0, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

test('equal timeouts fire in insertion order at their deadline, not before', () => {
  const { clock, list, fired, entry } = setup();
  const [a, b, c] = [entry('a'), entry('b'), entry('c')];
  list.add(a, 100);
  list.add(b, 100);
  list.add(c, 100);
  assert.equal(list.size(), 3);
  clock.advance(10);
  const d = entry('d');
  list.add(d, 100); // deadline 110

  clock.advance(89); // t = 99
  assert.deepEqual(fired, []);
  assert.equal(list.size(), 4);
  clock.advance(1); // t = 100
  assert.deepEqual(fired, [['a', 100], ['b', 100], ['c', 100]]);
  assert.equal(list.size(), 1);
  for (const e of [a, b, c]) {
    assert.equal(e.deadlineLinked, false);
    assert.equal(e.deadlineAt, 100);
    assert.equal(e.deadlinePrev, undefined);
    assert.equal(e.deadlineNext, undefined);
  }
  clock.advance(9); // t = 109
  assert.equal(fired.length, 3);
  clock.advance(1); // t = 110
  assert.deepEqual(fired.slice(3), [['d', 110]]);
  assert.equal(list.size(), 0);
  clock.advance(1000);
  assert.equal(fired.length, 4, 'each fires once');
});

test('unequal timeouts fire in deadline order; a shorter timeout than the head re-arms the timer', () => {
  const { clock, list, fired, entry } = setup();
  // Each added later with a shorter timeout than the ones before it.
  list.add(entry('a'), 300);
  list.add(entry('b'), 200);
  list.add(entry('c'), 100);
  list.add(entry('d'), 200); // ties with b: after b
  list.add(entry('e'), 150); // between c and b
  clock.advance(99);
  assert.deepEqual(fired, []);
  clock.advance(1);
  assert.deepEqual(fired, [['c', 100]]);
  clock.advance(49);
  assert.equal(fired.length, 1);
  clock.advance(1);
  assert.deepEqual(fired, [['c', 100], ['e', 150]]);
  clock.advance(200);
  assert.deepEqual(fired, [['c', 100], ['e', 150], ['b', 200], ['d', 200], ['a', 300]]);
  assert.equal(list.size(), 0);

  // The timer waits for a far head; a much nearer entry must not wait for it.
  const t0 = clock.now();
  fired.length = 0;
  list.add(entry('far'), 1000);
  assert.equal(clock.pending(), 1);
  clock.advance(5);
  list.add(entry('near'), 10); // deadline t0 + 15
  assert.equal(clock.pending(), 1, 're-armed, not a second timer');
  clock.advance(9);
  assert.deepEqual(fired, []);
  clock.advance(1);
  assert.deepEqual(fired, [['near', t0 + 15]]);
  clock.advance(1000);
  assert.deepEqual(fired, [['near', t0 + 15], ['far', t0 + 1000]]);
});

test('remove() before the deadline: the entry never fires and the others keep their times', () => {
  const { clock, list, fired, entry } = setup();
  const [a, b, c, d] = [entry('a'), entry('b'), entry('c'), entry('d')];
  list.add(a, 100);
  list.add(b, 200);
  list.add(c, 300);
  list.add(d, 400);
  clock.advance(50);
  list.remove(a); // the head; the timer still waits for 100
  assert.equal(a.deadlineLinked, false);
  assert.equal(a.deadlinePrev, undefined, 'an unlinked entry keeps no references into the list');
  assert.equal(a.deadlineNext, undefined);
  assert.equal(list.size(), 3);
  clock.advance(149); // t = 199: past a's old deadline, b not yet due
  assert.deepEqual(fired, [], 'removing the head does not make the next one fire early');
  clock.advance(1);
  assert.deepEqual(fired, [['b', 200]]);
  list.remove(c); // the new head, removed while the timer waits for it
  clock.advance(199); // t = 399
  assert.deepEqual(fired, [['b', 200]]);
  clock.advance(1);
  assert.deepEqual(fired, [['b', 200], ['d', 400]]);
  clock.advance(1000);
  assert.deepEqual(fired, [['b', 200], ['d', 400]], 'removed entries never fire');
  assert.equal(list.size(), 0);
});

test('remove() of a middle or tail entry unlinks only that entry', () => {
  const { clock, list, fired, entry } = setup();
  const [a, b, c, d] = [entry('a'), entry('b'), entry('c'), entry('d')];
  for (const [e, ms] of [[a, 10], [b, 20], [c, 30], [d, 40]] as const) list.add(e, ms);
  list.remove(b);
  list.remove(d);
  assert.equal(list.size(), 2);
  for (const e of [b, d]) {
    assert.equal(e.deadlineLinked, false);
    assert.equal(e.deadlinePrev, undefined);
    assert.equal(e.deadlineNext, undefined);
  }
  clock.advance(100);
  assert.deepEqual(fired, [['a', 10], ['c', 30]]);
});

test('remove() of an entry that is not linked is a no-op', () => {
  const { clock, list, fired, entry } = setup();
  const [a, b, never] = [entry('a'), entry('b'), entry('never')];
  list.add(a, 10);
  list.add(b, 20);
  list.remove(never); // never added
  assert.equal(list.size(), 2);
  clock.advance(10);
  assert.deepEqual(fired, [['a', 10]]);
  list.remove(a); // already fired
  list.remove(a);
  assert.equal(list.size(), 1);
  clock.advance(10);
  assert.deepEqual(fired, [['a', 10], ['b', 20]]);
  list.remove(b); // already fired, list now empty
  assert.equal(list.size(), 0);

  const c = entry('c');
  list.add(c, 5);
  list.remove(c);
  list.remove(c); // removed twice
  assert.equal(list.size(), 0);
  const e = entry('e');
  list.add(e, 5);
  clock.advance(5);
  assert.deepEqual(fired, [['a', 10], ['b', 20], ['e', 25]]);
});

test('add() of an entry already linked moves it: it fires once, at the new deadline', () => {
  const { clock, list, fired, entry } = setup();
  const [a, b] = [entry('a'), entry('b')];
  list.add(a, 100);
  list.add(b, 150);
  clock.advance(20);
  list.add(a, 200); // later: 220
  assert.equal(list.size(), 2);
  clock.advance(130); // t = 150
  assert.deepEqual(fired, [['b', 150]]);
  clock.advance(69); // t = 219
  assert.deepEqual(fired, [['b', 150]]);
  clock.advance(1);
  assert.deepEqual(fired, [['b', 150], ['a', 220]]);

  // Moved earlier, ahead of the head the timer waits for.
  const [c, d] = [entry('c'), entry('d')];
  list.add(c, 500); // 720
  list.add(d, 300); // 520
  clock.advance(10); // t = 230
  list.add(c, 50); // 280
  assert.equal(list.size(), 2);
  assert.ok(clock.pending() <= 1);
  clock.advance(49);
  assert.equal(fired.length, 2);
  clock.advance(1);
  assert.deepEqual(fired.slice(2), [['c', 280]]);
  clock.advance(1000);
  assert.deepEqual(fired.slice(2), [['c', 280], ['d', 520]], 'c fired once; d kept its time');
});

test('never more than one scheduler timer; none left once everything fired or was removed', () => {
  const { clock, list, fired, entry } = setup();
  const check = (where: string) => assert.ok(clock.pending() <= 1, `${where}: ${clock.pending()} timers pending`);
  const n = 200;
  const entries = Array.from({ length: n }, (_, i) => entry(`e${i}`));
  // Mixed timeouts: each new entry is sometimes the new head, sometimes not.
  entries.forEach((e, i) => {
    list.add(e, ((i * 37) % 101) * 10 + (i % 2 === 0 ? 1000 : 5));
    check(`add ${i}`);
  });
  assert.equal(list.size(), n);
  for (let i = 0; i < n; i += 3) {
    list.remove(entries[i]!);
    check(`remove ${i}`);
  }
  for (let i = 1; i < n; i += 7) {
    list.add(entries[i]!, 3 * i); // moves (or adds back one removed above)
    check(`move ${i}`);
  }
  const waiting = entries.filter((e) => e.deadlineLinked).length;
  assert.equal(list.size(), waiting);
  for (let i = 0; i < 400; i++) {
    // 2800 ms in steps of 7: past every deadline (the latest is at 2000).
    clock.advance(7);
    check(`t=${clock.now()}`);
  }
  assert.equal(fired.length, waiting, 'every waiting entry fired, once');
  assert.equal(list.size(), 0);
  assert.ok(clock.pending() <= 1);
  clock.advance(10_000);
  assert.equal(clock.pending(), 0, 'an idle list holds no timer');

  // Everything removed before firing: the stale timer finds nothing, fires nothing, and goes.
  const before = fired.length;
  const batch = Array.from({ length: 50 }, (_, i) => entry(`r${i}`));
  batch.forEach((e, i) => {
    list.add(e, 100 - i);
    check(`add r${i}`);
  });
  for (const e of batch) {
    list.remove(e);
    check('remove');
  }
  assert.equal(list.size(), 0);
  assert.ok(clock.pending() <= 1);
  clock.advance(1000);
  assert.equal(fired.length, before);
  assert.equal(clock.pending(), 0);
});

test('an onDeadline that adds entries: each new entry fires at its own deadline', () => {
  const { clock, list, fired, entry } = setup();
  const later = entry('later');
  const now = entry('now');
  list.add(
    entry('a', () => {
      list.add(later, 50); // 150
      list.add(now, 0); // 100, in the same advance
    }),
    100,
  );
  list.add(entry('b'), 300);
  clock.advance(99);
  assert.deepEqual(fired, []);
  clock.advance(1);
  assert.deepEqual(fired, [['a', 100], ['now', 100]]);
  clock.advance(49);
  assert.equal(fired.length, 2);
  clock.advance(1);
  assert.deepEqual(fired.slice(2), [['later', 150]]);
  clock.advance(1000);
  assert.deepEqual(fired.slice(2), [['later', 150], ['b', 300]]);
  assert.equal(list.size(), 0);
  assert.ok(clock.pending() <= 1);

  // An entry that re-adds itself from its own onDeadline, every 70.
  const t0 = clock.now();
  fired.length = 0;
  let ticks = 0;
  const tick: DeadlineEntry = entry('tick', () => {
    if (++ticks < 3) list.add(tick, 70);
  });
  list.add(tick, 70);
  clock.advance(1000);
  assert.deepEqual(fired, [['tick', t0 + 70], ['tick', t0 + 140], ['tick', t0 + 210]]);
  assert.equal(clock.pending(), 0);
});

test('an onDeadline that removes an entry due at the same time: it does not fire', () => {
  const { clock, list, fired, entry } = setup();
  const b = entry('b');
  list.add(entry('a', () => list.remove(b)), 100);
  list.add(b, 100);
  list.add(entry('c'), 100);
  clock.advance(100);
  assert.deepEqual(fired, [['a', 100], ['c', 100]]);
});

// During expire() an add() from onDeadline arms the timer for the new entry; an entry already
// waiting with an earlier deadline must still get the timer at its own time.
test('an onDeadline that adds a later entry: an entry already waiting still fires on time', () => {
  const { clock, list, fired, entry } = setup();
  const x = entry('x');
  list.add(entry('a', () => list.add(x, 500)), 100); // x due at 600
  list.add(entry('y'), 200);
  clock.advance(1000);
  assert.deepEqual(fired, [['a', 100], ['y', 200], ['x', 600]]); // got y at 600
});

test('an entry re-adding itself from onDeadline does not delay another waiting entry', () => {
  const { clock, list, fired, entry } = setup();
  let ticks = 0;
  const tick: DeadlineEntry = entry('tick', () => {
    if (++ticks < 3) list.add(tick, 70);
  });
  list.add(tick, 70);
  list.add(entry('a'), 100);
  clock.advance(1000);
  assert.deepEqual(fired, [['tick', 70], ['a', 100], ['tick', 140], ['tick', 210]]); // got a at 140
});

test('ms of 0 or negative fires on the next advance(0), not inside add()', () => {
  const { clock, list, fired, entry } = setup();
  clock.advance(40);
  list.add(entry('later'), 100); // 140
  list.add(entry('zero'), 0);
  list.add(entry('negative'), -50); // clamped to now: ties with zero, after it
  list.add(entry('zero2'), 0);
  assert.deepEqual(fired, []);
  assert.equal(list.size(), 4);
  assert.ok(clock.pending() <= 1);
  clock.advance(0);
  assert.deepEqual(fired, [['zero', 40], ['negative', 40], ['zero2', 40]]);
  assert.equal(list.size(), 1);
  clock.advance(99);
  assert.equal(fired.length, 3);
  clock.advance(1);
  assert.deepEqual(fired.slice(3), [['later', 140]]);
});

test('stress: 500 entries, random timeouts and removals; each survivor fires once, on time, in deadline order', () => {
  const { clock, list, fired, entry } = setup();
  const random = lcg(20240611);
  const int = (n: number) => Math.floor(random() * n);
  const count = 500;
  type Rec = { e: DeadlineEntry; seq: number; deadline: number; removed: boolean };
  const recs = new Map<string, Rec>();
  const check = () => assert.ok(clock.pending() <= 1, `${clock.pending()} timers pending at t=${clock.now()}`);

  for (let i = 0; i < count; i++) {
    const id = `e${i}`;
    const e = entry(id);
    const ms = int(10) === 0 ? -int(20) : int(1000); // some 0 or negative
    recs.set(id, { e, seq: i, deadline: clock.now() + Math.max(0, ms), removed: false });
    list.add(e, ms);
    check();
    if (int(3) === 0) {
      // Remove a random earlier entry; only one still linked counts as removed.
      const victim = recs.get(`e${int(i + 1)}`)!;
      if (victim.e.deadlineLinked) victim.removed = true;
      list.remove(victim.e);
      check();
    }
    if (int(4) === 0) {
      clock.advance(int(30));
      check();
    }
  }
  const linked = [...recs.values()].filter((r) => r.e.deadlineLinked).length;
  assert.equal(list.size(), linked);
  const last = Math.max(...[...recs.values()].map((r) => r.deadline));
  while (clock.now() <= last) {
    clock.advance(int(50));
    check();
  }
  assert.equal(list.size(), 0);
  clock.advance(10_000);
  assert.equal(clock.pending(), 0);

  const removed = [...recs.values()].filter((r) => r.removed);
  assert.ok(removed.length > 50, `only ${removed.length} removed`); // the run exercises removal
  const firedIds = fired.map(([id]) => id);
  assert.equal(new Set(firedIds).size, firedIds.length, 'no entry fires twice');
  for (const r of removed) assert.ok(!firedIds.includes(`e${r.seq}`), `removed e${r.seq} fired`);
  assert.equal(fired.length, count - removed.length, 'every entry not removed fires');

  let prev: Rec | undefined;
  for (const [id, at] of fired) {
    const r = recs.get(id)!;
    assert.ok(at >= r.deadline, `${id} fired at ${at}, before its deadline ${r.deadline}`);
    assert.equal(at, r.deadline, `${id} fired at ${at}, deadline ${r.deadline} (the manual clock is exact)`);
    if (prev !== undefined) {
      assert.ok(r.deadline >= prev.deadline, `${id} (deadline ${r.deadline}) fired after e${prev.seq} (deadline ${prev.deadline})`);
      if (r.deadline === prev.deadline) assert.ok(r.seq > prev.seq, `tie: ${id} fired after e${prev.seq}, added later`);
    }
    prev = r;
  }
});

test('an onDeadline that throws: the entries still waiting keep a timer and fire on time', () => {
  const { clock, list, fired, entry } = setup();
  list.add(
    entry('boom', () => {
      throw new Error('callback bug');
    }),
    100,
  );
  list.add(entry('later'), 200);
  assert.throws(() => clock.advance(100), /callback bug/);
  assert.equal(clock.pending(), 1);
  clock.advance(100);
  assert.deepEqual(fired, [['boom', 100], ['later', 200]]);
});

test('DeadlineTimers: one list per timeout value, each with at most one timer; mixed timeouts fire in deadline order; idle lists are dropped', () => {
  const { clock, fired, entry } = setup();
  const timers = new DeadlineTimers(clock.now, clock.scheduler);
  const slow = Array.from({ length: 100 }, (_, i) => entry(`slow${i}`));
  for (const e of slow) timers.add(e, 30_000);
  const fast = entry('fast');
  timers.add(fast, 1000);
  const gone = entry('gone');
  timers.add(gone, 1000);
  timers.remove(gone);
  timers.remove(gone);
  assert.equal(timers.listCount, 2);
  assert.ok(clock.pending() <= 2);
  // Moving an entry to another timeout takes it out of its first list.
  const moved = entry('moved');
  timers.add(moved, 30_000);
  timers.add(moved, 500);
  clock.advance(1000);
  assert.deepEqual(fired, [['moved', 500], ['fast', 1000]]);
  // The 500 and 1000 lists fired empty: dropped; the 30 s list is still in use.
  assert.equal(timers.listCount, 1);
  for (const e of slow.slice(1)) timers.remove(e);
  clock.advance(29_000);
  assert.deepEqual(fired.slice(2), [['slow0', 30_000]]);
  assert.equal(timers.listCount, 0);
  assert.equal(clock.pending(), 0);
  // A timeout used again after its list was dropped gets a new one.
  timers.add(entry('again'), 1000);
  clock.advance(1000);
  assert.deepEqual(fired.at(-1), ['again', 31_000]);
});
