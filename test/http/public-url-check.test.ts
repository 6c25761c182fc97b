import { afterEach, describe, expect, it } from 'vitest';
import { judgePublicUrl } from '../../src/http/public-url-check.js';
import { recordingLogger } from '../support/recording-logger.js';
import { startTestHub, type TestHub } from '../support/test-hub.js';

/**
 * Issue 9, item 3: "Web Push and service workers need HTTPS: the hub says so at start when the public
 * URL is not https". And a hub behind a proxy on the same machine that does not trust it says so once.
 */
let t: TestHub | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

type Configure = NonNullable<Parameters<typeof startTestHub>[0]>['config'];

async function startWith(configure: Configure): Promise<{ hub: TestHub; warnings: string[] }> {
  const warnings: string[] = [];
  const hub = await startTestHub({ config: configure, log: recordingLogger((level, msg) => level === 'warn' && warnings.push(msg ?? '')) });
  return { hub, warnings };
}

const aboutHttps = (warnings: string[]) => warnings.filter((w) => w.includes('Web Push and installing the dashboard need https'));

describe('the public URL at start', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['http://mums-house.local:8080', false],
    ['http://mums-house.example.net', false],
    ['https://mums-house.example.net', true],
    ['https://homeward.tail1234.ts.net/', true],
  ])('judges %j: ok=%s', (publicUrl, ok) => {
    const finding = judgePublicUrl(publicUrl);
    expect(finding.ok).toBe(ok);
    if (!finding.ok) expect(finding.fix).toContain('deploy/remote-access.md');
  });

  it('warns once, with the fix, when HOMEWARD_PUBLIC_URL is missing', async () => {
    const started = await startWith(() => undefined);
    t = started.hub;
    const lines = aboutHttps(started.warnings);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^HOMEWARD_PUBLIC_URL is not set: Web Push and installing the dashboard need https\. To fix: .*HOMEWARD_PUBLIC_URL.*deploy\/remote-access\.md/);
  });

  it('warns, naming the URL, when HOMEWARD_PUBLIC_URL is plain http', async () => {
    const started = await startWith((c) => (c.publicUrl = 'http://mums-house.local:8080'));
    t = started.hub;
    const lines = aboutHttps(started.warnings);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('HOMEWARD_PUBLIC_URL is http://mums-house.local:8080, not https');
    expect(lines[0]).toContain('deploy/remote-access.md');
  });

  it('says nothing about it when HOMEWARD_PUBLIC_URL is https', async () => {
    const started = await startWith((c) => (c.publicUrl = 'https://mums-house.example.net'));
    t = started.hub;
    expect(started.warnings.filter((w) => w.includes('HOMEWARD_PUBLIC_URL') || w.includes('remote-access.md'))).toEqual([]);
  });
});

describe('a proxy on this machine the hub does not trust', () => {
  const hinted = (warnings: string[]) => warnings.filter((w) => w.includes('HOMEWARD_TRUSTED_PROXIES is empty'));
  const viaLocalProxy = (hub: TestHub, remoteAddress = '127.0.0.1') =>
    hub.hub.http.inject({ method: 'GET', url: '/api/health', remoteAddress, headers: { 'x-forwarded-for': '198.51.100.23' } });

  it('is named once, with the setting to change, however many requests it forwards', async () => {
    const started = await startWith((c) => (c.publicUrl = 'https://mums-house.example.net'));
    t = started.hub;
    expect(hinted(started.warnings)).toEqual([]);
    for (let i = 0; i < 3; i++) expect((await viaLocalProxy(t)).statusCode).toBe(200);
    expect(hinted(started.warnings)).toHaveLength(1);
    expect(hinted(started.warnings)[0]).toContain('Set HOMEWARD_TRUSTED_PROXIES=127.0.0.1');
  });

  it('is not named for a request without X-Forwarded-For, one from another machine, or when proxies are trusted', async () => {
    const untrusting = await startWith((c) => (c.publicUrl = 'https://mums-house.example.net'));
    t = untrusting.hub;
    await t.hub.http.inject({ method: 'GET', url: '/api/health', remoteAddress: '127.0.0.1' });
    // Another machine sending X-Forwarded-For is a client with a story, not a proxy on this machine.
    await viaLocalProxy(t, '192.0.2.44');
    expect(hinted(untrusting.warnings)).toEqual([]);
    await t.stop();

    const trusting = await startWith((c) => {
      c.publicUrl = 'https://mums-house.example.net';
      c.http.trustedProxies = ['127.0.0.1'];
    });
    t = trusting.hub;
    await viaLocalProxy(t);
    expect(hinted(trusting.warnings)).toEqual([]);
  });
});
