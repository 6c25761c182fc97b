import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../../api/client';
import type { Reply } from '../../api/types';
import { describe } from '../../ui/action';
import type { MapZone, ZonePlace } from '../../ui/leaflet-map';

type Household = Reply<'/api/household'>;
export type Zone = NonNullable<Household['household']['zones']>[number];

/** A zone as the form holds it: text as typed, checked only when saving. */
export interface ZoneDraft {
  /** This page's own handle for the row (a zone's id may not exist yet). */
  key: string;
  /** The saved zone's id; null for a zone added here. */
  id: string | null;
  name: string;
  lat: string;
  lon: string;
  radius: string;
  polygon: Zone['polygon'];
}

export type ZoneField = 'name' | 'lat' | 'lon' | 'radius';
export type ZoneProblems = Partial<Record<ZoneField, string>>;

/** The hub's limits (src/core/household.ts, ZoneSchema). */
const MAX_RADIUS_M = 100_000;
const MAX_NAME = 200;
const MAX_ZONES = 50;
const DEFAULT_RADIUS_M = 150;

let counter = 0;
const newKey = () => `zone-draft-${++counter}`;

export function draftOf(zone: Zone): ZoneDraft {
  return { key: newKey(), id: zone.id, name: zone.name, lat: String(zone.lat), lon: String(zone.lon), radius: zone.radiusM === undefined ? '' : String(zone.radiusM), polygon: zone.polygon };
}

function number(text: string): number | undefined {
  if (text.trim() === '') return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/** What is wrong with one draft, in words to show next to each field. */
export function problemsOf(draft: ZoneDraft): ZoneProblems {
  const problems: ZoneProblems = {};
  const name = draft.name.trim();
  if (name === '') problems.name = 'Give the zone a name, such as “Home” or “Day centre”.';
  else if (name.length > MAX_NAME) problems.name = `Keep the name under ${MAX_NAME} characters.`;
  const lat = number(draft.lat);
  if (lat === undefined || lat < -90 || lat > 90) problems.lat = 'The latitude must be a number from -90 to 90 (for example 51.5072).';
  const lon = number(draft.lon);
  if (lon === undefined || lon < -180 || lon > 180) problems.lon = 'The longitude must be a number from -180 to 180 (for example -0.1276).';
  if (draft.polygon === undefined) {
    const radius = number(draft.radius);
    if (radius === undefined || radius <= 0 || radius > MAX_RADIUS_M) problems.radius = 'The radius must be more than 0 metres and at most 100 km; 100 to 300 m suits a home.';
  }
  return problems;
}

/** The drafts that can be drawn now (those whose place is a valid number). */
export function drawable(drafts: readonly ZoneDraft[]): MapZone[] {
  const zones: MapZone[] = [];
  for (const draft of drafts) {
    const lat = number(draft.lat);
    const lon = number(draft.lon);
    const radius = number(draft.radius);
    if (lat === undefined || lon === undefined || Math.abs(lat) > 90 || Math.abs(lon) > 180) continue;
    zones.push({ id: draft.key, name: draft.name.trim() || 'New zone', lat, lon, radiusM: radius !== undefined && radius > 0 ? radius : draft.polygon ? undefined : 1, polygon: draft.polygon });
  }
  return zones;
}

/** An id the hub accepts (^[a-z0-9][a-z0-9_-]{0,63}$), from the name, not taken by another zone. */
export function zoneIdFor(name: string, taken: ReadonlySet<string>): string {
  const base = name.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'zone';
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  return id;
}

function toZones(drafts: readonly ZoneDraft[]): Zone[] {
  const taken = new Set(drafts.flatMap((draft) => (draft.id === null ? [] : [draft.id])));
  return drafts.map((draft) => {
    let id = draft.id;
    if (id === null) {
      id = zoneIdFor(draft.name, taken);
      taken.add(id);
    }
    const zone: Zone = { id, name: draft.name.trim(), lat: Number(draft.lat), lon: Number(draft.lon) };
    if (draft.polygon !== undefined) zone.polygon = draft.polygon;
    const radius = number(draft.radius);
    if (radius !== undefined) zone.radiusM = radius;
    return zone;
  });
}

export interface ZoneEditor {
  drafts: ZoneDraft[];
  dirty: boolean;
  selected: string | null;
  /** Shown problems, by draft key; set by a save attempt, cleared as fields are corrected. */
  problems: Record<string, ZoneProblems>;
  /** The hub's refusal, or the reason nothing was saved. */
  refusal: string | null;
  saved: boolean;
  busy: boolean;
  select(key: string | null): void;
  change(key: string, field: ZoneField, value: string): void;
  place(key: string, place: ZonePlace): void;
  add(at: { lat: number; lon: number }): string;
  remove(key: string): void;
  discard(): void;
  save(): Promise<string | undefined>;
  atLimit: boolean;
}

/**
 * The zones being edited (PUT /api/household/zones with If-Match: the revision they were loaded from,
 * so an edit never overwrites someone else's; a stale one is refused with 409). Until edited, the
 * drafts follow the household live.
 */
export function useZoneEditor(household: Household | undefined, reload: () => Promise<void>): ZoneEditor {
  const [drafts, setDrafts] = useState<ZoneDraft[]>([]);
  const [base, setBase] = useState<number | null>(null);
  const [dirty, setDirty] = useState(false);
  const [selected, setSelected] = useState<string | null>(null);
  const [problems, setProblems] = useState<Record<string, ZoneProblems>>({});
  const [refusal, setRefusal] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (household === undefined || dirty) return;
    if (base === household.revision) return;
    setDrafts((household.household.zones ?? []).map(draftOf));
    setBase(household.revision);
  }, [household?.revision, dirty]);

  const edited = (next: ZoneDraft[] | ((previous: ZoneDraft[]) => ZoneDraft[])) => {
    setDrafts(next);
    setDirty(true);
    setSaved(false);
  };

  return {
    drafts,
    dirty,
    selected,
    problems,
    refusal,
    saved,
    busy,
    atLimit: drafts.length >= MAX_ZONES,
    select: setSelected,
    change(key, field, value) {
      edited((previous) => previous.map((draft) => (draft.key === key ? { ...draft, [field]: value } : draft)));
      setProblems((previous) => {
        const mine = previous[key];
        if (mine?.[field] === undefined) return previous;
        const { [field]: _fixed, ...rest } = mine;
        return { ...previous, [key]: rest };
      });
    },
    place(key, at) {
      edited((previous) => previous.map((draft) => (draft.key === key ? { ...draft, lat: String(at.lat), lon: String(at.lon), radius: String(at.radiusM) } : draft)));
    },
    add(at) {
      const draft: ZoneDraft = { key: newKey(), id: null, name: '', lat: String(round(at.lat)), lon: String(round(at.lon)), radius: String(DEFAULT_RADIUS_M), polygon: undefined };
      edited((previous) => [...previous, draft]);
      setSelected(draft.key);
      return draft.key;
    },
    remove(key) {
      edited((previous) => previous.filter((draft) => draft.key !== key));
      if (selected === key) setSelected(null);
    },
    discard() {
      setDirty(false);
      setBase(null);
      setProblems({});
      setRefusal(null);
      void reload();
    },
    async save() {
      setSaved(false);
      const found: Record<string, ZoneProblems> = {};
      for (const draft of drafts) {
        const wrong = problemsOf(draft);
        if (Object.keys(wrong).length > 0) found[draft.key] = wrong;
      }
      setProblems(found);
      const firstWrong = drafts.find((draft) => found[draft.key] !== undefined);
      if (firstWrong) {
        setRefusal('Nothing was saved. Correct the marked fields, then save again.');
        const field = Object.keys(found[firstWrong.key] ?? {})[0] as ZoneField;
        return `${firstWrong.key}-${field}`;
      }
      setBusy(true);
      setRefusal(null);
      try {
        const reply = await api.put('/api/household/zones', { body: { zones: toZones(drafts) }, headers: { 'if-match': `"${base ?? 0}"` } });
        setDrafts(reply.zones.map(draftOf));
        setBase(reply.revision);
        setDirty(false);
        setSelected(null);
        setSaved(true);
        void reload();
      } catch (error) {
        const stale = error instanceof ApiError && error.status === 409;
        // The hub's own words name revisions; the circle needs to know what to do.
        setRefusal(stale ? 'Someone else changed the zones meanwhile, so nothing was saved. “Discard changes” loads the zones as they are now; then make your change again.' : describe(error));
      } finally {
        setBusy(false);
      }
      return undefined;
    },
  };
}

function round(degrees: number): number {
  return Math.round(degrees * 1e6) / 1e6;
}
