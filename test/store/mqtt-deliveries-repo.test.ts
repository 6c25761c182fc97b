import { describe, expect, it } from 'vitest';
import { useTempStore } from './temp-store.js';

const temp = useTempStore();

const phone = 'device:mum-phone\u0000phone';
const bridge = 'bridge:zigbee\u0000zigbee2mqtt';
const rows = () => (temp.db.prepare('SELECT count(*) AS n FROM mqtt_delivery_batches').get() as { n: number }).n;

describe('the committed-publishes repository', () => {
  const repo = () => temp.store.mqttDeliveries;
  it('stores a batch as one row, each client named once, and reads it back in order', () => {
    const batch = [
      { client: phone, packetId: 1, digest: 2 ** 48 - 1 },
      { client: bridge, packetId: 65535, digest: 0 },
      { client: phone, packetId: 2, digest: 42 },
    ];
    repo().append(1000, batch);
    repo().append(2000, [{ client: bridge, packetId: 3, digest: 7 }]);
    repo().append(3000, []); // nothing receipt-time in that commit: no row
    expect(rows()).toBe(2);
    expect((temp.db.prepare('SELECT packets FROM mqtt_delivery_batches ORDER BY id LIMIT 1').get() as { packets: string }).packets.split(phone.slice(0, 10))).toHaveLength(2);
    expect([...repo().since(0)]).toEqual([
      { at: 1000, publishes: batch },
      { at: 2000, publishes: [{ client: bridge, packetId: 3, digest: 7 }] },
    ]);
    expect([...repo().since(1001)].map((b) => b.at)).toEqual([2000]);
  });

  it('prunes the batches before a time, and all of them when none is newer', () => {
    for (const at of [1000, 2000, 3000]) repo().append(at, [{ client: phone, packetId: at / 1000, digest: at }]);
    expect(repo().pruneBefore(2000)).toBe(1);
    expect([...repo().since(0)].map((b) => b.at)).toEqual([2000, 3000]);
    expect(repo().pruneBefore(10_000)).toBe(2);
    expect(rows()).toBe(0);
    expect(repo().pruneBefore(10_000)).toBe(0);
  });
});
