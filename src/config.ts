import { readFileSync } from 'node:fs';
import path from 'node:path';
import Type, { type Static } from 'typebox';
import { HomewardError } from './core/errors.js';
import { schemaProblems } from './core/schema-check.js';

/**
 * Hub configuration: embedded defaults, then an optional JSON file, then HOMEWARD_* environment
 * variables (DESIGN.md, "Public contract"). This module is the only reader of the environment; it is
 * handed `env` so tests never touch process.env.
 */
const Port = Type.Integer({ minimum: 0, maximum: 65535 });

export const ConfigSchema = Type.Object(
  {
    dataDir: Type.String({ minLength: 1 }),
    /** Address to bind MQTT and HTTP to. */
    host: Type.String({ minLength: 1 }),
    /** The URL people use to reach the dashboard from outside (for links and the VAPID subject). */
    publicUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
    /**
     * Who push services may contact about this hub's notifications (the VAPID subject, issue 7): a
     * mailto: address, used when there is no https public URL (a hub reached only over Tailscale).
     */
    push: Type.Optional(
      Type.Object(
        {
          contact: Type.Optional(Type.String({ pattern: '^mailto:[^@\\s]+@[^@\\s]+$' })),
          /** Accept push endpoints inside a network (a self-hosted push service; tests). Off: see src/circle/push-endpoint-guard.ts. */
          allowPrivateEndpoints: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
    ),
    /**
     * The dashboard's map (issue 8). `tiles` is a Leaflet tile URL template ({z}/{x}/{y}); empty
     * means no background tiles (zones and tracks still draw), for a hub that must not ask a tile
     * server about the neighbourhood. Tile requests go from the viewer's browser, not the hub.
     */
    map: Type.Object(
      {
        tiles: Type.Union([Type.Literal(''), Type.String({ pattern: '^https://[^\\s"\']+\\{z\\}[^\\s"\']*$' })]),
        attribution: Type.String({ maxLength: 300 }),
      },
      { additionalProperties: false },
    ),
    http: Type.Object(
      {
        port: Port,
        /** Addresses of reverse proxies whose X-Forwarded-For is trusted. */
        trustedProxies: Type.Array(Type.String()),
      },
      { additionalProperties: false },
    ),
    mqtt: Type.Object(
      {
        port: Port,
        /** Use this external broker instead of the embedded one (mqtt://, mqtts://). */
        url: Type.Optional(Type.String({ pattern: '^mqtts?://' })),
        /** Largest MQTT packet accepted; aedes has no limit of its own. */
        maxPacketBytes: Type.Integer({ minimum: 256, maximum: 268_435_455 }),
        connectTimeoutMs: Type.Integer({ minimum: 100, maximum: 300_000 }),
        maxConnections: Type.Integer({ minimum: 1, maximum: 100_000 }),
        /** Connection attempts allowed per remote address per minute. */
        connectAttemptsPerMinute: Type.Integer({ minimum: 1, maximum: 100_000 }),
        /**
         * MQTT over TLS from the embedded broker (issue 9, item 7): PEM certificate and key files.
         * Both empty = no TLS listener; one without the other is refused at start.
         */
        tls: Type.Object(
          {
            port: Port,
            cert: Type.String(),
            key: Type.String(),
          },
          { additionalProperties: false },
        ),
        /** The hub as a client of an external broker (`url`, issue 9, item 6). */
        external: Type.Object(
          {
            /** A fixed client id with a persistent session, so the broker keeps QoS 1 readings while the hub restarts. */
            clientId: Type.String({ minLength: 1, maxLength: 128 }),
            /** PEM file of the CA that signed an mqtts:// broker's certificate, when it is not a public one. */
            ca: Type.String(),
          },
          { additionalProperties: false },
        ),
      },
      { additionalProperties: false },
    ),
    ingest: Type.Object(
      {
        /** Group-commit window: publishes arriving within it share one transaction. 0 = next turn of the event loop. */
        commitWindowMs: Type.Number({ minimum: 0, maximum: 100 }),
        /** GPS hygiene: a fix implying a faster journey than this from the previous one is dropped. */
        maxSpeedKmh: Type.Number({ exclusiveMinimum: 0, maximum: 2000 }),
      },
      { additionalProperties: false },
    ),
    store: Type.Object(
      {
        /** "full" survives power loss (fsync per commit); "normal" survives a process crash only. */
        synchronous: Type.Union([Type.Literal('full'), Type.Literal('normal')]),
        checkpointIntervalMs: Type.Integer({ minimum: 100, maximum: 60_000 }),
      },
      { additionalProperties: false },
    ),
    /**
     * Free space on the data directory's file system (issue 10): under the smaller of `lowBytes` and
     * `lowShare` of its size, the owner and installers get a hub-storage-low fault alert while there is
     * still room to store it. Checked every `checkEveryMs` (src/supervision/storage-watch.ts).
     */
    diskSpace: Type.Object(
      {
        lowBytes: Type.Integer({ minimum: 0 }),
        lowShare: Type.Number({ minimum: 0, maximum: 0.5 }),
        checkEveryMs: Type.Integer({ minimum: 100, maximum: 3_600_000 }),
      },
      { additionalProperties: false },
    ),
    /**
     * Backups (issue 9, item 4): a consistent copy of the database every day at `at` (the home's
     * time zone), the newest `keep` kept. `dir` empty = `<dataDir>/backups` (see backupDir()).
     */
    backup: Type.Object(
      {
        dir: Type.String(),
        at: Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' }),
        keep: Type.Integer({ minimum: 1, maximum: 365 }),
      },
      { additionalProperties: false },
    ),
    /**
     * Supervision from outside (issue 9, item 8): a dead-man ping to a healthchecks-style URL every
     * `everyS` while the hub is healthy, so someone learns when the hub itself stops. Empty = off.
     */
    supervision: Type.Object(
      {
        pingUrl: Type.Union([Type.Literal(''), Type.String({ pattern: '^https?://[^\\s]+$' })]),
        everyS: Type.Integer({ minimum: 10, maximum: 86_400 }),
      },
      { additionalProperties: false },
    ),
    /**
     * What systemd tells a service it starts (sd_notify(3)): where to send READY=1 and WATCHDOG=1, and
     * the watchdog interval. Set by systemd, not by people; empty / 0 when not run by systemd.
     */
    systemd: Type.Object(
      {
        notifySocket: Type.String(),
        watchdogUsec: Type.Integer({ minimum: 0 }),
      },
      { additionalProperties: false },
    ),
    /** Dashboard sessions (issue 5): a session ends after idleMs unused, or absoluteMs after sign-in. */
    sessions: Type.Object(
      {
        idleMs: Type.Integer({ minimum: 60_000, maximum: 365 * 86_400_000 }),
        absoluteMs: Type.Integer({ minimum: 60_000, maximum: 365 * 86_400_000 }),
      },
      { additionalProperties: false },
    ),
    log: Type.Object(
      {
        level: Type.Union([
          Type.Literal('fatal'),
          Type.Literal('error'),
          Type.Literal('warn'),
          Type.Literal('info'),
          Type.Literal('debug'),
          Type.Literal('trace'),
          Type.Literal('silent'),
        ]),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export type HubConfig = Static<typeof ConfigSchema>;

export function defaultConfig(): HubConfig {
  return {
    dataDir: './data',
    host: '0.0.0.0',
    map: { tiles: 'https://tile.openstreetmap.org/{z}/{x}/{y}.png', attribution: '© OpenStreetMap contributors' },
    http: { port: 8080, trustedProxies: [] },
    mqtt: {
      port: 1883,
      maxPacketBytes: 16 * 1024,
      connectTimeoutMs: 10_000,
      maxConnections: 500,
      connectAttemptsPerMinute: 60,
      tls: { port: 8883, cert: '', key: '' },
      external: { clientId: 'homeward-hub', ca: '' },
    },
    ingest: { commitWindowMs: 2, maxSpeedKmh: 300 },
    store: { synchronous: 'full', checkpointIntervalMs: 1000 },
    diskSpace: { lowBytes: 64 * 1024 * 1024, lowShare: 0.02, checkEveryMs: 60_000 },
    backup: { dir: '', at: '03:30', keep: 7 },
    supervision: { pingUrl: '', everyS: 60 },
    systemd: { notifySocket: '', watchdogUsec: 0 },
    sessions: { idleMs: 14 * 86_400_000, absoluteMs: 90 * 86_400_000 },
    log: { level: 'info' },
  };
}

/** Environment variables and the config path they set. */
const environment: Array<{ name: string; path: string[]; type: 'string' | 'port' | 'list' | 'integer' }> = [
  { name: 'HOMEWARD_DATA_DIR', path: ['dataDir'], type: 'string' },
  { name: 'HOMEWARD_HOST', path: ['host'], type: 'string' },
  { name: 'HOMEWARD_PUBLIC_URL', path: ['publicUrl'], type: 'string' },
  { name: 'HOMEWARD_PUSH_CONTACT', path: ['push', 'contact'], type: 'string' },
  { name: 'HOMEWARD_MAP_TILES', path: ['map', 'tiles'], type: 'string' },
  { name: 'HOMEWARD_HTTP_PORT', path: ['http', 'port'], type: 'port' },
  { name: 'HOMEWARD_MQTT_PORT', path: ['mqtt', 'port'], type: 'port' },
  { name: 'HOMEWARD_MQTT_URL', path: ['mqtt', 'url'], type: 'string' },
  { name: 'HOMEWARD_MQTT_CLIENT_ID', path: ['mqtt', 'external', 'clientId'], type: 'string' },
  { name: 'HOMEWARD_MQTT_CA', path: ['mqtt', 'external', 'ca'], type: 'string' },
  { name: 'HOMEWARD_MQTT_TLS_PORT', path: ['mqtt', 'tls', 'port'], type: 'port' },
  { name: 'HOMEWARD_MQTT_TLS_CERT', path: ['mqtt', 'tls', 'cert'], type: 'string' },
  { name: 'HOMEWARD_MQTT_TLS_KEY', path: ['mqtt', 'tls', 'key'], type: 'string' },
  { name: 'HOMEWARD_BACKUP_DIR', path: ['backup', 'dir'], type: 'string' },
  { name: 'HOMEWARD_BACKUP_AT', path: ['backup', 'at'], type: 'string' },
  { name: 'HOMEWARD_BACKUP_KEEP', path: ['backup', 'keep'], type: 'integer' },
  { name: 'HOMEWARD_PING_URL', path: ['supervision', 'pingUrl'], type: 'string' },
  // Set by systemd for a Type=notify service with WatchdogSec (sd_notify(3)).
  { name: 'NOTIFY_SOCKET', path: ['systemd', 'notifySocket'], type: 'string' },
  { name: 'WATCHDOG_USEC', path: ['systemd', 'watchdogUsec'], type: 'integer' },
  { name: 'HOMEWARD_TRUSTED_PROXIES', path: ['http', 'trustedProxies'], type: 'list' },
  { name: 'HOMEWARD_LOG_LEVEL', path: ['log', 'level'], type: 'string' },
];

export interface LoadConfigOptions {
  env: Readonly<Record<string, string | undefined>>;
  /** A config file named on the command line (--config) or by HOMEWARD_CONFIG. */
  file?: string;
  /** Overrides from the command line, applied last. */
  overrides?: Partial<{ dataDir: string }>;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Keys that would reach an object's prototype rather than the configuration. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function merge(base: Record<string, unknown>, layer: Record<string, unknown>, at = ''): Record<string, unknown> {
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(layer)) {
    if (FORBIDDEN_KEYS.has(key)) throw new HomewardError('HW_CONFIG_INVALID', `invalid configuration:\n  config ${at}${key}: is not a known field`);
    const current = result[key];
    result[key] = isPlainObject(current) && isPlainObject(value) ? merge(current, value, `${at}${key}.`) : value;
  }
  return result;
}

function setPath(target: Record<string, unknown>, keys: string[], value: unknown): void {
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (!isPlainObject(node[key])) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1] as string] = value;
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new HomewardError('HW_CONFIG_INVALID', `cannot read config file ${file}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new HomewardError('HW_CONFIG_INVALID', `config file ${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (!isPlainObject(parsed)) throw new HomewardError('HW_CONFIG_INVALID', `config file ${file} must hold a JSON object`);
  return parsed;
}

function valueAt(root: unknown, pointer: string): unknown {
  let node = root;
  for (const key of pointer.split('/').slice(1)) node = isPlainObject(node) || Array.isArray(node) ? (node as Record<string, unknown>)[key] : undefined;
  return node;
}

export function loadConfig(options: LoadConfigOptions): HubConfig {
  let layered: Record<string, unknown> = defaultConfig() as unknown as Record<string, unknown>;
  const file = options.file ?? options.env.HOMEWARD_CONFIG;
  if (file !== undefined && file !== '') layered = merge(layered, readConfigFile(file));

  const fromEnv: Record<string, unknown> = {};
  const envNameByPath = new Map<string, string>();
  for (const variable of environment) {
    const raw = options.env[variable.name];
    if (raw === undefined || raw === '') continue;
    envNameByPath.set('/' + variable.path.join('/'), variable.name);
    let value: unknown = raw;
    if (variable.type === 'port') {
      value = /^\d+$/.test(raw) ? Number(raw) : NaN;
      if (Number.isNaN(value)) {
        throw new HomewardError('HW_CONFIG_INVALID', `${variable.name}=${JSON.stringify(raw)}: must be a port number (0–65535)`);
      }
    } else if (variable.type === 'integer') {
      value = /^\d+$/.test(raw) ? Number(raw) : NaN;
      if (Number.isNaN(value)) throw new HomewardError('HW_CONFIG_INVALID', `${variable.name}=${JSON.stringify(raw)}: must be a whole number`);
    } else if (variable.type === 'list') {
      value = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
    }
    setPath(fromEnv, variable.path, value);
  }
  layered = merge(layered, fromEnv);
  if (options.overrides?.dataDir !== undefined) layered.dataDir = options.overrides.dataDir;

  const problems = schemaProblems(ConfigSchema, layered);
  if (problems.length > 0) {
    const lines = problems.map((p) => {
      const origin = envNameByPath.get(p.path) ?? `config ${p.path.slice(1).replace(/\//g, '.') || '(root)'}`;
      const got = valueAt(layered, p.path);
      return `  ${origin} = ${JSON.stringify(got)}: ${p.message}`;
    });
    throw new HomewardError('HW_CONFIG_INVALID', `invalid configuration:\n${lines.join('\n')}`, problems);
  }
  const config = layered as HubConfig;
  const tls = config.mqtt.tls;
  if ((tls.cert === '') !== (tls.key === '')) {
    throw new HomewardError('HW_CONFIG_INVALID', `invalid configuration:\n  MQTT over TLS needs both a certificate and a key (HOMEWARD_MQTT_TLS_CERT and HOMEWARD_MQTT_TLS_KEY); got only the ${tls.cert === '' ? 'key' : 'certificate'}`);
  }
  return { ...config, dataDir: path.resolve(config.dataDir) };
}

/** Where backups are kept: the configured directory, else `<dataDir>/backups`. */
export function backupDir(config: Pick<HubConfig, 'dataDir' | 'backup'>): string {
  return config.backup.dir === '' ? path.join(path.resolve(config.dataDir), 'backups') : path.resolve(config.backup.dir);
}
