// Indexes of agents for matching without scanning everyone:
//  - agents who may take an offer now (online, connected, some free capacity) by skill × language, by skill, by
//    language, and all of them: a routing decision looks only at the set its relaxation level allows;
//  - agents online (connected, any load) per skill × language and per skill, with their summed capacity: the
//    servers of each queue for the wait-time model and queue status.
// The router calls update(agent) after anything that may change an agent's membership; it is a no-op when nothing did.
import type { AgentActor } from './agent-actor.js';

interface Snapshot {
  available: boolean;
  online: boolean;
  version: number;
  capacity: number;
  skills: string[];
  languages: string[];
}

export interface ServerCount {
  agents: number;
  capacity: number;
}

const EMPTY: ReadonlySet<AgentActor> = new Set();

export function queueKey(skill: string, language: string): string {
  return `${skill}:${language}`;
}

export class AgentIndex {
  readonly availableAll = new Set<AgentActor>();
  private readonly availableBySkillLang = new Map<string, Set<AgentActor>>();
  private readonly availableBySkill = new Map<string, Set<AgentActor>>();
  private readonly availableByLang = new Map<string, Set<AgentActor>>();
  private readonly onlineBySkillLang = new Map<string, ServerCount>();
  private readonly onlineBySkill = new Map<string, ServerCount>();
  private readonly snapshots = new Map<AgentActor, Snapshot>();

  update(agent: AgentActor): void {
    const available = agent.available && agent.free > 0;
    const online = agent.available;
    const old = this.snapshots.get(agent);
    if (
      old !== undefined &&
      old.available === available &&
      old.online === online &&
      old.version === agent.profileVersion &&
      old.capacity === agent.capacity
    ) {
      return;
    }
    if (old !== undefined) this.apply(agent, old, -1);
    const next: Snapshot = {
      available,
      online,
      version: agent.profileVersion,
      capacity: agent.capacity,
      skills: [...agent.skills.keys()],
      languages: [...agent.languages],
    };
    this.snapshots.set(agent, next);
    this.apply(agent, next, 1);
  }

  remove(agent: AgentActor): void {
    const old = this.snapshots.get(agent);
    if (old !== undefined) this.apply(agent, old, -1);
    this.snapshots.delete(agent);
  }

  /** Available agents with this skill and language ('und': any language). */
  bySkillLanguage(skill: string, language: string): ReadonlySet<AgentActor> {
    if (language === 'und') return this.availableBySkill.get(skill) ?? EMPTY;
    return this.availableBySkillLang.get(queueKey(skill, language)) ?? EMPTY;
  }

  /** Available agents who speak the language ('und': everyone available). */
  byLanguage(language: string): ReadonlySet<AgentActor> {
    if (language === 'und') return this.availableAll;
    return this.availableByLang.get(language) ?? EMPTY;
  }

  /** Online agents (any load) serving a queue, and their summed capacity. */
  servers(skill: string, language: string): ServerCount {
    const count =
      language === 'und' ? this.onlineBySkill.get(skill) : this.onlineBySkillLang.get(queueKey(skill, language));
    return count ?? { agents: 0, capacity: 0 };
  }

  private apply(agent: AgentActor, snap: Snapshot, sign: 1 | -1): void {
    if (snap.available) {
      if (sign > 0) this.availableAll.add(agent);
      else this.availableAll.delete(agent);
      for (const skill of snap.skills) {
        toggle(this.availableBySkill, skill, agent, sign);
        for (const lang of snap.languages) toggle(this.availableBySkillLang, queueKey(skill, lang), agent, sign);
      }
      for (const lang of snap.languages) toggle(this.availableByLang, lang, agent, sign);
    }
    if (snap.online) {
      for (const skill of snap.skills) {
        count(this.onlineBySkill, skill, snap.capacity, sign);
        for (const lang of snap.languages) count(this.onlineBySkillLang, queueKey(skill, lang), snap.capacity, sign);
      }
    }
  }
}

function toggle(map: Map<string, Set<AgentActor>>, key: string, agent: AgentActor, sign: 1 | -1): void {
  let set = map.get(key);
  if (sign > 0) {
    if (set === undefined) map.set(key, (set = new Set()));
    set.add(agent);
  } else if (set !== undefined) {
    set.delete(agent);
    if (set.size === 0) map.delete(key);
  }
}

function count(map: Map<string, ServerCount>, key: string, capacity: number, sign: 1 | -1): void {
  let c = map.get(key);
  if (c === undefined) map.set(key, (c = { agents: 0, capacity: 0 }));
  c.agents += sign;
  c.capacity += sign * capacity;
  if (c.agents <= 0) map.delete(key);
}
