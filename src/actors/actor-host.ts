// Our small typed wrapper around nact. nact gives each actor a mailbox processed one message at a time; this host
// adds what nact lacks: typed actor kinds, spawn-on-demand by key, state loaded from LMDB on first use, and
// passivation (an idle actor with no write in flight is stopped and dropped, so memory follows active keys, not all
// keys ever seen), and a cap on live actors: past it, the least recently used idle actors are passivated early, so
// memory stays bounded however many distinct keys are active at once (an overload, a campaign reaching 1M customers).
// An actor that throws is stopped too; its next message respawns it from durable state.
import { dispatch, spawn, start, stop, type Ref } from 'nact';
import type { Logger } from 'pino';

/** A live actor instance. `receive` runs one message at a time and must not block; async work it starts (commits)
 * is reported through `isBusy` so the host never passivates an actor with writes in flight. */
export interface Actor<Msg> {
  receive(msg: Msg): void;
  isBusy(): boolean;
  /** Called when the host passivates or stops the actor: clear timers here. */
  passivate?(): void;
}

/** A message may carry a rejecter: if the actor throws while handling it, the caller gets the error. */
export interface Rejectable {
  reject?: (error: unknown) => void;
}

export interface ActorKind<Msg> {
  readonly name: string;
  readonly __msg?: Msg;
}

export function defineKind<Msg>(name: string): ActorKind<Msg> {
  return { name };
}

type Factory<Msg> = (key: string) => Actor<Msg>;

interface KindOptions {
  /** Overrides the host's passivation period for this kind. */
  passivateAfterMs?: number;
}

interface Entry {
  ref: Ref<unknown>;
  actor: Actor<unknown>;
  queued: number;
  lastUsed: number;
}

export interface ActorHostOptions {
  /** Idle time after which an actor is passivated (the node's default is 30 s: `passivateAfterMs`). */
  passivateAfterMs: number;
  /**
   * Most actors (all kinds together) kept in memory. Past it, the least recently used idle ones are passivated
   * before their idle period ends; actors with messages queued or writes in flight are never passivated, so the
   * count can exceed the cap only by those. Undefined: no cap (idle passivation only).
   */
  maxLive?: number;
  logger: Logger;
}

/** Actors each eviction pass may skip at the head of a kind's LRU order because they are busy (bounds its cost). */
const BUSY_SCAN_LIMIT = 64;
/** Most actors one sweep passivates for the cap (about 25 ms of work at ~12 µs each). */
const EVICTIONS_PER_SWEEP = 2_000;

export class ActorHost {
  private readonly system = start();
  private readonly factories = new Map<string, Factory<unknown>>();
  private readonly passivation = new Map<string, number>();
  private readonly entries = new Map<string, Map<string, Entry>>();
  private readonly sweep: NodeJS.Timeout;
  private passivatedTotal = 0;
  private evictedTotal = 0;
  private spawned = 0;

  constructor(private readonly options: ActorHostOptions) {
    // Frequent small sweeps: each one stops only what became idle since the last (a few hundred actors at 400 new
    // customers/s), where a sweep every 30 s stopped tens of thousands at once and held the thread for half a second.
    const every = Math.max(50, Math.min(options.passivateAfterMs / 4, 250));
    this.sweep = setInterval(() => this.passivateIdle(), every);
    this.sweep.unref();
  }

  register<Msg>(kind: ActorKind<Msg>, factory: Factory<Msg>, options: KindOptions = {}): void {
    this.factories.set(kind.name, factory as Factory<unknown>);
    this.passivation.set(kind.name, options.passivateAfterMs ?? this.options.passivateAfterMs);
    this.entries.set(kind.name, new Map());
  }

  /** Delivers a message to the actor for `key`, spawning (and loading) it if it is not in memory. */
  tell<Msg>(kind: ActorKind<Msg>, key: string, msg: Msg): void {
    const live = this.entries.get(kind.name)?.size;
    const entry = this.entry(kind.name, key);
    entry.queued++;
    entry.lastUsed = Date.now();
    dispatch(entry.ref, msg);
    // A spawn over the cap passivates up to two idle actors (never this one: its message is queued), so the count
    // comes back under the cap as fast as new keys arrive, without waiting for the next sweep.
    if (this.options.maxLive !== undefined && this.entries.get(kind.name)?.size !== live) this.evictOverCap(2);
  }

  /** Whether the actor for `key` is currently in memory. */
  isLive(kind: ActorKind<unknown>, key: string): boolean {
    return this.entries.get(kind.name)?.has(key) ?? false;
  }

  count(kind: ActorKind<unknown>): number {
    return this.entries.get(kind.name)?.size ?? 0;
  }

  /** Actors passivated so far: idle, or evicted over the cap. */
  get passivated(): number {
    return this.passivatedTotal;
  }

  /** Actors passivated early because the live count was over `maxLive`. */
  get evicted(): number {
    return this.evictedTotal;
  }

  /** Actors of every kind in memory now. */
  get live(): number {
    let n = 0;
    for (const byKey of this.entries.values()) n += byKey.size;
    return n;
  }

  /** The actor for `key`, spawned if needed, moved to the most-recently-used end of its kind's map. */
  private entry(kindName: string, key: string): Entry {
    const byKey = this.entries.get(kindName);
    const factory = this.factories.get(kindName);
    if (byKey === undefined || factory === undefined) throw new Error(`unknown actor kind ${kindName}`);
    const existing = byKey.get(key);
    if (existing !== undefined) {
      // Least-recently-used order (re-insert at the end), so a passivation sweep reads only the idle head.
      byKey.delete(key);
      byKey.set(key, existing);
      return existing;
    }

    const actor = factory(key);
    const entry: Entry = { ref: undefined as unknown as Ref<unknown>, actor, queued: 0, lastUsed: Date.now() };
    const log = this.options.logger;
    entry.ref = spawn(
      this.system,
      (state: undefined, msg: unknown) => {
        entry.queued--;
        try {
          actor.receive(msg);
        } catch (error) {
          log.error({ err: error, kind: kindName, key }, 'actor failed; stopping it so it reloads from durable state');
          (msg as Rejectable).reject?.(error);
          this.drop(kindName, key, entry);
        }
        return state;
      },
      // nact names must be URI-safe; our keys are not, and we look actors up by key ourselves.
      `${kindName}-${++this.spawned}`,
    );
    byKey.set(key, entry);
    return entry;
  }

  private drop(kindName: string, key: string, entry: Entry): void {
    const byKey = this.entries.get(kindName);
    if (byKey?.get(key) !== entry) return;
    byKey.delete(key);
    entry.actor.passivate?.();
    stop(entry.ref);
  }

  /** Stops actors idle for longer than the passivation period with nothing queued and nothing in flight. */
  passivateIdle(now = Date.now()): number {
    let stopped = 0;
    for (const [kindName, byKey] of this.entries) {
      const cutoff = now - (this.passivation.get(kindName) ?? this.options.passivateAfterMs);
      for (const [key, entry] of byKey) {
        if (entry.lastUsed > cutoff) break; // LRU order: everything after this one was used more recently
        if (entry.queued === 0 && !entry.actor.isBusy()) {
          this.drop(kindName, key, entry);
          stopped++;
        }
      }
    }
    this.passivatedTotal += stopped;
    // Bounded, like the idle sweep: a large excess (the cap lowered at a restart) is worked off over a few sweeps.
    return stopped + this.evictOverCap(EVICTIONS_PER_SWEEP);
  }

  /**
   * Passivates the least recently used idle actors (across kinds) while more than `maxLive` are in memory, at most
   * `budget` of them. Returns how many were passivated.
   */
  evictOverCap(budget: number): number {
    const cap = this.options.maxLive;
    if (cap === undefined) return 0;
    let excess = this.live - cap;
    let evicted = 0;
    while (excess > 0 && evicted < budget) {
      let victim: { kindName: string; key: string; entry: Entry } | undefined;
      for (const [kindName, byKey] of this.entries) {
        let scanned = 0;
        for (const [key, entry] of byKey) {
          if (entry.queued === 0 && !entry.actor.isBusy()) {
            if (victim === undefined || entry.lastUsed < victim.entry.lastUsed) victim = { kindName, key, entry };
            break;
          }
          if (++scanned >= BUSY_SCAN_LIMIT) break;
        }
      }
      if (victim === undefined) break; // everything near the LRU heads is busy: try again at the next sweep
      this.drop(victim.kindName, victim.key, victim.entry);
      evicted++;
      excess--;
    }
    this.passivatedTotal += evicted;
    this.evictedTotal += evicted;
    return evicted;
  }

  close(): void {
    clearInterval(this.sweep);
    for (const [kindName, byKey] of this.entries) {
      for (const [key, entry] of byKey) this.drop(kindName, key, entry);
    }
    stop(this.system);
  }
}
