import { afterEach, describe, expect, it } from 'vitest';
import type { AlertJson } from '../../src/core/alerts.js';
import { isHomewardError } from '../../src/core/errors.js';
import { startCareHub, NAMES, type CareHub } from '../http/care-hub.js';

/**
 * The responding services other modules call (issue 6: Home Assistant's "I'm on it" button through
 * MQTT commands, escalation recording its steps in the timeline), on a real hub.
 */
let t: CareHub | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

describe('alert actions for other modules', () => {
  it("records an integration's acknowledgement by its name, with no person, and audits it", async () => {
    t = await startCareHub();
    const alert = t.raise('night-exit', { deviceId: 'front-door' });
    const announced: AlertJson[] = [];
    t.hub.bus.on('alertChanged', 'test', ({ alert: changed }) => announced.push(changed));

    const { first } = t.hub.api.care.actions.acknowledge(alert.id, { integration: 'home-assistant' });
    expect(first).toBe(true);
    expect(announced.map((a) => a.acknowledgedBy)).toEqual([{ id: null, name: 'home-assistant' }]);
    const entry = t.hub.store.audit.recent(10).find((e) => e.action === 'alert.acknowledged');
    expect(entry).toMatchObject({ userId: null, details: { integration: 'home-assistant', first: true } });

    // A person who then says "I'm on it" is in the timeline; the integration stays the first.
    const response = await t.as('family', { method: 'POST', url: `/api/alerts/${alert.id}/ack` });
    const body = response.json<AlertJson & { timeline: Array<{ kind: string; by: { name: string } | null }> }>();
    expect(body.acknowledgedBy).toEqual({ id: null, name: 'home-assistant' });
    expect(body.timeline.map((e) => [e.kind, e.by?.name ?? null])).toEqual([
      ['raised', null],
      ['acknowledged', 'home-assistant'],
      ['acknowledged', NAMES.family],
    ]);
  });

  it('records escalation steps in the timeline through one general entry point', async () => {
    t = await startCareHub();
    const alert = t.raise('night-exit', { deviceId: 'front-door' });
    t.clock.advance(5 * 60_000);
    t.hub.api.care.timeline.record(alert.id, 'notified', t.members.family.id, { channel: 'web-push', step: 0 });
    t.hub.api.care.timeline.record(alert.id, 'escalated', null, { step: 1, tier: 2 });
    const detail = (await t.as('owner', { method: 'GET', url: `/api/alerts/${alert.id}` })).json<{ timeline: Array<{ kind: string; by: { name: string } | null; details: Record<string, unknown> }> }>();
    expect(detail.timeline.map((e) => [e.kind, e.by?.name ?? null, e.details.step ?? null])).toEqual([
      ['raised', null, null],
      ['notified', NAMES.family, 0],
      ['escalated', null, 1],
    ]);
  });

  it('throws coded errors: not found, a resolved alert, a missing note', async () => {
    t = await startCareHub();
    const actions = t.hub.api.care.actions;
    const alert = t.raise('missed-dose');
    const codeOf = (work: () => unknown) => {
      try {
        work();
      } catch (error) {
        return isHomewardError(error) ? [error.code, (error.details as { reply: string }).reply] : error;
      }
      return 'no error';
    };
    expect(codeOf(() => actions.acknowledge('nope', { userId: t!.members.owner.id }))).toEqual(['HW_NOT_FOUND', 'not_found']);
    expect(codeOf(() => actions.resolve(alert.id, { userId: t!.members.owner.id }, ' '))).toEqual(['HW_USAGE', 'note_required']);
    actions.resolve(alert.id, { userId: t.members.owner.id }, 'taken late, found the tablets in the box');
    expect(codeOf(() => actions.resolve(alert.id, { userId: t!.members.owner.id }, 'again'))).toEqual(['HW_CONFLICT', 'alert_resolved']);
    expect(codeOf(() => actions.acknowledge(alert.id, { userId: t!.members.owner.id }))).toEqual(['HW_CONFLICT', 'alert_resolved']);
  });
});
