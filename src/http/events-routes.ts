import { PassThrough } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import type { CareRouteServices } from '../alerts/care-services.js';
import type { LiveSink, LiveSubscriber } from '../alerts/live-feed.js';
import { callerOf, ErrorReply } from './authenticate.js';

/**
 * GET /api/events (DESIGN.md, "HTTP"; issue 5, item 7): server-sent events, filtered by role
 * (src/alerts/live-feed.ts decides what each stream receives and when it ends).
 *
 * A client that stops reading (a phone in a tunnel) is dropped once this much is waiting for it,
 * rather than the hub buffering for it without bound.
 */
const MAX_BUFFERED_BYTES = 256 * 1024;

export const eventsRoutes: FastifyPluginAsync<{ services: CareRouteServices }> = async (app, { services }) => {
  const { liveFeed } = services;

  app.get(
    '/api/events',
    {
      config: { permission: 'events.read' },
      schema: {
        summary: 'Live events (server-sent events), filtered by what your role may read',
        description: [
          'text/event-stream. Each event has an id, a name and JSON data: alert (alerts.read; sensor faults with faults.read), incident (alerts.read),',
          'care-log (care-log.read), household (household.read), circle (circle.read), device (devices.read: health and door state, no coordinates),',
          'door and pillbox (readings.read), position (positions.read; opening a stream that carries positions is written to the audit log).',
          'Readings are coalesced to the latest per device, a few times a second. A comment line every 25 s keeps proxies from closing the stream.',
          'The stream ends with an `end` event when the session ends or is revoked, or the role changes. 503 too_many_streams when the hub is serving its maximum.',
        ].join(' '),
        tags: ['events'],
        response: {
          200: { description: 'The event stream', content: { 'text/event-stream': { schema: Type.String() } } },
          503: ErrorReply,
        },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const subscriber: LiveSubscriber = {
        userId: caller.user.id,
        role: caller.user.role,
        credential: caller.via === 'session' ? { kind: 'session', sessionId: caller.sessionId } : { kind: 'api-token', tokenId: caller.apiTokenId },
      };
      const stream = new PassThrough();
      const socket = reply.raw;
      const sink: LiveSink = {
        write(frame) {
          // Queued here, in the pipe, and in the socket: all of it is waiting for this client.
          if (stream.writableLength + stream.readableLength + socket.writableLength > MAX_BUFFERED_BYTES) return false;
          stream.write(frame);
          return true;
        },
        end: () => stream.end(),
        destroy: () => {
          stream.destroy();
          socket.destroy();
        },
      };
      const opened = liveFeed.open(subscriber, sink);
      if (!opened.ok) {
        stream.destroy();
        return reply.code(503).header('retry-after', '30').send({ error: opened.error, detail: 'the hub is serving as many live streams as it can; try again shortly' });
      }
      socket.on('close', opened.close);
      return reply
        .header('content-type', 'text/event-stream; charset=utf-8')
        .header('cache-control', 'no-store')
        // nginx and similar proxies buffer responses unless told not to.
        .header('x-accel-buffering', 'no')
        .send(stream);
    },
  );
};
