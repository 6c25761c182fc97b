import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backupDir, defaultConfig, loadConfig, type HubConfig, type LoadConfigOptions } from '../src/config.js';
import { HomewardError, isHomewardError } from '../src/core/errors.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'homeward-config-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function configFile(content: string, name = 'homeward.json'): string {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
}

/** The defaults as loadConfig returns them (dataDir made absolute), changed by `edit`. */
function expected(edit: (config: HubConfig) => void = () => undefined): HubConfig {
  const config = defaultConfig();
  config.dataDir = path.resolve('data');
  edit(config);
  return config;
}

/** Runs loadConfig expecting HW_CONFIG_INVALID; returns the error. The env is frozen, so no mutation can pass unnoticed. */
function configError(options: LoadConfigOptions): HomewardError {
  const frozen = { ...options, env: Object.freeze({ ...options.env }) };
  try {
    loadConfig(frozen);
  } catch (error) {
    if (isHomewardError(error, 'HW_CONFIG_INVALID')) return error;
    throw error;
  }
  throw new Error('expected loadConfig to throw HW_CONFIG_INVALID');
}

describe('loadConfig defaults', () => {
  it('works with no file and an empty environment: MQTT 1883, HTTP 8080, data ./data made absolute', () => {
    const config = loadConfig({ env: {} });
    expect(config.mqtt.port).toBe(1883);
    expect(config.http.port).toBe(8080);
    expect(path.isAbsolute(config.dataDir)).toBe(true);
    expect(config.dataDir).toBe(path.resolve(process.cwd(), 'data'));
    expect(config).toEqual(expected());
  });

  it('treats an empty environment variable as unset', () => {
    expect(loadConfig({ env: { HOMEWARD_HTTP_PORT: '', HOMEWARD_CONFIG: '', HOMEWARD_HOST: '' } })).toEqual(expected());
  });

  it('ignores environment variables that are not HOMEWARD_*', () => {
    expect(loadConfig({ env: { PORT: '1', HTTP_PORT: '2', HOMEWARD_UNKNOWN: '3' } })).toEqual(expected());
  });

  it('does not let one call change the defaults of the next', () => {
    loadConfig({ env: { HOMEWARD_HTTP_PORT: '9999', HOMEWARD_TRUSTED_PROXIES: '10.0.0.1' } });
    expect(defaultConfig().http).toEqual({ port: 8080, trustedProxies: [] });
    expect(loadConfig({ env: {} })).toEqual(expected());
  });
});

describe('loadConfig environment variables (DESIGN.md, "Public contract")', () => {
  const cases: Array<{ name: string; value: string; edit: (config: HubConfig) => void }> = [
    { name: 'HOMEWARD_DATA_DIR', value: '/var/lib/homeward', edit: (c) => (c.dataDir = '/var/lib/homeward') },
    { name: 'HOMEWARD_DATA_DIR', value: 'relative/data', edit: (c) => (c.dataDir = path.resolve('relative/data')) },
    { name: 'HOMEWARD_HTTP_PORT', value: '9090', edit: (c) => (c.http.port = 9090) },
    { name: 'HOMEWARD_HTTP_PORT', value: '0', edit: (c) => (c.http.port = 0) },
    { name: 'HOMEWARD_HTTP_PORT', value: '65535', edit: (c) => (c.http.port = 65535) },
    { name: 'HOMEWARD_MQTT_PORT', value: '1884', edit: (c) => (c.mqtt.port = 1884) },
    { name: 'HOMEWARD_HOST', value: '127.0.0.1', edit: (c) => (c.host = '127.0.0.1') },
    { name: 'HOMEWARD_MQTT_URL', value: 'mqtt://broker.local:1883', edit: (c) => (c.mqtt.url = 'mqtt://broker.local:1883') },
    { name: 'HOMEWARD_MQTT_URL', value: 'mqtts://broker.local:8883', edit: (c) => (c.mqtt.url = 'mqtts://broker.local:8883') },
    { name: 'HOMEWARD_PUBLIC_URL', value: 'https://mum.example.org', edit: (c) => (c.publicUrl = 'https://mum.example.org') },
    { name: 'HOMEWARD_PUSH_CONTACT', value: 'mailto:anna@example.org', edit: (c) => (c.push = { contact: 'mailto:anna@example.org' }) },
    { name: 'HOMEWARD_TRUSTED_PROXIES', value: ' 10.0.0.1, ,::1 ', edit: (c) => (c.http.trustedProxies = ['10.0.0.1', '::1']) },
    { name: 'HOMEWARD_LOG_LEVEL', value: 'debug', edit: (c) => (c.log.level = 'debug') },
    { name: 'HOMEWARD_MAP_TILES', value: 'https://{s}.tiles.example.net/{z}/{x}/{y}.png', edit: (c) => (c.map.tiles = 'https://{s}.tiles.example.net/{z}/{x}/{y}.png') },
    { name: 'HOMEWARD_MAP_TILES', value: '', edit: () => undefined },
  ];
  it.each(cases)('$name=$value sets only its own key', ({ name, value, edit }) => {
    expect(loadConfig({ env: { [name]: value } })).toEqual(expected(edit));
  });

  it('applies several at once', () => {
    const config = loadConfig({ env: { HOMEWARD_HTTP_PORT: '8081', HOMEWARD_MQTT_PORT: '1885', HOMEWARD_DATA_DIR: '/srv/hw' } });
    expect(config).toEqual(
      expected((c) => {
        c.http.port = 8081;
        c.mqtt.port = 1885;
        c.dataDir = '/srv/hw';
      }),
    );
  });

  it('lets the command line override beat HOMEWARD_DATA_DIR', () => {
    const config = loadConfig({ env: { HOMEWARD_DATA_DIR: '/from/env' }, overrides: { dataDir: '/from/cli' } });
    expect(config.dataDir).toBe('/from/cli');
  });
});

describe('loadConfig config file', () => {
  it('merges a JSON file named by HOMEWARD_CONFIG deeply into the defaults', () => {
    const file = configFile(JSON.stringify({ mqtt: { maxPacketBytes: 4096 }, store: { synchronous: 'normal' } }));
    const config = loadConfig({ env: { HOMEWARD_CONFIG: file } });
    expect(config).toEqual(
      expected((c) => {
        c.mqtt.maxPacketBytes = 4096;
        c.store.synchronous = 'normal';
      }),
    );
  });

  it('reads the file given as `file` (the --config flag) in preference to HOMEWARD_CONFIG', () => {
    const fromFlag = configFile(JSON.stringify({ http: { port: 7001 } }), 'flag.json');
    const fromEnv = configFile(JSON.stringify({ http: { port: 7002 } }), 'env.json');
    expect(loadConfig({ env: { HOMEWARD_CONFIG: fromEnv }, file: fromFlag }).http.port).toBe(7001);
  });

  it('replaces arrays rather than merging them', () => {
    const file = configFile(JSON.stringify({ http: { trustedProxies: ['192.168.1.1'] } }));
    expect(loadConfig({ env: {}, file }).http).toEqual({ port: 8080, trustedProxies: ['192.168.1.1'] });
  });

  it('lets the environment beat the file, key by key', () => {
    const file = configFile(JSON.stringify({ http: { port: 9000, trustedProxies: ['10.1.1.1'] }, mqtt: { port: 2883 } }));
    const config = loadConfig({ env: { HOMEWARD_HTTP_PORT: '9100' }, file });
    expect(config.http).toEqual({ port: 9100, trustedProxies: ['10.1.1.1'] });
    expect(config.mqtt.port).toBe(2883);
  });

  it('resolves a relative dataDir from the file to an absolute path', () => {
    const file = configFile(JSON.stringify({ dataDir: 'some/where' }));
    expect(loadConfig({ env: {}, file }).dataDir).toBe(path.resolve('some/where'));
  });

  it('does not modify the file it reads', () => {
    const text = JSON.stringify({ http: { port: 9000 } });
    const file = configFile(text);
    loadConfig({ env: { HOMEWARD_HTTP_PORT: '9100' }, file });
    expect(readFileSync(file, 'utf8')).toBe(text);
  });
});

describe('loadConfig refuses invalid configuration with HW_CONFIG_INVALID', () => {
  const envCases: Array<{ env: Record<string, string>; mentions: string[] }> = [
    { env: { HOMEWARD_HTTP_PORT: 'abc' }, mentions: ['HOMEWARD_HTTP_PORT', '"abc"'] },
    { env: { HOMEWARD_HTTP_PORT: '70000' }, mentions: ['HOMEWARD_HTTP_PORT', '70000', '65535'] },
    { env: { HOMEWARD_HTTP_PORT: '-1' }, mentions: ['HOMEWARD_HTTP_PORT', '"-1"'] },
    { env: { HOMEWARD_HTTP_PORT: '80.5' }, mentions: ['HOMEWARD_HTTP_PORT', '"80.5"'] },
    { env: { HOMEWARD_HTTP_PORT: ' 80' }, mentions: ['HOMEWARD_HTTP_PORT', '" 80"'] },
    { env: { HOMEWARD_MQTT_PORT: '1e3' }, mentions: ['HOMEWARD_MQTT_PORT', '"1e3"'] },
    { env: { HOMEWARD_MQTT_PORT: '99999' }, mentions: ['HOMEWARD_MQTT_PORT', '99999'] },
    { env: { HOMEWARD_MQTT_URL: 'http://broker.local' }, mentions: ['HOMEWARD_MQTT_URL', '"http://broker.local"'] },
    { env: { HOMEWARD_PUBLIC_URL: 'mum.example.org' }, mentions: ['HOMEWARD_PUBLIC_URL', '"mum.example.org"'] },
    { env: { HOMEWARD_PUSH_CONTACT: 'anna@example.org' }, mentions: ['HOMEWARD_PUSH_CONTACT', '"anna@example.org"'] },
    { env: { HOMEWARD_LOG_LEVEL: 'loud' }, mentions: ['HOMEWARD_LOG_LEVEL', '"loud"'] },
    // Tiles only over HTTPS (the dashboard may be HTTPS; mixed content is blocked), and only a template.
    { env: { HOMEWARD_MAP_TILES: 'http://tiles.example.net/{z}/{x}/{y}.png' }, mentions: ['HOMEWARD_MAP_TILES', 'http://tiles.example.net'] },
    { env: { HOMEWARD_MAP_TILES: 'https://tiles.example.net/map.png' }, mentions: ['HOMEWARD_MAP_TILES'] },
    { env: { HOMEWARD_MAP_TILES: 'https://tiles.example.net/{z}/"><script>' }, mentions: ['HOMEWARD_MAP_TILES'] },
  ];
  it.each(envCases)('$env', ({ env, mentions }) => {
    const error = configError({ env });
    for (const text of mentions) expect(error.message).toContain(text);
  });

  it('names every bad variable at once', () => {
    const error = configError({ env: { HOMEWARD_LOG_LEVEL: 'loud', HOMEWARD_PUBLIC_URL: 'ftp://x', HOMEWARD_HTTP_PORT: '70000' } });
    expect(error.message).toContain('HOMEWARD_LOG_LEVEL');
    expect(error.message).toContain('HOMEWARD_PUBLIC_URL');
    expect(error.message).toContain('HOMEWARD_HTTP_PORT');
  });

  const fileCases: Array<{ name: string; content: unknown; mentions: string[] }> = [
    { name: 'negative MQTT port', content: { mqtt: { port: -1 } }, mentions: ['mqtt.port', '-1'] },
    { name: 'port as a string', content: { http: { port: '8080' } }, mentions: ['http.port', '"8080"'] },
    { name: 'unknown top-level key', content: { htpp: { port: 80 } }, mentions: ['htpp', 'not a known field'] },
    { name: 'unknown nested key', content: { mqtt: { prot: 1884 } }, mentions: ['mqtt.prot', '1884', 'not a known field'] },
    { name: 'bad synchronous mode', content: { store: { synchronous: 'off' } }, mentions: ['store.synchronous', '"off"'] },
    { name: 'commit window too long', content: { ingest: { commitWindowMs: 500 } }, mentions: ['ingest.commitWindowMs', '500'] },
    { name: 'packet limit too small', content: { mqtt: { maxPacketBytes: 10 } }, mentions: ['mqtt.maxPacketBytes', '10'] },
    { name: 'empty dataDir', content: { dataDir: '' }, mentions: ['dataDir', '""'] },
    { name: 'a section replaced by null', content: { http: null }, mentions: ['http', 'null'] },
    { name: 'trustedProxies not a list', content: { http: { trustedProxies: '10.0.0.1' } }, mentions: ['http.trustedProxies', '"10.0.0.1"'] },
  ];
  it.each(fileCases)('file with $name', ({ content, mentions }) => {
    const error = configError({ env: {}, file: configFile(JSON.stringify(content)) });
    for (const text of mentions) expect(error.message).toContain(text);
  });

  it('names the environment variable, not the file, when the env supplied the bad value', () => {
    const file = configFile(JSON.stringify({ http: { port: 9000 } }));
    const error = configError({ env: { HOMEWARD_HTTP_PORT: '70000' }, file });
    expect(error.message).toContain('HOMEWARD_HTTP_PORT = 70000');
    expect(error.message).not.toContain('config http.port');
  });

  it('refuses a file that is not JSON, naming the file', () => {
    const file = configFile('{"mqtt": {"port": 1883,');
    const error = configError({ env: {}, file });
    expect(error.message).toContain(file);
    expect(error.message).toContain('not valid JSON');
  });

  it('refuses a file holding JSON that is not an object', () => {
    const file = configFile('[{"mqtt": {}}]');
    expect(configError({ env: {}, file }).message).toContain('must hold a JSON object');
  });

  it('refuses a missing file named by HOMEWARD_CONFIG, naming it', () => {
    const file = path.join(dir, 'nowhere.json');
    const error = configError({ env: { HOMEWARD_CONFIG: file } });
    expect(error.message).toContain(file);
    expect(error.message).toContain('cannot read');
  });

  it('carries the problems as details, by path', () => {
    const error = configError({ env: {}, file: configFile(JSON.stringify({ mqtt: { port: -1 } })) });
    expect(error.details).toEqual([expect.objectContaining({ path: '/mqtt/port' })]);
  });

  // A key spelled "__proto__" is as unknown as any other: accepting it silently lets a file set
  // hidden values (here an external broker URL) that the schema's unknown-key check never sees.
  it.each([
    { where: 'nested', content: '{"mqtt": {"__proto__": {"url": "mqtt://elsewhere.example"}}}' },
    { where: 'top level', content: '{"__proto__": {"publicUrl": "https://elsewhere.example"}}' },
  ])('refuses a "__proto__" key ($where) as an unknown field', ({ content }) => {
    const error = configError({ env: {}, file: configFile(content) });
    expect(error.message).toContain('__proto__');
  });

  describe('issue 9: deployment settings', () => {
    it('reads TLS, the external broker, backups, the dead-man ping and what systemd passes from the environment', () => {
      const config = loadConfig({
        env: {
          HOMEWARD_MQTT_TLS_CERT: '/etc/homeward/tls/cert.pem',
          HOMEWARD_MQTT_TLS_KEY: '/etc/homeward/tls/key.pem',
          HOMEWARD_MQTT_TLS_PORT: '8884',
          HOMEWARD_MQTT_URL: 'mqtts://homeward:secret@broker.lan:8883',
          HOMEWARD_MQTT_CLIENT_ID: 'homeward-mums-house',
          HOMEWARD_MQTT_CA: '/etc/homeward/tls/ca.pem',
          HOMEWARD_BACKUP_DIR: '/mnt/usb/homeward',
          HOMEWARD_BACKUP_AT: '04:15',
          HOMEWARD_BACKUP_KEEP: '14',
          HOMEWARD_PING_URL: 'https://hc-ping.com/0b5c3c1e-5b8a-4d8e-9d55-0f3a7b9d1c2e',
          NOTIFY_SOCKET: '/run/systemd/notify',
          WATCHDOG_USEC: '60000000',
        },
      });
      expect(config.mqtt.tls).toEqual({ port: 8884, cert: '/etc/homeward/tls/cert.pem', key: '/etc/homeward/tls/key.pem' });
      expect(config.mqtt.url).toBe('mqtts://homeward:secret@broker.lan:8883');
      expect(config.mqtt.external).toEqual({ clientId: 'homeward-mums-house', ca: '/etc/homeward/tls/ca.pem' });
      expect(config.backup).toEqual({ dir: '/mnt/usb/homeward', at: '04:15', keep: 14 });
      expect(config.supervision.pingUrl).toBe('https://hc-ping.com/0b5c3c1e-5b8a-4d8e-9d55-0f3a7b9d1c2e');
      expect(config.systemd).toEqual({ notifySocket: '/run/systemd/notify', watchdogUsec: 60_000_000 });
    });

    it('keeps backups in <dataDir>/backups unless told otherwise', () => {
      expect(backupDir(loadConfig({ env: { HOMEWARD_DATA_DIR: path.join(dir, 'data') } }))).toBe(path.join(dir, 'data', 'backups'));
      expect(backupDir(loadConfig({ env: { HOMEWARD_BACKUP_DIR: path.join(dir, 'usb') } }))).toBe(path.join(dir, 'usb'));
    });

    it('refuses a TLS certificate without its key, and the other way round', () => {
      expect(configError({ env: { HOMEWARD_MQTT_TLS_CERT: '/c.pem' } }).message).toContain('got only the certificate');
      expect(configError({ env: { HOMEWARD_MQTT_TLS_KEY: '/k.pem' } }).message).toContain('got only the key');
    });

    it.each([
      { name: 'HOMEWARD_BACKUP_AT', value: '3:30', says: 'HOMEWARD_BACKUP_AT' },
      { name: 'HOMEWARD_BACKUP_KEEP', value: 'seven', says: 'must be a whole number' },
      { name: 'HOMEWARD_BACKUP_KEEP', value: '0', says: 'HOMEWARD_BACKUP_KEEP' },
      { name: 'HOMEWARD_PING_URL', value: 'hc-ping.com/abc', says: 'HOMEWARD_PING_URL' },
      { name: 'WATCHDOG_USEC', value: '-5', says: 'must be a whole number' },
      { name: 'HOMEWARD_MQTT_URL', value: 'tcp://broker.lan', says: 'HOMEWARD_MQTT_URL' },
    ])('refuses $name=$value, naming it', ({ name, value, says }) => {
      expect(configError({ env: { [name]: value } }).message).toContain(says);
    });
  });
});

describe('issue 10: the early warning of a full disk', () => {
  it('warns under 64 MB or 2 % by default, checked every minute; a file may change it', () => {
    expect(loadConfig({ env: {} }).diskSpace).toEqual({ lowBytes: 64 * 1024 * 1024, lowShare: 0.02, checkEveryMs: 60_000 });
    const file = configFile(JSON.stringify({ diskSpace: { lowBytes: 1_572_864, lowShare: 0.5, checkEveryMs: 100 } }));
    expect(loadConfig({ env: {}, file }).diskSpace).toEqual({ lowBytes: 1_572_864, lowShare: 0.5, checkEveryMs: 100 });
  });

  it.each([
    [{ lowBytes: -1 }, 'diskSpace.lowBytes'],
    [{ lowShare: 0.9 }, 'diskSpace.lowShare'],
    [{ checkEveryMs: 10 }, 'diskSpace.checkEveryMs'],
    [{ lowbytes: 5 }, 'not a known field'],
  ])('refuses %j, naming it', (diskSpace, says) => {
    expect(configError({ env: {}, file: configFile(JSON.stringify({ diskSpace })) }).message).toContain(says);
  });
});
