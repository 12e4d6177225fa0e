// Web chat adapter over a real socket.io server and client on 127.0.0.1: the emitter the gateway would inject pushes
// to the visitor's room and waits for the browser's acknowledgement; no socket means a retryable VISITOR_OFFLINE.
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import {
  createWebchatAdapter,
  type WebchatEmitter,
  type WebchatPayload,
} from '../../../src/transport/outbound/index.js';
import { outboundMessage, sendFailure } from './fixtures.js';

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);

describe('web chat adapter over socket.io', () => {
  let http: HttpServer;
  let io: Server;
  let url: string;
  let browser: Socket;
  const received: WebchatPayload[] = [];

  /** What the webchat gateway injects: emit to the visitor's room, true if a connected socket acknowledged. */
  const emitter: WebchatEmitter = async (visitorId, event, payload) => {
    const acks: unknown[] = await io.to(`visitor:${visitorId}`).timeout(2000).emitWithAck(event, payload);
    return acks.length > 0;
  };

  beforeAll(async () => {
    http = createServer();
    io = new Server(http);
    io.on('connection', (socket) => {
      const visitorId = socket.handshake.auth.visitorId as string;
      void socket.join(`visitor:${visitorId}`);
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    browser = connect(url, { auth: { visitorId: 'vis_1' }, transports: ['websocket'] });
    browser.on('message', (payload: WebchatPayload, ack: (reply: string) => void) => {
      received.push(payload);
      ack('ok');
    });
    await new Promise<void>((resolve) => browser.on('connect', () => resolve()));
    // The join happens in the server's connection handler; wait until the room has the socket.
    while ((await io.in('visitor:vis_1').fetchSockets()).length === 0) await new Promise((r) => setTimeout(r, 5));
  });
  afterAll(async () => {
    browser.disconnect();
    await io.close();
  });
  beforeEach(() => {
    received.length = 0;
  });

  test('pushes {id, text, at} to the visitor and reports the outbox id', async () => {
    const webchat = createWebchatAdapter({}, emitter, () => NOW);
    const message = outboundMessage('webchat', 'vis_1', { type: 'text', text: 'Hi! How can I help?' });
    const result = await webchat.send(message);
    expect(webchat.channel).toBe('webchat');
    expect(result).toEqual({ providerMessageIds: [message.id], details: { event: 'message' } });
    expect(received).toEqual([{ id: message.id, text: 'Hi! How can I help?', at: NOW }]);
  });

  test('media carries the attachment and the caption as text', async () => {
    const webchat = createWebchatAdapter({}, emitter, () => NOW);
    const message = outboundMessage('webchat', 'vis_1', {
      type: 'media',
      mediaKind: 'document',
      url: 'https://cdn.example.com/guide.pdf',
      caption: 'The guide',
      fileName: 'guide.pdf',
    });
    await webchat.send(message);
    expect(received).toEqual([
      {
        id: message.id,
        text: 'The guide',
        at: NOW,
        media: { kind: 'document', url: 'https://cdn.example.com/guide.pdf', fileName: 'guide.pdf' },
      },
    ]);
  });

  test('a visitor with no connected socket is VISITOR_OFFLINE, retryable', async () => {
    const webchat = createWebchatAdapter({}, emitter, () => NOW);
    const error = await sendFailure(webchat, outboundMessage('webchat', 'vis_gone', { type: 'text', text: 'Hello?' }));
    expect(error).toMatchObject({ retryable: true, providerCode: 'VISITOR_OFFLINE' });
    expect(received).toHaveLength(0);
  });

  test('an emitter failure is retryable; a template is refused', async () => {
    const broken = createWebchatAdapter({}, () => Promise.reject(new Error('adapter down')));
    const error = await sendFailure(broken, outboundMessage('webchat', 'vis_1', { type: 'text', text: 'x' }));
    expect(error).toMatchObject({ retryable: true, providerCode: 'EMIT_FAILED' });
    const template = await sendFailure(
      createWebchatAdapter({}, emitter),
      outboundMessage('webchat', 'vis_1', { type: 'template', name: 't', language: 'en', parameters: [] }),
    );
    expect(template).toMatchObject({ retryable: false, providerCode: 'UNSUPPORTED_CONTENT' });
  });
});
