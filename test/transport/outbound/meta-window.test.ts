// Meta's messaging window for Messenger and Instagram replies: a standard reply within 24 hours of the customer's last
// message, the HUMAN_AGENT tag for a human agent up to 7 days, and nothing after that (refused before any request).
import { createMetaSendAdapter, metaSendPayloads } from '../../../src/transport/outbound/index.js';
import { outboundMessage, sendFailure } from './fixtures.js';

const NOW = Date.UTC(2026, 10, 25, 12);
const HOUR = 3600_000;

function reply(hoursAgo: number, humanAgent: boolean) {
  return outboundMessage(
    'messenger',
    '1254477777772919',
    { type: 'text', text: 'Hello again' },
    {
      lastCustomerMessageAt: NOW - hoursAgo * HOUR,
      humanAgent,
    },
  );
}

test('within 24 hours: a standard reply', () => {
  for (const agent of [true, false]) {
    expect(metaSendPayloads('messenger', reply(23, agent), NOW)[0]).toMatchObject({ messaging_type: 'RESPONSE' });
  }
});

test('between 24 hours and 7 days: only a human agent may answer, with the HUMAN_AGENT tag', () => {
  expect(metaSendPayloads('instagram', reply(30, true), NOW)[0]).toMatchObject({
    messaging_type: 'MESSAGE_TAG',
    tag: 'HUMAN_AGENT',
  });
  expect(() => metaSendPayloads('messenger', reply(30, false), NOW)).toThrow(/only a human agent/);
});

test('after 7 days nothing is sent: refused before any request, not retryable', async () => {
  let calls = 0;
  const adapter = createMetaSendAdapter(
    { channel: 'messenger', apiVersion: 'v21.0', pageAccessToken: 'token', baseUrl: 'http://127.0.0.1:9' },
    async () => {
      calls++;
      throw new Error('must not be called');
    },
    () => NOW,
  );
  const error = await sendFailure(adapter, reply(8 * 24, true));
  expect([error.retryable, error.providerCode, calls]).toEqual([false, 'WINDOW_CLOSED', 0]);
});
