import { afterEach, describe, expect, it } from 'vitest';
import { T0 } from '../accounts/accounts-hub.js';
import { startCareHub, NAMES, type CareHub } from '../http/care-hub.js';

/**
 * The care log over HTTP (issue 6, item 6): notes, visits and handovers with their authors, reactions
 * with who, author-only edits, deletion by the author or the owner, and audit entries for both.
 */
interface Note {
  id: number;
  at: string;
  kind: string;
  text: string;
  incidentId: string | null;
  editedAt: string | null;
  author: { id: number | null; name: string } | null;
  reactions: Array<{ reaction: string; by: { id: number | null; name: string }; at: string }>;
}

let t: CareHub | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const MIN = 60_000;

async function write(hub: CareHub, role: 'owner' | 'family' | 'carer', payload: Record<string, unknown>): Promise<Note> {
  const response = await hub.as(role, { method: 'POST', url: '/api/care-log', payload });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<Note>();
}

const countNotes = (hub: CareHub) => (hub.hub.store.db.prepare('SELECT COUNT(*) AS n FROM care_notes').get() as { n: number }).n;

describe('writing and reading the care log', () => {
  it('adds notes with their author, and lists them newest first with from, to, limit and before', async () => {
    t = await startCareHub();
    const visit = await write(t, 'carer', { kind: 'visit', text: '  Lunch, walk to the shop. Slept badly last night. ' });
    expect(visit).toMatchObject({ kind: 'visit', text: 'Lunch, walk to the shop. Slept badly last night.', author: { id: t.members.carer.id, name: NAMES.carer }, at: new Date(T0).toISOString(), editedAt: null, incidentId: null, reactions: [] });
    t.clock.advance(60 * MIN);
    const handover = await write(t, 'family', { kind: 'handover', text: 'Evening: she is calm, tablets taken.' });
    t.clock.advance(60 * MIN);
    const note = await write(t, 'owner', { kind: 'note', text: 'GP appointment on Friday' });

    const all = await t.as('viewer', { method: 'GET', url: '/api/care-log' });
    expect(all.statusCode).toBe(200);
    expect(all.json<{ notes: Note[] }>().notes.map((n) => n.id)).toEqual([note.id, handover.id, visit.id]);

    const window = await t.as('viewer', { method: 'GET', url: `/api/care-log?from=${new Date(T0 + 30 * MIN).toISOString()}&to=${new Date(T0 + 120 * MIN).toISOString()}` });
    expect(window.json<{ notes: Note[] }>().notes.map((n) => n.id)).toEqual([handover.id]);

    const first = (await t.as('family', { method: 'GET', url: '/api/care-log?limit=2' })).json<{ notes: Note[]; nextBefore: string }>();
    expect(first.notes.map((n) => n.id)).toEqual([note.id, handover.id]);
    const second = (await t.as('family', { method: 'GET', url: `/api/care-log?limit=2&before=${first.nextBefore}` })).json<{ notes: Note[]; nextBefore: string | null }>();
    expect(second.notes.map((n) => n.id)).toEqual([visit.id]);
    expect(second.nextBefore).toBeNull();
  });

  it('refuses bad input with a coded error and stores nothing', async () => {
    t = await startCareHub();
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ kind: 'note' }, 'invalid_request'],
      [{ kind: 'diary', text: 'x' }, 'invalid_request'],
      [{ kind: 'note', text: '' }, 'invalid_request'],
      [{ kind: 'note', text: 'x'.repeat(2001) }, 'invalid_request'],
      [{ kind: 'note', text: 'x', mood: 'sad' }, 'invalid_request'],
      [{ kind: 'note', text: '   ' }, 'text_required'],
      [{ kind: 'note', text: 'about an incident', incidentId: 'no-such-incident' }, 'unknown_incident'],
    ];
    for (const [payload, error] of bad) {
      const response = await t.as('carer', { method: 'POST', url: '/api/care-log', payload });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json<{ error: string }>().error, JSON.stringify(payload)).toBe(error);
    }
    for (const url of ['/api/care-log?from=yesterday', '/api/care-log?limit=500', `/api/care-log?from=${new Date(T0).toISOString()}&to=${new Date(T0).toISOString()}`, '/api/care-log?before=1_x_y']) {
      const response = await t.as('carer', { method: 'GET', url });
      expect(response.statusCode, url).toBe(400);
    }
    expect(countNotes(t)).toBe(0);
  });

  it('lets carers, family and the owner write; viewers only read; installers neither', async () => {
    t = await startCareHub();
    const note = await write(t, 'carer', { kind: 'note', text: 'Slept badly' });
    const viewerWrite = await t.as('viewer', { method: 'POST', url: '/api/care-log', payload: { kind: 'note', text: 'hello' } });
    expect(viewerWrite.statusCode).toBe(403);
    expect((await t.as('viewer', { method: 'PUT', url: `/api/care-log/${note.id}/reactions/seen` })).statusCode).toBe(403);
    expect((await t.as('viewer', { method: 'GET', url: '/api/care-log' })).statusCode).toBe(200);
    for (const request of [
      { method: 'GET' as const, url: '/api/care-log' },
      { method: 'POST' as const, url: '/api/care-log', payload: { kind: 'note', text: 'hello' } },
      { method: 'DELETE' as const, url: `/api/care-log/${note.id}` },
    ]) {
      expect((await t.as('installer', request)).statusCode, `${request.method} ${request.url}`).toBe(403);
    }
    expect(countNotes(t)).toBe(1);
  });
});

describe('editing and deleting', () => {
  it('lets only the author edit, and audits the edit', async () => {
    t = await startCareHub();
    const note = await write(t, 'carer', { kind: 'note', text: 'Slept badly' });
    for (const role of ['owner', 'family'] as const) {
      const response = await t.as(role, { method: 'PATCH', url: `/api/care-log/${note.id}`, payload: { text: 'rewritten' } });
      expect(response.statusCode, role).toBe(403);
      expect(response.json()).toMatchObject({ error: 'not_author' });
    }
    expect(t.hub.store.careNotes.byId(note.id)?.text).toBe('Slept badly');

    expect((await t.as('carer', { method: 'PATCH', url: `/api/care-log/${note.id}`, payload: {} })).statusCode).toBe(400);
    expect((await t.as('carer', { method: 'PATCH', url: `/api/care-log/${note.id}`, payload: { author: 'someone' } })).statusCode).toBe(400);
    expect((await t.as('carer', { method: 'PATCH', url: '/api/care-log/999999', payload: { text: 'x' } })).statusCode).toBe(404);

    t.clock.advance(5 * MIN);
    const edited = await t.as('carer', { method: 'PATCH', url: `/api/care-log/${note.id}`, payload: { text: 'Slept badly, up at 3', kind: 'handover' } });
    expect(edited.statusCode).toBe(200);
    expect(edited.json<Note>()).toMatchObject({ text: 'Slept badly, up at 3', kind: 'handover', at: new Date(T0).toISOString(), editedAt: new Date(T0 + 5 * MIN).toISOString() });
    const entries = t.hub.store.audit.recent(100).filter((e) => e.action === 'care-log.edited');
    expect(entries.map((e) => [e.userId, e.target, e.details.changed])).toEqual([[t.members.carer.id, `care-note:${note.id}`, ['text', 'kind']]]);
  });

  it('lets the author or the owner delete, with its reactions, and audits the deletion without the words', async () => {
    t = await startCareHub();
    const carers = await write(t, 'carer', { kind: 'note', text: 'private words' });
    const familys = await write(t, 'family', { kind: 'note', text: 'other words' });
    await t.as('family', { method: 'PUT', url: `/api/care-log/${carers.id}/reactions/thanks` });

    const refused = await t.as('family', { method: 'DELETE', url: `/api/care-log/${carers.id}` });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ error: 'not_author' });
    expect(countNotes(t)).toBe(2);

    expect((await t.as('carer', { method: 'DELETE', url: `/api/care-log/${carers.id}` })).statusCode).toBe(204);
    expect((await t.as('owner', { method: 'DELETE', url: `/api/care-log/${familys.id}` })).statusCode).toBe(204);
    expect((await t.as('owner', { method: 'DELETE', url: `/api/care-log/${familys.id}` })).statusCode).toBe(404);
    expect(countNotes(t)).toBe(0);
    expect((t.hub.store.db.prepare('SELECT COUNT(*) AS n FROM care_note_reactions').get() as { n: number }).n).toBe(0);

    const entries = t.hub.store.audit.recent(100).filter((e) => e.action === 'care-log.deleted');
    expect(entries.map((e) => [e.userId, e.details.noteId, e.details.authorId])).toEqual([
      [t.members.owner.id, familys.id, t.members.family.id],
      [t.members.carer.id, carers.id, t.members.carer.id],
    ]);
    expect(JSON.stringify(entries)).not.toContain('private words');
  });
});

describe('reactions', () => {
  it('records seen and thanks with who, once each, and takes them back', async () => {
    t = await startCareHub();
    const note = await write(t, 'carer', { kind: 'handover', text: 'All quiet, she had a good day' });
    const changes: string[] = [];
    t.hub.bus.on('careLogChanged', 'test', ({ change }) => changes.push(change));

    t.clock.advance(MIN);
    expect((await t.as('family', { method: 'PUT', url: `/api/care-log/${note.id}/reactions/thanks` })).statusCode).toBe(200);
    expect((await t.as('family', { method: 'PUT', url: `/api/care-log/${note.id}/reactions/thanks` })).statusCode).toBe(200);
    t.clock.advance(MIN);
    const seen = await t.as('owner', { method: 'PUT', url: `/api/care-log/${note.id}/reactions/seen` });
    expect(seen.json<Note>().reactions.map((r) => [r.reaction, r.by.name])).toEqual([
      ['thanks', NAMES.family],
      ['seen', NAMES.owner],
    ]);
    const listed = (await t.as('viewer', { method: 'GET', url: '/api/care-log' })).json<{ notes: Note[] }>().notes[0];
    expect(listed?.reactions.map((r) => r.by.name)).toEqual([NAMES.family, NAMES.owner]);

    const takenBack = await t.as('family', { method: 'DELETE', url: `/api/care-log/${note.id}/reactions/thanks` });
    expect(takenBack.json<Note>().reactions.map((r) => r.reaction)).toEqual(['seen']);
    expect((await t.as('family', { method: 'PUT', url: `/api/care-log/${note.id}/reactions/hug` })).statusCode).toBe(400);
    expect((await t.as('family', { method: 'PUT', url: '/api/care-log/999999/reactions/seen' })).statusCode).toBe(404);
    // The repeated "thanks" changed nothing, so it announced nothing.
    expect(changes).toEqual(['reacted', 'reacted', 'reacted']);
  });
});
