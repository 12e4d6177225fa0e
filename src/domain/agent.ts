// Human agents (Requirements 6, 9). Routing state lives in the agent actors of a later issue; this is the shared shape.
import type { ChannelType } from './channel.js';
import type { AgentId } from './ids.js';
import type { TenantId } from './tenant.js';

export type AgentStatus = 'online' | 'away' | 'offline';

export interface AgentSkill {
  skill: string;
  /** 1 (basic) to 5 (expert). */
  level: number;
}

export interface Agent {
  id: AgentId;
  tenantId: TenantId;
  name: string;
  skills: AgentSkill[];
  languages: string[];
  status: AgentStatus;
  /** Concurrent conversation capacity (Requirement 6.4, default 5). */
  capacity: number;
  /** Capacity units one conversation on a channel uses (a voice call may take the whole capacity). */
  channelWeights: Partial<Record<ChannelType, number>>;
  performanceScore: number;
}
