import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import { deviceSources } from '../devices/registry.js';
import { osmandDeviceIdentifier } from '../devices/traccar/decoder.js';
import { OWNTRACKS_HTTP_REPLY } from '../devices/owntracks/decoder.js';
import { createLoginService } from './accounts/login-service.js';
import { createLoginThrottle } from './accounts/login-throttle.js';
import { createAlertService, type AlertService } from './alerts/alert-service.js';
import { createCareServices, type CareServices } from './alerts/care-services.js';
import { createEscalationService, type EscalationService } from './alerts/escalation.js';
import { createCircleServices, type CircleServices } from './circle/circle-services.js';
import { createDigestSchedule } from './alerts/digest-schedule.js';
import { createHomeServices, type HomeServices } from './household/home-services.js';
import { createRuleEngine, type RuleEngine } from './alerts/rule-engine.js';
import { createBroker } from './broker/broker.js';
import type { MessageBroker } from './broker/message-broker.js';
import { rules } from './rules/registry.js';
import { createAttemptLimiter } from './broker/connection-limits.js';
import { backupDir, type HubConfig } from './config.js';
import { systemClock, type Clock } from './core/clock.js';
import { createEventBus, type EventBus } from './core/event-bus.js';
import type { Logger } from './core/logger.js';
import { createMetricsRegistry, type MetricsRegistry } from './core/metrics.js';
import type { CredentialService } from './household/credentials.js';
import type { HouseholdService } from './household/household-service.js';
import { buildServer } from './http/server.js';
import { warnUnlessPublicUrlHttps } from './http/public-url-check.js';
import { createGroupCommit, type GroupCommit } from './ingest/group-commit.js';
import { defaultGpsHygiene } from './ingest/gps-hygiene.js';
import { createIngestService, type IngestService } from './ingest/ingest-service.js';
import type { NotificationChannel } from './notify/channel.js';
import { createNotifier } from './notify/notifier.js';
import type { PushTransport } from './notify/web-push/push-sender.js';
import { createWebPush, type WebPush } from './notify/web-push/web-push.js';
import { EARLIEST_PLAUSIBLE_TIME } from './alerts/rule-engine.js';
import { createClockHealth, timedatectlProbe, type ClockSyncProbe } from './core/clock-health.js';
import { roleMay } from './http/permissions.js';
import { createChangesFromCli } from './integrations/changes-from-cli.js';
import { createMqttCommands } from './integrations/mqtt-commands.js';
import { createMqttPublisher } from './integrations/mqtt-publisher.js';
import { STATUS_TOPIC } from './integrations/home-assistant.js';
import { createBackupSchedule } from './store/backup-schedule.js';
import { createCheckpointer } from './store/checkpointer.js';
import { createSupervision, type Supervision } from './supervision/supervision.js';
import { createStorageWatch } from './supervision/storage-watch.js';
import type { Store } from './store/store.js';
import { packageVersion } from './version.js';
import { openHome, type Home } from './home.js';

export { openHome, type Home } from './home.js';

/**
 * The composition root (after Zigbee2MQTT's controller.ts): builds every module, wires them through
 * the event bus, and starts and stops them in order. Nothing else constructs a database, clock or socket.
 */


export interface HubDeps {
  config: HubConfig;
  log: Logger;
  clock?: Clock;
  /** Notification channels instead of the hub's own Web Push (issue 7): tests pass a recording one. */
  channels?: readonly NotificationChannel[];
  /** Tests only: Web Push reaching a local push service (its certificate trusted, a short time-out, waits on the manual clock). */
  webPush?: { transport?: PushTransport; wait?: (ms: number) => Promise<void>; contact?: string };
  /** Whether the system clock is kept by NTP (issue 7, item 6); timedatectl unless a test passes a fake. */
  clockSync?: ClockSyncProbe;
}

export interface Hub {
  config: HubConfig;
  home: Home;
  store: Store;
  household: HouseholdService;
  credentials: CredentialService;
  ingest: IngestService;
  commit: GroupCommit;
  broker: MessageBroker;
  http: FastifyInstance;
  bus: EventBus;
  metrics: MetricsRegistry;
  alerts: AlertService;
  engine: RuleEngine;
  /** The API's resources: the household's data, responding to alerts and the care log, the circle. */
  api: { home: HomeServices; care: CareServices; circle: CircleServices };
  /** Who is told of each open alert, when, and through which channels (issue 6, item 4). */
  escalation: EscalationService;
  /** Web Push (issue 7): the hub's notification channel, its VAPID key, "I'm on it" by action token. */
  webPush: WebPush;
  /** The systemd watchdog and the dead-man ping (issue 9, items 2 and 8); main.ts sends READY and STOPPING. */
  supervision: Supervision;
  /**
   * Starts the broker's TCP listener and the hub's timers; returns the MQTT port and, while the
   * household has no owner, the one-time setup link (also logged at warn level).
   */
  start(): Promise<{ mqttPort: number; mqttTlsPort?: number; setupLink?: string }>;
  /** Stops accepting, commits what is pending, closes the broker, HTTP and the database. */
  stop(): Promise<void>;
}

export async function createHub(deps: HubDeps): Promise<Hub> {
  const { config, log } = deps;
  const clock = deps.clock ?? systemClock;
  const startedAt = clock.now();
  const bus = createEventBus((owner, event, error) => log.error({ owner, event, err: error }, 'event listener failed'));
  const home = openHome(config, clock, bus);
  const { store, household, credentials } = home;

  const metrics = createMetricsRegistry();
  const readingsTotal = metrics.counter('homeward_readings_total', 'Readings received, by result and refusal reason');
  const alertsTotal = metrics.counter('homeward_alerts_total', 'Alerts raised, by type');
  const commitSeconds = metrics.histogram('homeward_ingest_commit_seconds', 'Time to commit one group of readings to SQLite', [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1,
  ]);

  const checkpointer = createCheckpointer({
    db: store.db,
    file: home.file,
    intervalMs: config.store.checkpointIntervalMs,
    onError: (message) => log.warn({ module: 'store', err: message }, 'WAL checkpoint failed'),
  });
  const ingestLog = log.child({ module: 'ingest' });
  // eslint-disable-next-line prefer-const -- the commit and ingest services refer to each other
  let ingest: IngestService;
  const commit = createGroupCommit({
    store,
    windowMs: config.ingest.commitWindowMs,
    gpsHygiene: { maxFutureMs: defaultGpsHygiene.maxFutureMs, maxSpeedKmh: config.ingest.maxSpeedKmh },
    now: () => clock.now(),
    log: ingestLog,
    deviceNum: (id) => household.view().deviceNums.get(id),
    // Issue 10: a failed commit (a full disk) is reported once per episode by the storage watch.
    onFailed: (error, publishes) => storageWatch.commitFailed(error, publishes),
    onCommitted: (result, seconds) => {
      storageWatch.committed();
      checkpointer.noteWrites(result.committed.length);
      // A screened-out fix commits only its health part; it is counted once, as refused, not also as accepted.
      ingest.committed(result.committed.length - result.screenedOut.length, seconds);
      if (result.duplicates > 0) readingsTotal.inc({ result: 'refused', reason: 'duplicate' }, result.duplicates);
      for (const dropped of result.screenedOut) ingest.screenedOut(dropped.deviceId, dropped.reason, dropped.detail);
      if (result.committed.length > 0) bus.emit('readingsCommitted', { readings: result.committed });
    },
  });
  ingest = createIngestService({
    sources: deviceSources,
    commit,
    clock,
    log: ingestLog,
    metrics: { readings: readingsTotal, commitSeconds },
    bus,
    discovery: store.discovery,
    bridgeHealth: store.bridges,
  });

  // Issue 9, item 6: with HOMEWARD_MQTT_URL the hub is a client of an external broker instead of embedding aedes.
  const brokerLog = log.child({ module: 'broker' });
  // Loaded only for an external broker: the mqtt client library it needs (with readable-stream,
  // @babel/runtime, worker-timers) was 3 MiB of the embedded-broker hub's idle RSS.
  const external = config.mqtt.url === undefined ? undefined : await import('./broker/external-broker.js');
  const broker: MessageBroker =
    config.mqtt.url === undefined || external === undefined
      ? createBroker({
          clock,
          log: brokerLog,
          limits: config.mqtt,
          sources: deviceSources,
          subjectOf: (username) => household.view().subjects.get(username),
          verifyPassword: (username, password) => credentials.verify(username, password),
          ingest,
          tls: config.mqtt.tls,
        })
      : external.createExternalBroker({
          ...config.mqtt.external,
          url: config.mqtt.url,
          maxPacketBytes: config.mqtt.maxPacketBytes,
          connectTimeoutMs: config.mqtt.connectTimeoutMs,
          log: brokerLog,
          sources: deviceSources,
          subjects: () => household.view().subjects,
          ingest,
          subscriptionMemory: external.subscriptionMemoryIn(store.settings, clock),
          will: { topic: STATUS_TOPIC, payload: 'offline' },
        });
  metrics.gauge('homeward_mqtt_clients', 'Connected MQTT clients (external broker: its own count, else 1 for the hub)', () => broker.clientCount());
  metrics.gauge('homeward_mqtt_broker_connected', 'Whether MQTT readings can reach the hub (1) or not (0)', () => (broker.connected() ? 1 : 0));

  const alertService = createAlertService({ store, bus, log: log.child({ module: 'alerts' }), alertsTotal });
  // Issue 10: free space on the data directory; a hub-storage-low fault alert while it can still be stored.
  const storageWatch = createStorageWatch({ dataDir: config.dataDir, ...config.diskSpace, clock, log: log.child({ module: 'storage' }), alerts: alertService, metrics });
  const rulesLog = log.child({ module: 'rules' });
  const engine = createRuleEngine({ rules, store, household, states: () => commit.states(), alerts: alertService, clock, log: rulesLog });
  metrics.gauge('homeward_rule_ticks_total', 'Rule engine ticks since start (deadline evaluations)', () => engine.ticks());
  metrics.gauge('homeward_rules_evaluated_until_seconds', 'Every rule has judged its deadlines up to this Unix time', () => (engine.evaluatedUntil() ?? 0) / 1000);
  // Rules see each reading as soon as it is committed: a night exit alerts within milliseconds.
  bus.on('readingsCommitted', 'rules', ({ readings }) => engine.onReadings(readings));
  bus.on('householdChanged', 'rules', () => engine.householdChanged());
  // Every alert change goes out as JSON on homeward/alerts/<id> (DESIGN.md, "MQTT out"): see mqttOut below.
  // DESIGN.md budgets the event loop's maximum delay (a median hides a 600 ms freeze): expose the
  // maximum and p99 since the previous scrape.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  metrics.gauge('homeward_event_loop_delay_max_seconds', 'Longest event-loop delay since the previous scrape', () => {
    const max = loopDelay.max / 1e9;
    return Number.isFinite(max) ? max : 0;
  });
  metrics.gauge('homeward_event_loop_delay_p99_seconds', 'p99 event-loop delay since the previous scrape; resets the window', () => {
    const p99 = loopDelay.count > 0 ? loopDelay.percentile(99) / 1e9 : 0;
    loopDelay.reset();
    return p99;
  });
  bus.on('householdChanged', 'broker', () => broker.revalidateSessions());

  const failedIngestAuth = createAttemptLimiter({ perMinute: config.mqtt.connectAttemptsPerMinute, clock });
  const subjectFor = (username: string, password: string) =>
    credentials.verify(username, password) ? household.view().subjects.get(username) : undefined;
  const throttle = createLoginThrottle({ clock });
  const authLog = log.child({ module: 'auth' });
  const login = createLoginService({ accounts: home.accounts, sessions: home.sessions, throttle, audit: store.audit, clock, log: authLog });
  // The API's resources (issue 5). Each group builds what its routes need from the hub's parts.
  const api = {
    home: createHomeServices({
      config,
      store,
      bus,
      clock,
      log: log.child({ module: 'home' }),
      household,
      credentials,
      commit,
      alerts: alertService,
      deviceStatuses: (now) => home.deviceStatuses(commit.states(), now),
      noteWrites: (rows) => checkpointer.noteWrites(rows),
    }),
    care: createCareServices({ store, bus, clock, log: log.child({ module: 'care' }), alerts: alertService, household, sessions: home.sessions, deviceStatuses: (now) => home.deviceStatuses(commit.states(), now) }),
    circle: createCircleServices({
      store,
      bus,
      clock,
      log: log.child({ module: 'circle' }),
      accounts: home.accounts,
      sessions: home.sessions,
      household,
      dashboardBase: dashboardBase(config),
      throttle,
      allowInternalPushEndpoints: config.push?.allowPrivateEndpoints === true,
    }),
  };

  // MQTT out and commands for integrations (issue 6, item 9): Home Assistant discovery, homeward/state,
  // alerts and incidents as JSON; acknowledge and resolve from homeward/commands/#. And what the CLI
  // changes in the database while the hub runs (item 10), noticed within a second.
  const integrationsLog = log.child({ module: 'integrations' });
  const mqttOut = createMqttPublisher({
    publish: (topic, payload, options) => broker.publish(topic, payload, options),
    bus,
    settings: store.settings,
    identity: () => ({ homeName: household.view().household.home.name, version: packageVersion(), dashboardUrl: dashboardBase(config) }),
    openAlerts: () => alertService.openAlerts().sort((a, b) => a.raisedAt - b.raisedAt).map((alert) => alertService.json(alert)),
    openIncidents: () => api.care.routes.incidents.list({ status: 'open', limit: 200 }).incidents,
    incident: (incidentId) => (store.incidents.byId(incidentId) === undefined ? undefined : api.care.routes.incidents.summary(incidentId)),
    clock,
    log: integrationsLog,
  });
  const mqttCommands = createMqttCommands({
    actions: api.care.actions,
    openAlerts: () => alertService.openAlerts(),
    publish: (topic, payload, options) => broker.publish(topic, payload, options),
    commandsTotal: metrics.counter('homeward_commands_total', 'Commands from integrations over MQTT, by command and result'),
    clock,
    log: integrationsLog,
  });
  broker.onIntegrationPublish(mqttCommands.handle);
  const cliChanges = createChangesFromCli({ store, alerts: alertService, bus, log: integrationsLog });
  let cliChangesPoll: NodeJS.Timeout | undefined;

  // Web Push (issue 7): the hub's own channel; "I'm on it" from the lock screen acts as the member,
  // within what their role allows now. A VAPID subject Safari rejects stops the start here.
  const webPush = createWebPush({
    dataDir: config.dataDir,
    publicUrl: config.publicUrl,
    contact: deps.webPush?.contact ?? config.push?.contact,
    store,
    subscriptions: api.circle.push,
    acknowledge: (alertId, userId) => api.care.actions.acknowledge(alertId, { userId }),
    mayAcknowledge: (userId) => {
      const user = store.users.byId(userId);
      return user !== undefined && user.disabledAt === null && roleMay(user.role, 'alerts.act');
    },
    pushTotal: metrics.counter('homeward_push_total', 'Web Push requests, by outcome'),
    clock,
    log: log.child({ module: 'web-push' }),
    transport: deps.webPush?.transport,
    wait: deps.webPush?.wait,
  });
  // A wrong clock breaks VAPID (issue 7, item 6): shown in /api/health.
  const clockHealth = createClockHealth({ clock, probe: deps.clockSync ?? timedatectlProbe(), earliestPlausible: EARLIEST_PLAUSIBLE_TIME, log: log.child({ module: 'clock' }) });

  // The escalation ladder (issue 6, item 4) sends through every notification channel (issue 6, item 9).
  const notifier = createNotifier({
    channels: deps.channels ?? [webPush.channel],
    notifications: metrics.counter('homeward_notifications_total', 'Notifications sent, by channel and outcome'),
    log: log.child({ module: 'notify' }),
  });
  const escalation = createEscalationService({
    store,
    timeline: api.care.timeline,
    alerts: alertService,
    circle: { onCallAt: api.circle.onCallAt, preferencesOf: api.circle.preferencesOf, awaySpells: (now) => api.circle.routes.preferences.awaySpells(now) },
    household,
    notifier,
    bus,
    clock,
    log: log.child({ module: 'escalation' }),
  });

  // The daily digest (issue 6, item 7): its facts for the API, and each member's digest at their chosen time.
  const digestFacts = api.care.digest;
  const digest = createDigestSchedule({
    store,
    household,
    clock,
    log: log.child({ module: 'digest' }),
    facts: digestFacts,
    preferencesOf: (userId) => api.circle.preferencesOf(userId),
    send: (recipient, message) => notifier.send(recipient, message).done,
  });

  // The daily backup with rotation (issue 9, item 4), in the home's time zone; its copy runs in a worker.
  const backups = createBackupSchedule({
    databaseFile: home.file,
    dataDir: config.dataDir,
    dir: backupDir(config),
    at: config.backup.at,
    keep: config.backup.keep,
    timeZone: () => household.view().household.home.timezone,
    clock,
    log: log.child({ module: 'backup' }),
    hubVersion: packageVersion(),
    metrics,
  });

  // One answer to "does the database answer", for /api/health and the watchdog: it reads the file (the
  // schema page), where `SELECT 1` would only prove the connection object exists.
  const databaseAnswers = (): boolean => {
    try {
      store.db.prepare('SELECT count(*) FROM sqlite_schema').get();
      return true;
    } catch {
      return false;
    }
  };

  const http = await buildServer({
    api: { home: api.home.routes, care: api.care.routes, circle: api.circle.routes },
    publicUrl: config.publicUrl,
    accounts: { sessions: home.sessions, apiTokens: home.apiTokens, login, setup: home.setup, throttle, audit: store.audit, clock },
    ingest: {
      authenticate: subjectFor,
      subjectBySecret: (secret) => {
        // Trackers that can send only an identifier send their device's secret: find whose it is.
        for (const subject of household.view().subjects.values()) {
          if (subject.type === 'device' && subject.device.source === 'traccar' && credentials.verify(subject.device.id, secret)) return subject;
        }
        return undefined;
      },
      osmandIdentifier: osmandDeviceIdentifier,
      accept: (subject, request, path) => ingest.acceptHttp(subject, request, path),
      allowAttempt: (address) => !failedIngestAuth.exhausted(address),
      failedAttempt: (address) => void failedIngestAuth.allow(address),
      owntracksReply: OWNTRACKS_HTTP_REPLY,
    },
    version: packageVersion(),
    log: log.child({ module: 'http' }),
    metrics,
    trustedProxies: config.http.trustedProxies,
    health: {
      uptimeS: () => (clock.now() - startedAt) / 1000,
      mqttClients: () => broker.clientCount(),
      // Shown only for an external broker: the embedded one is up whenever the hub is.
      ...(config.mqtt.url === undefined ? {} : { mqttConnected: () => broker.connected() }),
      dbOk: databaseAnswers,
      clock: () => clockHealth.finding(),
    },
    push: { vapid: () => ({ publicKey: webPush.publicKey, off: webPush.off }), acknowledgeByToken: (token) => webPush.acknowledgeByToken(token) },
    dashboard: { map: config.map },
  });
  broker.attachWebSocket(http.server);

  // Issue 9, items 2 and 8: systemd restarts a stuck hub, and someone outside learns when it stops.
  const supervision = createSupervision({
    config,
    log: log.child({ module: 'supervision' }),
    metrics,
    lookups: {
      now: () => clock.now(),
      databaseAnswers,
      brokerUp: () => broker.connected(),
      externalBroker: config.mqtt.url !== undefined,
      evaluatedUntil: () => engine.evaluatedUntil(),
    },
  });

  let householdPoll: NodeJS.Timeout | undefined;
  let stopped = false;

  return {
    config,
    home,
    store,
    household,
    credentials,
    ingest,
    commit,
    broker,
    http,
    bus,
    metrics,
    alerts: alertService,
    engine,
    api,
    escalation,
    webPush,
    supervision,

    async start() {
      checkpointer.start();
      // An import by the CLI (another process) takes effect within a second, without a restart.
      householdPoll = setInterval(() => household.reloadIfChanged(), 1000);
      householdPoll.unref();
      const mqttPort = await broker.listen(config.mqtt.port, config.host);
      const mqttTlsPort = broker.tlsPort();
      // Deadlines missed while the hub was down (or skipped by a clock jump) are caught up on this first tick.
      engine.start();
      api.home.start();
      api.care.start();
      api.circle.start();
      // After the rules' first tick, so alerts raised catching up are escalated too; resumes each ladder from its timeline.
      escalation.start();
      digest.start();
      backups.start();
      clockHealth.start();
      storageWatch.start(config.diskSpace.checkEveryMs);
      await mqttOut.start();
      cliChanges.start();
      cliChangesPoll = setInterval(() => cliChanges.poll(), 1000);
      cliChangesPoll.unref();
      // After the broker listens and the rules' first tick: the first judgement is a fair one.
      supervision.start();
      // Web Push and installing the dashboard need https (issue 9, item 3): say so at every start until it is.
      warnUnlessPublicUrlHttps(config.publicUrl, log.child({ module: 'http' }));
      // No default account (DESIGN.md): until there is an owner, each start makes a fresh one-time link.
      const link = home.setup.issue();
      if (link === undefined) return { mqttPort, ...(mqttTlsPort === undefined ? {} : { mqttTlsPort }) };
      const setupLink = `${dashboardBase(config)}/setup?token=${link.token}`;
      authLog.warn({ setupLink, expiresAt: new Date(link.expiresAt).toISOString() }, `No owner yet. Create the owner's account within 24 hours at ${setupLink}`);
      return { mqttPort, ...(mqttTlsPort === undefined ? {} : { mqttTlsPort }), setupLink };
    },

    async stop() {
      if (stopped) return;
      stopped = true;
      supervision.stop();
      clearInterval(householdPoll);
      clearInterval(cliChangesPoll);
      await mqttOut.stop();
      escalation.stop();
      webPush.stop();
      clockHealth.stop();
      storageWatch.stop();
      engine.stop();
      digest.stop();
      await backups.stop();
      api.circle.stop();
      api.care.stop();
      api.home.stop();
      loopDelay.disable();
      broker.stopAccepting();
      // Commit (and so acknowledge) what has arrived before the clients are closed.
      commit.flush();
      await broker.close();
      await http.close();
      commit.flush();
      await checkpointer.stop();
      home.close();
    },
  };
}

/** Where people reach the dashboard: the public URL, else this host's HTTP address (by name when bound to every interface). */
function dashboardBase(config: HubConfig): string {
  if (config.publicUrl !== undefined) return config.publicUrl.replace(/\/+$/, '');
  const wildcard = config.host === '0.0.0.0' || config.host === '::';
  const host = wildcard ? os.hostname() : config.host.includes(':') ? `[${config.host}]` : config.host;
  return `http://${host}:${config.http.port}`;
}
