import { describe, expect, it } from 'vitest';
import { isHomewardError } from '../../src/core/errors.js';
import { MAX_PUSH_PLAINTEXT_BYTES, pushPayload, type PushPayload } from '../../src/notify/web-push/push-payload.js';
import { nightExitMessage } from './night-exit-message.js';

/** The JSON the service worker reads, within RFC 8291's 3,993 bytes (issue 7, items 3 and 5). */
const nightExit = nightExitMessage;
const token = `v1.${'c'.repeat(140)}.${'s'.repeat(43)}`;
const read = (bytes: Buffer) => JSON.parse(bytes.toString('utf8')) as PushPayload;

describe('push payload', () => {
  it('carries what to show, where to go, and the "I\'m on it" token only on a message that offers it', () => {
    expect(read(pushPayload(nightExit, token))).toEqual({
      v: 1,
      kind: 'alert',
      title: 'Front door opened at night',
      body: 'Open it to see what is happening.',
      url: '/incidents/i1',
      tag: 'alert:a1',
      severity: 'urgent',
      acknowledge: { alertId: 'a1', token },
    });
    expect(read(pushPayload({ ...nightExit, acknowledgeable: false }, token)).acknowledge).toBeUndefined();
    expect(read(pushPayload({ ...nightExit, kind: 'acknowledged', acknowledgeable: false })).tag).toBe('alert:a1');
  });

  it('shortens a body too long in bytes by whole characters, keeping title, URL and token, and fits', () => {
    // 1,000 characters of four bytes each: within the notifier's character limit, over the byte limit.
    const body = '🚪'.repeat(1000);
    const bytes = pushPayload({ ...nightExit, body, title: '🌙'.repeat(200) }, token);
    expect(bytes.length).toBeLessThanOrEqual(MAX_PUSH_PLAINTEXT_BYTES);
    const payload = read(bytes);
    expect(payload.title).toBe('🌙'.repeat(200));
    expect(payload.acknowledge?.token).toBe(token);
    expect(payload.body.endsWith('🚪…')).toBe(true);
    expect(payload.body).not.toContain('\uFFFD');
    // As much as fits: one more character would not.
    const kept = [...payload.body].length - 1;
    expect(Buffer.byteLength(JSON.stringify({ ...payload, body: `${'🚪'.repeat(kept + 1)}…` }))).toBeGreaterThan(MAX_PUSH_PLAINTEXT_BYTES);
  });

  it('refuses with a coded error (HW_USAGE payload_too_large) what cannot fit even without its body', () => {
    let caught: unknown;
    try {
      pushPayload({ ...nightExit, url: `/alerts/${'x'.repeat(4000)}` }, token);
    } catch (error) {
      caught = error;
    }
    expect(isHomewardError(caught, 'HW_USAGE')).toBe(true);
    expect((caught as Error).message).toMatch(/^a push message needs at most 3993 bytes; this one needs \d+ even without its body$/);
    expect((caught as { details: unknown }).details).toMatchObject({ reply: 'payload_too_large' });
  });
});
