import type { AlertService } from '../alerts/alert-service.js';
import type { EventBus } from '../core/event-bus.js';
import type { Logger } from '../core/logger.js';
import type { AlertRow } from '../store/alerts-repo.js';
import type { Store } from '../store/store.js';

/**
 * Changes the `homeward` command makes while the hub runs (issue 6, item 10: `ack`, `resolve`,
 * `note add`, `rota add`, `away`, `user role`) reach the running hub within a second, as a household
 * import does (household.reloadIfChanged).
 *
 * Why the CLI writes the database itself rather than asking the hub over HTTP: it then works whether
 * or not the hub is running (an "I'm on it" typed over SSH while the hub restarts is not lost), needs
 * no API token minted for each command, and every rule it must keep (roles, conflicts, notes, the
 * audit) is the same code the API runs. What the CLI cannot do is tell the hub's memory: the open
 * alerts the rules and escalation read (alert-service.ts keeps them in memory), and the bus events
 * MQTT, live views and notifications listen to. That is this watcher's job.
 *
 * SQLite's `PRAGMA data_version` changes when another connection commits, and only then (never for
 * the hub's own writes), so the poll costs one read of shared memory until something happens. Then:
 *  - alerts: the stored open alerts are compared with the in-memory ones; each difference (acknowledged,
 *    resolved elsewhere) updates memory and is announced (alertChanged, incidentChanged), once. The
 *    hub's own changes keep memory and store in step within the same turn, so they never differ here.
 *  - the care log: notes written since the newest the hub knows of are announced (careLogChanged).
 *  - the circle: a changed rota, away spell or member's role is announced (circleChanged), so live
 *    views update and a demoted member's live stream is checked again at once.
 */
export interface ChangesFromCliDeps {
  store: Pick<Store, 'db' | 'alerts' | 'careNotes' | 'rota' | 'memberProfiles' | 'users'>;
  alerts: Pick<AlertService, 'openAlerts' | 'changed' | 'json'>;
  bus: EventBus;
  log: Logger;
}

const OWNER = 'changes-from-cli';
const NOTES_PER_POLL = 200;

export function createChangesFromCli(deps: ChangesFromCliDeps) {
  const { store, alerts, bus, log } = deps;
  const dataVersion = () => store.db.pragma('data_version', { simple: true }) as number;
  let seenVersion = -1;
  let newestNote = 0;
  let rota = '';
  let away = '';
  let members = '';

  const newestNoteId = () => store.careNotes.list({ from: 0, to: Number.MAX_SAFE_INTEGER, limit: 1 })[0]?.id ?? 0;
  const rotaSignature = () => JSON.stringify(store.rota.shifts());
  const awaySignature = () => JSON.stringify(store.memberProfiles.awayAfter(0));
  const membersSignature = () => JSON.stringify(store.users.all().map((u) => [u.id, u.role, u.disabledAt]));

  // A note this hub wrote itself is announced by its own care log already.
  bus.on('careLogChanged', OWNER, ({ noteId, change }) => {
    if (change === 'added') newestNote = Math.max(newestNote, noteId);
  });

  function differs(before: AlertRow, after: AlertRow): boolean {
    return before.status !== after.status || before.acknowledgedAt !== after.acknowledgedAt || before.acknowledgedBy !== after.acknowledgedBy || before.resolvedAt !== after.resolvedAt;
  }

  function reconcileAlerts(): number {
    const known = new Map(alerts.openAlerts().map((alert) => [alert.id, alert]));
    const changed: AlertRow[] = [];
    for (const row of store.alerts.open()) {
      const before = known.get(row.id);
      known.delete(row.id);
      if (before === undefined || differs(before, row)) changed.push(row);
    }
    for (const before of known.values()) {
      const row = store.alerts.byId(before.id);
      if (row !== undefined) changed.push(row);
      // Gone from the record altogether (erased): forget it without announcing a resolution that never was.
      else alerts.changed({ ...before, status: 'resolved' });
    }
    const incidents = new Set<string>();
    for (const row of changed) {
      alerts.changed(row);
      bus.emit('alertChanged', { alert: alerts.json(row) });
      if (row.incidentId !== null) incidents.add(row.incidentId);
    }
    for (const incidentId of incidents) bus.emit('incidentChanged', { incidentId });
    if (changed.length > 0) log.info({ alerts: changed.map((a) => ({ id: a.id, status: a.status, acknowledged: a.acknowledgedAt !== null })) }, 'alerts changed by another process (the command line)');
    return changed.length;
  }

  function announceNotes(): void {
    const fresh = store.careNotes
      .list({ from: 0, to: Number.MAX_SAFE_INTEGER, limit: NOTES_PER_POLL })
      .filter((note) => note.id > newestNote)
      .sort((a, b) => a.id - b.id);
    for (const note of fresh) {
      newestNote = Math.max(newestNote, note.id);
      bus.emit('careLogChanged', { noteId: note.id, change: 'added' });
    }
  }

  function announceCircle(): void {
    const nextMembers = membersSignature();
    if (nextMembers !== members) bus.emit('circleChanged', { what: 'members' });
    members = nextMembers;
    const nextRota = rotaSignature();
    if (nextRota !== rota) bus.emit('circleChanged', { what: 'rota' });
    rota = nextRota;
    const nextAway = awaySignature();
    if (nextAway !== away) bus.emit('circleChanged', { what: 'preferences' });
    away = nextAway;
  }

  return {
    /** Takes the present as known (loading the open alerts into memory first, so a later difference shows). */
    start(): void {
      alerts.openAlerts();
      seenVersion = dataVersion();
      newestNote = newestNoteId();
      rota = rotaSignature();
      away = awaySignature();
      members = membersSignature();
    },

    /** Called once a second by the hub; returns whether another process had changed anything. */
    poll(): boolean {
      const version = dataVersion();
      if (version === seenVersion) return false;
      seenVersion = version;
      try {
        reconcileAlerts();
        announceNotes();
        announceCircle();
      } catch (error) {
        // A busy or failing database this second: try again on the next change.
        seenVersion = -1;
        log.error({ err: error }, 'could not read changes made by another process');
      }
      return true;
    },
  };
}

export type ChangesFromCli = ReturnType<typeof createChangesFromCli>;
