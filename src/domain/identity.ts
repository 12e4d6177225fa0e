// Customer identities: how a sender address maps to one customer across channels. Phone-addressed channels
// (WhatsApp, SMS, voice) share the `phone` identity, email uses `email`, other channels their own user id space.
import { PHONE_ADDRESSED_CHANNELS, type ChannelType } from './channel.js';

export type Identity =
  | { kind: 'phone'; value: string }
  | { kind: 'email'; value: string }
  | { kind: 'channel'; channel: ChannelType; value: string };

/** A stable string form, used as the identity actor's key and the LMDB key suffix. */
export function identityKey(identity: Identity): string {
  return identity.kind === 'channel'
    ? `channel:${identity.channel}:${identity.value}`
    : `${identity.kind}:${identity.value}`;
}

/**
 * Normalizes a phone number to E.164-like form: `+` and digits only. Numbers without a `+` are taken as already
 * carrying their country code (providers such as WhatsApp send `15551234567`). Returns undefined if too short/long.
 */
export function normalizePhone(raw: string): string | undefined {
  const trimmed = raw.trim().replace(/^whatsapp:/i, '');
  const digits = trimmed.replace(/^00/, '').replace(/\D/g, '');
  if (digits.length < 6 || digits.length > 15) return undefined;
  return `+${digits}`;
}

const EMAIL_PATTERN = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;

/** Lower-cases an email address (the common provider behaviour); returns undefined if it is not an address. */
export function normalizeEmail(raw: string): string | undefined {
  const trimmed = raw.trim().toLowerCase();
  return EMAIL_PATTERN.test(trimmed) ? trimmed : undefined;
}

/** The identity a channel's sender address denotes. */
export function senderIdentity(channel: ChannelType, from: string): Identity | undefined {
  if (PHONE_ADDRESSED_CHANNELS.has(channel)) {
    const phone = normalizePhone(from);
    return phone === undefined ? undefined : { kind: 'phone', value: phone };
  }
  if (channel === 'email') {
    const email = normalizeEmail(from);
    return email === undefined ? undefined : { kind: 'email', value: email };
  }
  const value = from.trim();
  return value.length === 0 ? undefined : { kind: 'channel', channel, value };
}

/**
 * Resolution order for a message's identities: phone first, then email, then channel ids. Two messages of one person
 * that share their first identity are resolved by the same identity actor, one after the other, which is what makes
 * simultaneous first contacts on two channels race-free.
 */
export function orderIdentities(identities: readonly Identity[]): Identity[] {
  const rank = (i: Identity): number => (i.kind === 'phone' ? 0 : i.kind === 'email' ? 1 : 2);
  const seen = new Set<string>();
  const unique: Identity[] = [];
  for (const identity of identities) {
    const key = identityKey(identity);
    if (!seen.has(key)) {
      seen.add(key);
      unique.push(identity);
    }
  }
  return unique.sort((a, b) => rank(a) - rank(b));
}
