/**
 * Numbered migrations, applied in order at start inside one transaction each; `PRAGMA user_version`
 * records the last applied. Later issues append; never edit a migration that has shipped.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'household, devices, credentials, readings, device state',
    sql: `
      CREATE TABLE household (
        id          INTEGER PRIMARY KEY CHECK (id = 1),
        document    TEXT    NOT NULL,
        revision    INTEGER NOT NULL,
        imported_at INTEGER NOT NULL
      );

      -- num is the compact integer id readings use; id is the household document's id.
      -- Devices removed from the household are retired, not deleted, so their history stays.
      CREATE TABLE devices (
        num        INTEGER PRIMARY KEY,
        id         TEXT    NOT NULL UNIQUE,
        name       TEXT    NOT NULL,
        kind       TEXT    NOT NULL,
        source     TEXT    NOT NULL,
        bridge_id  TEXT,
        added_at   INTEGER NOT NULL,
        retired_at INTEGER
      );

      CREATE TABLE bridges (
        id           TEXT    PRIMARY KEY,
        source       TEXT    NOT NULL,
        base_topic   TEXT    NOT NULL,
        added_at     INTEGER NOT NULL,
        retired_at   INTEGER,
        last_seen_at INTEGER,
        online       INTEGER
      );

      -- One MQTT/HTTP credential per device, bridge or integration. The password is never stored:
      -- it is derived from the hub's credential key (so it can be shown again) and only a salted hash is kept.
      CREATE TABLE credentials (
        username     TEXT    PRIMARY KEY,
        subject_type TEXT    NOT NULL CHECK (subject_type IN ('device', 'bridge', 'integration')),
        generation   INTEGER NOT NULL,
        salt         BLOB    NOT NULL,
        hash         BLOB    NOT NULL,
        created_at   INTEGER NOT NULL,
        rotated_at   INTEGER
      );

      -- Readings: one compact table per kind, clustered on (device, at) with no rowid, so the
      -- primary key is the only index (DESIGN.md budget: <= 48 bytes per reading including indexes).
      -- at is Unix ms; positions are stored in microdegrees (about 11 cm).
      CREATE TABLE door_readings (
        device INTEGER NOT NULL,
        at     INTEGER NOT NULL,
        open   INTEGER NOT NULL,
        PRIMARY KEY (device, at)
      ) WITHOUT ROWID;

      CREATE TABLE position_readings (
        device     INTEGER NOT NULL,
        at         INTEGER NOT NULL,
        lat_e6     INTEGER NOT NULL,
        lon_e6     INTEGER NOT NULL,
        accuracy_m INTEGER,
        PRIMARY KEY (device, at)
      ) WITHOUT ROWID;

      CREATE TABLE pillbox_readings (
        device      INTEGER NOT NULL,
        at          INTEGER NOT NULL,
        compartment INTEGER NOT NULL,
        open        INTEGER NOT NULL,
        PRIMARY KEY (device, at)
      ) WITHOUT ROWID;

      -- Current state per device; written once per device per group commit.
      CREATE TABLE device_state (
        device         INTEGER PRIMARY KEY,
        last_seen_at   INTEGER,
        battery        INTEGER,
        battery_at     INTEGER,
        link_quality   INTEGER,
        voltage_mv     INTEGER,
        online         INTEGER,
        online_at      INTEGER,
        door_open      INTEGER,
        door_at        INTEGER,
        lat_e6         INTEGER,
        lon_e6         INTEGER,
        accuracy_m     INTEGER,
        position_at    INTEGER,
        pillbox_open   INTEGER,
        pillbox_compartment INTEGER,
        pillbox_at     INTEGER
      );
    `,
  },
  {
    version: 2,
    name: 'devices seen on the wire that no household entry claims',
    sql: `
      CREATE TABLE discovered_devices (
        topic         TEXT    PRIMARY KEY,
        source        TEXT    NOT NULL,
        bridge_id     TEXT,
        description   TEXT,
        suggested     TEXT    NOT NULL,
        first_seen_at INTEGER NOT NULL,
        last_seen_at  INTEGER NOT NULL,
        messages      INTEGER NOT NULL DEFAULT 1
      );
    `,
  },
  {
    version: 3,
    name: 'alerts, incidents, rule watermarks, dose adherence',
    sql: `
      -- One incident groups related alerts (a night exit, leaving the zone, the tracker going quiet).
      CREATE TABLE incidents (
        id            TEXT    PRIMARY KEY,
        type          TEXT    NOT NULL,
        status        TEXT    NOT NULL,
        opened_at     INTEGER NOT NULL,
        last_alert_at INTEGER NOT NULL,
        closed_at     INTEGER
      );

      -- key names the condition (see src/core/alerts.ts): UNIQUE is what makes "one condition, one
      -- alert" hold across restarts and clock jumps.
      CREATE TABLE alerts (
        id          TEXT    PRIMARY KEY,
        key         TEXT    NOT NULL UNIQUE,
        type        TEXT    NOT NULL,
        severity    TEXT    NOT NULL,
        status      TEXT    NOT NULL,
        device_id   TEXT,
        incident_id TEXT REFERENCES incidents (id),
        title       TEXT    NOT NULL,
        details     TEXT    NOT NULL,
        raised_at   INTEGER NOT NULL,
        resolved_at INTEGER,
        resolution  TEXT
      );
      CREATE INDEX alerts_open ON alerts (status) WHERE status <> 'resolved';

      -- Each rule's deadlines are evaluated up to here; the next tick covers (at, now].
      CREATE TABLE rule_watermarks (
        rule TEXT    PRIMARY KEY,
        at   INTEGER NOT NULL
      );

      CREATE TABLE dose_records (
        dose   TEXT    NOT NULL,
        date   TEXT    NOT NULL,
        status TEXT    NOT NULL,
        at     INTEGER NOT NULL,
        PRIMARY KEY (dose, date)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 4,
    name: 'door state: when it last changed, and when it was last reported',
    sql: `
      -- door_at is now when the door last CHANGED (a repeated "still open" must not restart the
      -- door-open-too-long countdown); door_reported_at orders reports, so a late one cannot undo a newer one.
      ALTER TABLE device_state ADD COLUMN door_reported_at INTEGER;
      UPDATE device_state SET door_reported_at = door_at;
    `,
  },
  {
    version: 5,
    name: 'people: users, sessions, API tokens, invitations (and the setup link), audit log',
    sql: `
      -- Issue 5. The dashboard has no default account (DESIGN.md, "Reliability and security promises"):
      -- the first owner comes from a one-time setup invitation or "homeward user add".
      -- email is stored trimmed and lower-cased by the account service; NOCASE is a second guard.
      CREATE TABLE users (
        id            INTEGER PRIMARY KEY,
        email         TEXT    NOT NULL COLLATE NOCASE UNIQUE,
        name          TEXT    NOT NULL,
        role          TEXT    NOT NULL CHECK (role IN ('owner', 'family', 'carer', 'installer', 'viewer')),
        password_hash TEXT    NOT NULL,
        created_at    INTEGER NOT NULL,
        disabled_at   INTEGER
      );

      -- A session is found by the SHA-256 of its cookie token: a copied database opens no session.
      -- Idle expiry is judged from last_seen_at (so a changed setting applies to existing sessions);
      -- the absolute expiry is fixed when the session starts.
      CREATE TABLE sessions (
        id           INTEGER PRIMARY KEY,
        token_hash   BLOB    NOT NULL UNIQUE,
        user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        csrf_token   TEXT    NOT NULL,
        created_at   INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL,
        expires_at   INTEGER NOT NULL,
        user_agent   TEXT,
        address      TEXT
      );
      CREATE INDEX sessions_user ON sessions (user_id);

      -- API tokens for scripts (DESIGN.md, "HTTP"): shown once, kept only as SHA-256; revoked tokens
      -- stay listed so their owner can see what was cut off and when.
      CREATE TABLE api_tokens (
        id           INTEGER PRIMARY KEY,
        user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        name         TEXT    NOT NULL,
        token_hash   BLOB    NOT NULL UNIQUE,
        created_at   INTEGER NOT NULL,
        last_used_at INTEGER,
        revoked_at   INTEGER
      );
      CREATE INDEX api_tokens_user ON api_tokens (user_id);

      -- Single-use, expiring links that let someone create an account with a given role. The setup
      -- link printed at first start is one (purpose 'setup', role 'owner', invited by nobody);
      -- the owner's invitations (issue 5, item 2) are the others.
      CREATE TABLE invitations (
        id          INTEGER PRIMARY KEY,
        token_hash  BLOB    NOT NULL UNIQUE,
        purpose     TEXT    NOT NULL CHECK (purpose IN ('setup', 'invite')),
        role        TEXT    NOT NULL CHECK (role IN ('owner', 'family', 'carer', 'installer', 'viewer')),
        email       TEXT    COLLATE NOCASE,
        invited_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
        created_at  INTEGER NOT NULL,
        expires_at  INTEGER NOT NULL,
        used_at     INTEGER,
        used_by     INTEGER REFERENCES users (id) ON DELETE SET NULL
      );

      -- Who did what, and who viewed the person's location (DESIGN.md promise). user_id has no
      -- foreign key: the trail outlives the account it names.
      CREATE TABLE audit_log (
        id      INTEGER PRIMARY KEY AUTOINCREMENT,
        at      INTEGER NOT NULL,
        user_id INTEGER,
        action  TEXT    NOT NULL,
        target  TEXT,
        details TEXT    NOT NULL DEFAULT '{}'
      );
      CREATE INDEX audit_log_at ON audit_log (at);
    `,
  },
  {
    version: 6,
    name: 'the care circle: alert responses, care log, members, rota, push subscriptions, settings',
    sql: `
      -- Issue 5 (the API) and issue 6 (the circle). Who acknowledged and resolved an alert or an incident.
      ALTER TABLE alerts ADD COLUMN acknowledged_at INTEGER;
      ALTER TABLE alerts ADD COLUMN acknowledged_by INTEGER;
      ALTER TABLE alerts ADD COLUMN resolved_by INTEGER;
      ALTER TABLE incidents ADD COLUMN acknowledged_at INTEGER;
      ALTER TABLE incidents ADD COLUMN acknowledged_by INTEGER;
      ALTER TABLE incidents ADD COLUMN resolved_by INTEGER;
      ALTER TABLE incidents ADD COLUMN resolution TEXT;

      -- An invitation names whom it is for, and can be withdrawn before it is used.
      ALTER TABLE invitations ADD COLUMN name TEXT;
      ALTER TABLE invitations ADD COLUMN revoked_at INTEGER;

      -- An alert's timeline: raised, notified, acknowledged, escalated, resolved, noted. user_id has no
      -- foreign key for the same reason as the audit log: the record outlives the account.
      CREATE TABLE alert_events (
        id       INTEGER PRIMARY KEY,
        alert_id TEXT    NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
        at       INTEGER NOT NULL,
        kind     TEXT    NOT NULL,
        user_id  INTEGER,
        details  TEXT    NOT NULL DEFAULT '{}'
      );
      CREATE INDEX alert_events_alert ON alert_events (alert_id, at);

      -- The shared care log (visit notes, handovers, "slept badly"), beside the sensor timeline.
      CREATE TABLE care_notes (
        id          INTEGER PRIMARY KEY,
        at          INTEGER NOT NULL,
        author_id   INTEGER,
        kind        TEXT    NOT NULL,
        text        TEXT    NOT NULL,
        incident_id TEXT,
        edited_at   INTEGER
      );
      CREATE INDEX care_notes_at ON care_notes (at);
      CREATE TABLE care_note_reactions (
        note_id  INTEGER NOT NULL REFERENCES care_notes (id) ON DELETE CASCADE,
        user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        reaction TEXT    NOT NULL,
        at       INTEGER NOT NULL,
        PRIMARY KEY (note_id, user_id, reaction)
      ) WITHOUT ROWID;

      -- Each member's contact channels, notification preferences, quiet hours and digest (JSON,
      -- validated by the circle's schema), and whether they are away.
      CREATE TABLE member_profiles (
        user_id     INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
        preferences TEXT    NOT NULL DEFAULT '{}',
        away_from   INTEGER,
        away_until  INTEGER,
        updated_at  INTEGER NOT NULL
      );

      -- The on-call rota: who answers first (tier 1), then next, for which days and local hours.
      -- days is a comma list of mon..sun; an end at or before the start runs past midnight.
      CREATE TABLE rota_shifts (
        id      INTEGER PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        days    TEXT    NOT NULL,
        start   TEXT    NOT NULL,
        end     TEXT    NOT NULL,
        tier    INTEGER NOT NULL DEFAULT 1
      );
      -- A swap: on one local date, someone else covers a shift.
      CREATE TABLE rota_cover (
        id         INTEGER PRIMARY KEY,
        shift_id   INTEGER NOT NULL REFERENCES rota_shifts (id) ON DELETE CASCADE,
        date       TEXT    NOT NULL,
        user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        created_by INTEGER,
        created_at INTEGER NOT NULL,
        UNIQUE (shift_id, date)
      );

      -- Web Push subscriptions: one member, many browsers and phones. The endpoint is the identity
      -- (a 404 or 410 from it deletes exactly that row).
      CREATE TABLE push_subscriptions (
        id              INTEGER PRIMARY KEY,
        user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        endpoint        TEXT    NOT NULL UNIQUE,
        p256dh          TEXT    NOT NULL,
        auth            TEXT    NOT NULL,
        label           TEXT,
        created_at      INTEGER NOT NULL,
        last_success_at INTEGER,
        last_failure_at INTEGER,
        failures        INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id);

      -- Household-wide settings the owner changes at run time (retention per data type, ...), as JSON.
      CREATE TABLE settings (
        key        TEXT    PRIMARY KEY,
        value      TEXT    NOT NULL,
        updated_at INTEGER NOT NULL,
        updated_by INTEGER
      );
    `,
  },
  {
    version: 7,
    name: 'used "I\'m on it" action tokens',
    sql: `
      -- Issue 7, item 5: "I'm on it" from the lock screen, with a signed, expiring, single-use token.
      -- A token's id is kept here once used, until it would have expired anyway.
      CREATE TABLE used_action_tokens (
        token_id   TEXT    PRIMARY KEY,
        used_at    INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX used_action_tokens_expiry ON used_action_tokens (expires_at);
    `,
  },
  {
    version: 8,
    name: 'recent MQTT deliveries',
    sql: `
      -- Issue 10 (kill -9: none stored twice): a QoS 1 publish whose readings carry no time of their own,
      -- committed just before a crash, comes again after the restart with the same packet id (mqtt.js
      -- resends without even setting DUP). Its packet id and a digest of its topic and payload, written
      -- in the same transaction as its readings, are how the resend is known (ingest/mqtt-delivery.ts).
      -- client is the MQTT client id, qualified by the credential that logged in with it.
      CREATE TABLE mqtt_deliveries (
        client    TEXT    NOT NULL,
        packet_id INTEGER NOT NULL,
        digest    INTEGER NOT NULL,
        at        INTEGER NOT NULL,
        PRIMARY KEY (client, packet_id)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 9,
    name: 'recent MQTT deliveries, a row per commit',
    sql: `
      -- Issue 10 (ingest budget): a row and a B-tree lookup for every publish cost a quarter of the
      -- ingest rate. The hub now keeps the index in memory (ingest/recent-deliveries.ts) and writes one
      -- row per group commit, read back at start. The rows of migration 8 are carried over as one
      -- batch each, so a resend due across the upgrade is still known.
      CREATE TABLE mqtt_delivery_batches (
        id      INTEGER PRIMARY KEY,
        at      INTEGER NOT NULL,
        packets TEXT    NOT NULL
      );
      INSERT INTO mqtt_delivery_batches (at, packets)
        SELECT at, json_object('clients', json_array(client), 'packets', json_array(0, packet_id, digest))
        FROM mqtt_deliveries ORDER BY at;
      DROP TABLE mqtt_deliveries;
    `,
  },
];
