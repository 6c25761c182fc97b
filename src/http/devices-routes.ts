import type { FastifyPluginAsync } from 'fastify';
import Type, { type Static } from 'typebox';
import { BridgeSchema, DeviceSchema, SourceIdSchema, type HouseholdBridge, type HouseholdDevice } from '../core/household.js';
import type { DeviceAdmin } from '../household/device-admin.js';
import { callerOf, ErrorReply } from './authenticate.js';
import { ConflictReply, IdParams, IfMatchHeaders, ifMatchRevision, InvalidReply, withRevision } from './home-replies.js';

/**
 * Devices and bridges (issue 5, item 7; DESIGN.md "Installers"): health for everyone, provisioning
 * for installers (devices.manage), who change only the devices and bridges of the household document.
 *   GET    /api/devices                     devices.read    each device's health and problems; never a coordinate
 *   GET    /api/devices/discovered          devices.manage  seen on the broker, claimed by no device
 *   POST   /api/devices                     devices.manage  add a device
 *   PUT    /api/devices/{id}                devices.manage  change one (its id stays: it is its MQTT username and its history)
 *   DELETE /api/devices/{id}                devices.manage  remove one (its history stays)
 *   GET    /api/devices/{id}/credentials    devices.manage  its MQTT username and password, or OsmAnd id (audited)
 *   and the same for /api/bridges.
 * If-Match is optional here (an installer cannot read the household document): when sent, a stale
 * revision is refused with 409. Each answer's ETag is the new revision.
 */
const Problem = Type.Object({ code: Type.String(), detail: Type.String() }, { additionalProperties: false });
const nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

const DeviceReportSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    kind: Type.String(),
    source: Type.String(),
    bridge: nullable(Type.String()),
    topic: nullable(Type.String()),
    exit: Type.Boolean(),
    heartbeat: nullable(Type.String()),
    compartments: nullable(Type.Integer()),
    online: Type.Boolean(),
    lastSeen: nullable(Type.String()),
    battery: nullable(Type.Number()),
    signal: nullable(Type.Number()),
    state: Type.String({ description: 'door/pillbox: open or closed; tracker: reporting; unknown before the first reading' }),
    problems: Type.Array(Problem),
  },
  { additionalProperties: false },
);

const BridgeReportSchema = Type.Object(
  {
    id: Type.String(),
    source: Type.String(),
    baseTopic: Type.String(),
    online: nullable(Type.Boolean()),
    lastSeen: nullable(Type.String()),
    devices: Type.Integer(),
  },
  { additionalProperties: false },
);

const SuggestedDevice = Type.Partial(DeviceSchema, { additionalProperties: false });
const DiscoveredSchema = Type.Object(
  {
    topic: Type.String(),
    source: Type.String(),
    bridge: nullable(Type.String()),
    description: nullable(Type.String()),
    firstSeen: Type.String(),
    lastSeen: Type.String(),
    messages: Type.Integer(),
    suggested: SuggestedDevice,
  },
  { additionalProperties: false },
);

const CredentialReply = Type.Object(
  { username: Type.String(), password: Type.String(), osmandId: Type.Optional(Type.String({ description: 'Traccar Client / OsmAnd: the device identifier to enter' })) },
  { additionalProperties: false },
);

const DeviceFields = Type.Omit(DeviceSchema, ['id'], { additionalProperties: false });
const BridgeFields = Type.Object({ source: SourceIdSchema, baseTopic: BridgeSchema.properties.baseTopic }, { additionalProperties: false });

const DeviceChanged = Type.Object({ device: DeviceSchema, revision: Type.Integer() }, { additionalProperties: false });
const BridgeChanged = Type.Object({ bridge: BridgeSchema, revision: Type.Integer() }, { additionalProperties: false });

const EditReplies = { 400: InvalidReply, 404: ErrorReply, 409: ConflictReply };

export const devicesRoutes: FastifyPluginAsync<{ devices: DeviceAdmin }> = async (app, { devices }) => {
  app.get(
    '/api/devices',
    {
      config: { permission: 'devices.read' },
      schema: { summary: 'Devices with their health: online, last seen, battery, signal, state, problems', tags: ['devices'], response: { 200: Type.Object({ devices: Type.Array(DeviceReportSchema) }, { additionalProperties: false }) } },
    },
    async () => ({ devices: devices.list() }),
  );

  app.get(
    '/api/devices/discovered',
    {
      config: { permission: 'devices.manage' },
      schema: {
        summary: 'Devices seen on the broker that the household does not claim, each with a suggested entry',
        tags: ['devices'],
        response: { 200: Type.Object({ devices: Type.Array(DiscoveredSchema) }, { additionalProperties: false }) },
      },
    },
    async () => ({ devices: devices.discovered() }),
  );

  app.post<{ Body: HouseholdDevice; Headers: Static<typeof IfMatchHeaders> }>(
    '/api/devices',
    {
      config: { permission: 'devices.manage' },
      schema: { summary: 'Add a device to the household', tags: ['devices'], headers: IfMatchHeaders, body: DeviceSchema, response: { 201: DeviceChanged, ...EditReplies } },
    },
    async (request, reply) => {
      const revision = devices.addDevice(callerOf(request).user.id, request.body, ifMatchRevision(request));
      return withRevision(reply, revision).code(201).send({ device: request.body, revision });
    },
  );

  app.put<{ Params: Static<typeof IdParams>; Body: Omit<HouseholdDevice, 'id'>; Headers: Static<typeof IfMatchHeaders> }>(
    '/api/devices/:id',
    {
      config: { permission: 'devices.manage' },
      schema: { summary: "Change a device (every field but its id, which is its MQTT username and names its history)", tags: ['devices'], params: IdParams, headers: IfMatchHeaders, body: DeviceFields, response: { 200: DeviceChanged, ...EditReplies } },
    },
    async (request, reply) => {
      const revision = devices.changeDevice(callerOf(request).user.id, request.params.id, request.body, ifMatchRevision(request));
      return withRevision(reply, revision).send({ device: { id: request.params.id, ...request.body }, revision });
    },
  );

  app.delete<{ Params: Static<typeof IdParams>; Headers: Static<typeof IfMatchHeaders> }>(
    '/api/devices/:id',
    {
      config: { permission: 'devices.manage' },
      schema: { summary: 'Remove a device from the household (its history stays; its open alerts resolve)', tags: ['devices'], params: IdParams, headers: IfMatchHeaders, response: { 204: Type.Null(), ...EditReplies } },
    },
    async (request, reply) => {
      const revision = devices.removeDevice(callerOf(request).user.id, request.params.id, ifMatchRevision(request));
      return withRevision(reply, revision).code(204).send();
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/api/devices/:id/credentials',
    {
      config: { permission: 'devices.manage' },
      schema: {
        summary: "A device's MQTT / HTTP credential (or OsmAnd identifier), to configure it; each view is audited",
        tags: ['devices'],
        params: IdParams,
        response: { 200: CredentialReply, 404: ErrorReply, 409: ErrorReply },
      },
    },
    async (request) => devices.deviceCredential(callerOf(request).user.id, request.params.id),
  );

  app.get(
    '/api/bridges',
    {
      config: { permission: 'devices.read' },
      schema: { summary: 'Bridges (Zigbee2MQTT, Tasmota, Shelly gateways) with their health', tags: ['devices'], response: { 200: Type.Object({ bridges: Type.Array(BridgeReportSchema) }, { additionalProperties: false }) } },
    },
    async () => ({ bridges: devices.bridges() }),
  );

  app.post<{ Body: HouseholdBridge; Headers: Static<typeof IfMatchHeaders> }>(
    '/api/bridges',
    {
      config: { permission: 'devices.manage' },
      schema: { summary: 'Add a bridge', tags: ['devices'], headers: IfMatchHeaders, body: BridgeSchema, response: { 201: BridgeChanged, ...EditReplies } },
    },
    async (request, reply) => {
      const revision = devices.addBridge(callerOf(request).user.id, request.body, ifMatchRevision(request));
      return withRevision(reply, revision).code(201).send({ bridge: request.body, revision });
    },
  );

  app.put<{ Params: Static<typeof IdParams>; Body: Omit<HouseholdBridge, 'id'>; Headers: Static<typeof IfMatchHeaders> }>(
    '/api/bridges/:id',
    {
      config: { permission: 'devices.manage' },
      schema: { summary: 'Change a bridge (its source or base topic)', tags: ['devices'], params: IdParams, headers: IfMatchHeaders, body: BridgeFields, response: { 200: BridgeChanged, ...EditReplies } },
    },
    async (request, reply) => {
      const revision = devices.changeBridge(callerOf(request).user.id, request.params.id, request.body, ifMatchRevision(request));
      return withRevision(reply, revision).send({ bridge: { id: request.params.id, ...request.body }, revision });
    },
  );

  app.delete<{ Params: Static<typeof IdParams>; Headers: Static<typeof IfMatchHeaders> }>(
    '/api/bridges/:id',
    {
      config: { permission: 'devices.manage' },
      schema: { summary: 'Remove a bridge no device uses any more', tags: ['devices'], params: IdParams, headers: IfMatchHeaders, response: { 204: Type.Null(), ...EditReplies } },
    },
    async (request, reply) => {
      const revision = devices.removeBridge(callerOf(request).user.id, request.params.id, ifMatchRevision(request));
      return withRevision(reply, revision).code(204).send();
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/api/bridges/:id/credentials',
    {
      config: { permission: 'devices.manage' },
      schema: { summary: "A bridge's MQTT credential, to configure it; each view is audited", tags: ['devices'], params: IdParams, response: { 200: CredentialReply, 404: ErrorReply, 409: ErrorReply } },
    },
    async (request) => devices.bridgeCredential(callerOf(request).user.id, request.params.id),
  );
};
