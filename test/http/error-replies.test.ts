import { afterEach, describe, expect, it } from 'vitest';
import { GOOD_PASSWORD, startAccountsHub, type AccountsHub } from '../accounts/accounts-hub.js';

/** One shape for every refusal, on every route (src/http/error-replies.ts; issue 5, item 6: "coded errors"). */
let t: AccountsHub | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

async function owner() {
  t = await startAccountsHub();
  await t.addUser('owner@example.org', 'owner');
  return t.signIn('owner@example.org', GOOD_PASSWORD);
}

describe('error replies', () => {
  it('a body that fails its schema names each field and what is wrong, and changes nothing', async () => {
    const { cookie, csrfToken } = await owner();
    const headers = { cookie, 'x-csrf-token': csrfToken };
    const missing = await t!.hub.http.inject({ method: 'POST', url: '/api/me/tokens', headers, payload: {} });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toEqual({ error: 'invalid_request', detail: 'body/name: is required', problems: [{ path: '/name', message: 'is required' }] });
    const extra = await t!.hub.http.inject({ method: 'POST', url: '/api/me/tokens', headers, payload: { name: 'script', admin: true } });
    expect(extra.statusCode).toBe(400);
    expect(extra.json()).toMatchObject({ error: 'invalid_request', problems: [{ path: '/admin', message: 'is not a known field' }] });
    const listed = await t!.hub.http.inject({ method: 'GET', url: '/api/me/tokens', headers: { cookie } });
    expect(listed.json()).toEqual({ tokens: [] });
  });

  it('a coded refusal from a service keeps its precise answer, whichever group of routes it came from', async () => {
    const { cookie, csrfToken } = await owner();
    const headers = { cookie, 'x-csrf-token': csrfToken };
    const resolve = await t!.hub.http.inject({ method: 'POST', url: '/api/alerts/no-such-alert/resolve', headers, payload: { note: 'home safe' } });
    expect(resolve.statusCode).toBe(404);
    expect(resolve.json()).toMatchObject({ error: 'not_found' });
    const cover = await t!.hub.http.inject({ method: 'DELETE', url: '/api/rota/cover/999', headers });
    expect(cover.statusCode).toBe(404);
    expect(Object.keys(cover.json() as object).sort()).toEqual(['detail', 'error']);
  });

  it('a body over the limit is 413 body_too_large; a wrong content type 415', async () => {
    const { cookie, csrfToken } = await owner();
    const headers = { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' };
    const big = await t!.hub.http.inject({ method: 'POST', url: '/api/care-log', headers, payload: JSON.stringify({ kind: 'note', text: 'x'.repeat(200_000) }) });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toMatchObject({ error: 'body_too_large' });
    const text = await t!.hub.http.inject({ method: 'POST', url: '/api/care-log', headers: { ...headers, 'content-type': 'application/xml' }, payload: '<note>slept badly</note>' });
    expect(text.statusCode).toBe(415);
    expect(text.json()).toMatchObject({ error: 'unsupported_media_type' });
  });
});
