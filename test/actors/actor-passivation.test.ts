// The actor host's passivation: actors idle past the period leave memory in least-recently-used order, busy ones
// stay, and a sweep reads only the idle head of each kind (tells move an actor to the back).
import pino from 'pino';
import { ActorHost, defineKind, type Actor } from '../../src/actors/actor-host';

interface Ping {
  type: 'ping';
}

class Counter implements Actor<Ping> {
  received = 0;
  busy = false;
  passivated = false;
  receive(): void {
    this.received++;
  }
  isBusy(): boolean {
    return this.busy;
  }
  passivate(): void {
    this.passivated = true;
  }
}

const KIND = defineKind<Ping>('counter');

function host(): { host: ActorHost; actors: Map<string, Counter> } {
  const actors = new Map<string, Counter>();
  const h = new ActorHost({ passivateAfterMs: 1_000, logger: pino({ level: 'silent' }) });
  h.register(KIND, (key) => {
    const actor = new Counter();
    actors.set(key, actor);
    return actor;
  });
  return { host: h, actors };
}

test('only actors idle past the period are stopped; a busy one stays; a recent tell keeps an old actor', async () => {
  const { host: h, actors } = host();
  const realNow = Date.now;
  let now = 1_000_000;
  Date.now = () => now;
  try {
    for (const key of ['a', 'b', 'c', 'd']) h.tell(KIND, key, { type: 'ping' });
    await new Promise((r) => setImmediate(r)); // let nact deliver
    now += 600;
    h.tell(KIND, 'a', { type: 'ping' }); // 'a' moves to the back of the LRU order
    await new Promise((r) => setImmediate(r));
    (actors.get('c') as Counter).busy = true;
    now += 600; // b, c, d idle 1.2 s; a idle 0.6 s
    expect(h.passivateIdle(now)).toBe(2);
    expect(['a', 'b', 'c', 'd'].map((k) => h.isLive(KIND, k))).toEqual([true, false, true, false]);
    expect(actors.get('b')?.passivated).toBe(true);
    (actors.get('c') as Counter).busy = false;
    expect(h.passivateIdle(now)).toBe(1); // c, no longer busy
    now += 600;
    expect(h.passivateIdle(now)).toBe(1); // a
    expect(h.count(KIND)).toBe(0);
    h.tell(KIND, 'b', { type: 'ping' }); // comes back on demand, as a fresh actor
    expect(h.isLive(KIND, 'b')).toBe(true);
  } finally {
    Date.now = realNow;
    h.close();
  }
});

describe('live-actor cap', () => {
  const OTHER = defineKind<Ping>('other');

  function capped(maxLive: number): { host: ActorHost; actors: Map<string, Counter> } {
    const actors = new Map<string, Counter>();
    const h = new ActorHost({ passivateAfterMs: 60_000, maxLive, logger: pino({ level: 'silent' }) });
    for (const kind of [KIND, OTHER]) {
      h.register(kind, (key) => {
        const actor = new Counter();
        actors.set(`${kind.name}/${key}`, actor);
        return actor;
      });
    }
    return { host: h, actors };
  }
  const delivered = () => new Promise((r) => setImmediate(r));

  test('past the cap, the least recently used idle actors of any kind leave memory; busy ones stay', async () => {
    const { host: h, actors } = capped(3);
    const realNow = Date.now;
    let now = 1_000_000;
    Date.now = () => now;
    try {
      for (const [kind, key] of [
        [KIND, 'a'],
        [OTHER, 'b'],
        [KIND, 'c'],
      ] as const) {
        h.tell(kind, key, { type: 'ping' });
        now += 10;
      }
      await delivered();
      expect(h.live).toBe(3);
      (actors.get('counter/a') as Counter).busy = true; // a write in flight: never evicted
      h.tell(OTHER, 'd', { type: 'ping' }); // 4 > 3: the oldest idle one (b) goes, not the busy a
      await delivered();
      expect(h.live).toBe(3);
      expect(h.isLive(KIND, 'a')).toBe(true);
      expect(h.isLive(OTHER, 'b')).toBe(false);
      expect(actors.get('other/b')?.passivated).toBe(true);
      expect(h.evicted).toBe(1);
      now += 10;
      h.tell(KIND, 'e', { type: 'ping' }); // next oldest idle: c
      await delivered();
      expect([h.isLive(KIND, 'c'), h.isLive(KIND, 'e'), h.isLive(OTHER, 'd')]).toEqual([false, true, true]);
      // Everything else busy: the new actor's own message is queued, so it is never its own victim.
      for (const key of ['counter/e', 'other/d']) (actors.get(key) as Counter).busy = true;
      h.tell(KIND, 'f', { type: 'ping' });
      expect(h.isLive(KIND, 'f')).toBe(true);
      expect(h.live).toBe(4); // over the cap only by busy actors
      await delivered();
      expect(actors.get('counter/f')?.received).toBe(1);
      // The sweep finishes the job once something is idle again; a passivated actor comes back on demand.
      (actors.get('counter/a') as Counter).busy = false;
      expect(h.passivateIdle(now)).toBe(1);
      expect(h.isLive(KIND, 'a')).toBe(false);
      h.tell(KIND, 'a', { type: 'ping' });
      await delivered();
      expect(actors.get('counter/a')?.received).toBe(1); // a fresh actor (the factory made a new one)
      expect(h.live).toBe(3); // a's return evicted the idle f; e and d stay, busy
      expect([h.isLive(KIND, 'f'), h.isLive(KIND, 'e'), h.isLive(OTHER, 'd')]).toEqual([false, true, true]);
    } finally {
      Date.now = realNow;
      h.close();
    }
  });

  test('a stream of new keys keeps the live count at the cap', async () => {
    const { host: h } = capped(100);
    try {
      for (let i = 0; i < 5_000; i++) {
        h.tell(i % 2 === 0 ? KIND : OTHER, `k${i}`, { type: 'ping' });
        if (i % 50 === 49) await delivered();
        expect(h.live).toBeLessThanOrEqual(100 + 50); // queued actors may not be evicted until delivered
      }
      await delivered();
      h.passivateIdle(Date.now());
      expect(h.live).toBe(100);
      expect(h.evicted).toBe(4_900);
    } finally {
      h.close();
    }
  });
});
