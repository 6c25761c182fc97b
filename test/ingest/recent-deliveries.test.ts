import { describe, expect, it } from 'vitest';
import { mqttDelivery, RESEND_WINDOW_MS } from '../../src/ingest/mqtt-delivery.js';
import { createRecentDeliveries, PUBLISHES_PER_CLIENT } from '../../src/ingest/recent-deliveries.js';

const T = Date.UTC(2026, 10, 24, 2, 0, 0);
const publish = (packetId: number, payload = '{"contact":false}', clientId = 'zigbee2mqtt') =>
  mqttDelivery('bridge:zigbee', clientId, packetId, 'zigbee2mqtt/front door', Buffer.from(payload));

describe('the recent deliveries index', () => {
  it('knows a publish sent again under the same packet id, with the same topic and payload, from the same client', () => {
    const recent = createRecentDeliveries();
    recent.remember(publish(7), T);
    expect(recent.isResend(publish(7), T + 8_000)).toBe(true);
    expect(recent.isResend(publish(8), T + 8_000)).toBe(false);
    expect(recent.isResend(publish(7, '{"contact":true}'), T + 8_000)).toBe(false);
    expect(recent.isResend(publish(7, undefined, 'another-bridge'), T + 8_000)).toBe(false);
  });

  it('forgets a publish outside the window, either side (the clock may have been set back)', () => {
    const recent = createRecentDeliveries();
    recent.remember(publish(7), T);
    expect(recent.isResend(publish(7), T + RESEND_WINDOW_MS)).toBe(true);
    expect(recent.isResend(publish(7), T + RESEND_WINDOW_MS + 1)).toBe(false);
    expect(recent.isResend(publish(7), T - RESEND_WINDOW_MS - 1)).toBe(false);
  });

  it('a packet id used again for a new payload is that payload from then on', () => {
    const recent = createRecentDeliveries(4);
    recent.remember(publish(7, 'a'), T);
    recent.remember(publish(7, 'b'), T + 1);
    expect(recent.isResend(publish(7, 'a'), T + 2)).toBe(false);
    expect(recent.isResend(publish(7, 'b'), T + 2)).toBe(true);
    // The ring comes round over the slot that held 'a': the newer 'b' under id 7 must survive that.
    recent.remember(publish(1), T + 3);
    recent.remember(publish(2), T + 4);
    recent.remember(publish(3), T + 5);
    expect(recent.isResend(publish(7, 'b'), T + 6)).toBe(true);
    recent.remember(publish(4), T + 6);
    expect(recent.isResend(publish(7, 'b'), T + 7)).toBe(false);
  });

  it(`keeps each client's last ${PUBLISHES_PER_CLIENT} publishes as the ring grows, and no more`, () => {
    const recent = createRecentDeliveries();
    const count = PUBLISHES_PER_CLIENT + 100;
    const ids = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
    const known = () => ids(1, count).filter((id) => recent.isResend(publish(id, `reading ${id}`), T));
    for (const id of ids(1, 100)) recent.remember(publish(id, `reading ${id}`), T);
    expect(known()).toEqual(ids(1, 100)); // grown from 16 to 128 on the way, nothing lost
    for (const id of ids(101, count)) recent.remember(publish(id, `reading ${id}`), T);
    expect(known()).toEqual(ids(101, count));
    // Another client's publishes are not pushed out by this one's.
    recent.remember(publish(1, 'x', 'other'), T);
    for (let id = 2; id <= 3000; id++) recent.remember(publish(id, 'y'), T);
    expect(recent.isResend(publish(1, 'x', 'other'), T)).toBe(true);
  });

  it('forgets whole clients that committed nothing since a time, so a quiet hub holds nothing', () => {
    const recent = createRecentDeliveries();
    recent.remember(publish(1, 'a', 'left'), T);
    recent.remember(publish(1, 'a', 'stays'), T);
    recent.remember(publish(2, 'b', 'stays'), T + RESEND_WINDOW_MS);
    recent.forgetBefore(T + 1);
    expect(recent.clientCount()).toBe(1);
    expect(recent.isResend(publish(1, 'a', 'left'), T)).toBe(false);
    expect(recent.isResend(publish(2, 'b', 'stays'), T + RESEND_WINDOW_MS)).toBe(true);
  });
});

describe('forgetting a publish whose commit failed', () => {
  it('forgets that publish only, so its resend is stored and the others are still known', () => {
    const recent = createRecentDeliveries();
    recent.remember(publish(6), T);
    recent.remember(publish(7), T + 1);
    recent.forget(publish(7), T + 1);
    expect(recent.isResend(publish(7), T + 2)).toBe(false);
    expect(recent.isResend(publish(6), T + 2)).toBe(true);
    // Not a publish remembered at another time, nor another payload under the id.
    recent.forget(publish(6), T + 1);
    recent.forget(publish(6, 'other'), T);
    expect(recent.isResend(publish(6), T + 2)).toBe(true);
  });
});
