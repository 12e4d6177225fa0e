// Shared test fixtures for the outbound adapters: an OutboundMessage builder and a helper that expects a send to fail
// with a DeliveryError and hands it back for assertions.
import { DEFAULT_TENANT, newConversationId, newOutboxId, type ChannelType } from '../../../src/domain/index.js';
import {
  DeliveryError,
  type OutboundAdapter,
  type OutboundContent,
  type OutboundMessage,
} from '../../../src/transport/outbound/index.js';

export function outboundMessage(
  channel: ChannelType,
  to: string,
  content: OutboundContent,
  context: OutboundMessage['context'] = {},
): OutboundMessage {
  return {
    id: newOutboxId(),
    tenant: DEFAULT_TENANT,
    conversationId: newConversationId(),
    channel,
    to,
    content,
    context,
  };
}

export async function sendFailure(adapter: OutboundAdapter, message: OutboundMessage): Promise<DeliveryError> {
  try {
    await adapter.send(message);
  } catch (error) {
    if (error instanceof DeliveryError) return error;
    throw error;
  }
  throw new Error('expected the send to fail');
}

/** Sentences of about 60 characters, numbered so the order of split parts can be checked. */
export function numberedSentences(count: number): string {
  return Array.from(
    { length: count },
    (_, i) => `Sentence number ${i + 1} explains one more detail of the answer.`,
  ).join(' ');
}
