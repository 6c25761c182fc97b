import type { DeviceSource } from '../core/device-source.js';
import { HomewardError } from '../core/errors.js';
import { HouseholdSchema, type Household, type SourceId } from '../core/household.js';
import { schemaProblems, type SchemaProblem } from '../core/schema-check.js';

/**
 * Validates a household document: first its shape (TypeBox schema, errors by JSON path), then what a
 * schema cannot say — references between entries, unique ids, a real time zone, what each device
 * source requires. Throws HW_HOUSEHOLD_INVALID listing every problem; returns the document unchanged.
 */
export function validateHousehold(candidate: unknown, sources: ReadonlyMap<SourceId, DeviceSource>): Household {
  const shapeProblems = schemaProblems(HouseholdSchema, candidate);
  if (shapeProblems.length > 0) throw invalid(shapeProblems);
  const household = candidate as Household;
  const problems: SchemaProblem[] = [];
  const problem = (p: string, message: string) => problems.push({ path: p, message });

  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: household.home.timezone });
  } catch {
    problem('/home/timezone', `"${household.home.timezone}" is not an IANA time zone (e.g. "Europe/London")`);
  }

  // Devices, bridges and integrations share one namespace: each id is also an MQTT username.
  const firstUse = new Map<string, string>();
  const claim = (id: string, where: string) => {
    const earlier = firstUse.get(id);
    if (earlier !== undefined) problem(where, `id "${id}" is already used at ${earlier}`);
    else firstUse.set(id, where);
  };
  household.bridges?.forEach((b, i) => claim(b.id, `/bridges/${i}/id`));
  household.integrations?.forEach((x, i) => claim(x.id, `/integrations/${i}/id`));
  household.devices?.forEach((d, i) => claim(d.id, `/devices/${i}/id`));

  const zoneIds = new Set<string>();
  household.zones?.forEach((z, i) => {
    if (zoneIds.has(z.id)) problem(`/zones/${i}/id`, `zone id "${z.id}" is used twice`);
    zoneIds.add(z.id);
    if ((z.radiusM === undefined) === (z.polygon === undefined)) problem(`/zones/${i}`, 'a zone needs either radiusM (a circle) or polygon, not both');
  });

  household.bridges?.forEach((b, i) => {
    const source = sources.get(b.source);
    if (source === undefined) problem(`/bridges/${i}/source`, `source "${b.source}" is not supported by this hub`);
    else if (source.reach === 'device') problem(`/bridges/${i}/source`, `${source.title} devices connect themselves; they have no bridge`);
  });

  const topics = new Map<string, string>();
  household.devices?.forEach((d, i) => {
    const at = `/devices/${i}`;
    const source = sources.get(d.source);
    if (source === undefined) {
      problem(`${at}/source`, `source "${d.source}" is not supported by this hub`);
      return;
    }
    if (d.bridge !== undefined) {
      const bridge = household.bridges?.find((b) => b.id === d.bridge);
      if (bridge === undefined) problem(`${at}/bridge`, `no bridge with id "${d.bridge}" in /bridges`);
      else if (bridge.source !== d.source) problem(`${at}/bridge`, `bridge "${d.bridge}" is a ${bridge.source} bridge, not ${d.source}`);
      if (source.reach === 'device') problem(`${at}/bridge`, `${source.title} devices connect themselves; remove "bridge"`);
    } else if (source.reach === 'bridge') {
      problem(`${at}/bridge`, `${source.title} devices are reached through a bridge: name one from /bridges`);
    }
    if (d.exit !== undefined && d.kind !== 'door') problem(`${at}/exit`, 'only doors can be exits');
    if (d.compartments !== undefined && d.kind !== 'pillbox') problem(`${at}/compartments`, 'only pill boxes have compartments');
    if (d.topic !== undefined) {
      const other = topics.get(d.topic);
      if (other !== undefined) problem(`${at}/topic`, `topic "${d.topic}" is already used by ${other}`);
      topics.set(d.topic, `${at}`);
    }
    const sourceProblem = source.checkDevice?.(d);
    if (sourceProblem !== undefined) problem(at, sourceProblem);
  });

  const pillboxes = household.devices?.filter((d) => d.kind === 'pillbox') ?? [];
  const mostCompartments = Math.max(0, ...pillboxes.map((p) => p.compartments ?? 1));
  household.rules?.medication?.forEach((m, i) => {
    if (pillboxes.length > 0 && (m.compartment ?? 0) > mostCompartments) {
      problem(`/rules/medication/${i}/compartment`, `no pill box has compartment ${m.compartment} (largest has ${mostCompartments})`);
    }
  });

  if (problems.length > 0) throw invalid(problems);
  return household;
}

function invalid(problems: SchemaProblem[]): HomewardError {
  const lines = problems.map((p) => `  ${p.path}: ${p.message}`).join('\n');
  return new HomewardError('HW_HOUSEHOLD_INVALID', `household document is not valid:\n${lines}`, problems);
}
