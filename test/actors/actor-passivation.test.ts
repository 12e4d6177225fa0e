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
