// The channels a customer can reach us on. `api` is a message posted directly by an integrator.
export const CHANNEL_TYPES = [
  'whatsapp',
  'email',
  'webchat',
  'voice',
  'sms',
  'messenger',
  'instagram',
  'telegram',
  'api',
] as const;

export type ChannelType = (typeof CHANNEL_TYPES)[number];

export function isChannelType(value: unknown): value is ChannelType {
  return typeof value === 'string' && (CHANNEL_TYPES as readonly string[]).includes(value);
}

/** Channels whose sender address is a phone number, so they share one identity (Requirement 4.1). */
export const PHONE_ADDRESSED_CHANNELS: ReadonlySet<ChannelType> = new Set(['whatsapp', 'sms', 'voice']);
