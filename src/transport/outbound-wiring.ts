// Builds the outbound adapters a node's configuration enables: a channel without credentials has no adapter, and
// its deliveries fail at once (non-retryable, logged) instead of retrying forever.
import type { OmniConfig } from '../config/index.js';
import type { ChannelType } from '../domain/index.js';
import type { OutboundAdapter } from './outbound/outbound-adapter.js';

export function buildOutboundAdapters(_config: OmniConfig): Partial<Record<ChannelType, OutboundAdapter>> {
  return {};
}
