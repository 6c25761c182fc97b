import type { FastifyPluginAsync } from 'fastify';
import Type, { type Static } from 'typebox';
import { localDate } from '../core/local-time.js';
import { erasableDatasets } from '../privacy/erase.js';
import { exportDatasets, type ExportDataset } from '../privacy/export-datasets.js';
import type { PrivacyService, RetentionReport } from '../privacy/privacy-service.js';
import type { PruneRun } from '../privacy/pruner.js';
import { RetentionDaysSchema, retentionDatasets } from '../privacy/retention-policy.js';
import { prunableTables } from '../store/retention-repo.js';
import { callerOf } from './authenticate.js';
import { InvalidReply, IsoTime } from './home-replies.js';
import { iso, isoOrNull } from '../core/iso-time.js';

/**
 * The person's privacy (issue 5, item 8; DESIGN.md "The person: dignity and privacy").
 *   GET  /api/privacy/retention              household.read  how long each kind of record is kept, the last pruning run
 *   PUT  /api/privacy/retention              privacy.manage  change the periods (every one, in days)
 *   GET  /api/privacy/export                 privacy.manage  everything held about her, as one JSON document (streamed)
 *   GET  /api/privacy/export/{dataset}.csv   privacy.manage  one data set as CSV
 *   POST /api/privacy/erase                  privacy.manage  delete records on request: {datasets, before?, confirm: "erase"}
 * Exports and erasures are audited; an export's positions are a location view and audited as one.
 */
const Days = (description: string) => Type.Object(Object.fromEntries(retentionDatasets.map((d) => [d, Type.Integer()])), { additionalProperties: false, description });
const Counts = Type.Object(Object.fromEntries(prunableTables.map((t) => [t, Type.Optional(Type.Integer())])), { additionalProperties: false });

const PruneRunSchema = Type.Object(
  {
    trigger: Type.String(),
    startedAt: Type.String(),
    finishedAt: Type.String(),
    cutoffs: Type.Object(Object.fromEntries(retentionDatasets.map((d) => [d, Type.String()])), { additionalProperties: false }),
    deleted: Counts,
    failed: Type.Object(Object.fromEntries(prunableTables.map((t) => [t, Type.Optional(Type.String())])), { additionalProperties: false }),
  },
  { additionalProperties: false },
);

const RetentionReply = Type.Object(
  {
    days: Days('how long each kind of record is kept, in days'),
    defaults: Days('the periods a new hub starts with'),
    limits: Type.Object(
      Object.fromEntries(retentionDatasets.map((d) => [d, Type.Object({ min: Type.Integer(), max: Type.Integer() }, { additionalProperties: false })])),
      { additionalProperties: false },
    ),
    updatedAt: Type.Union([Type.String(), Type.Null()]),
    updatedBy: Type.Union([Type.Integer(), Type.Null()]),
    lastRun: Type.Union([PruneRunSchema, Type.Null()]),
    nextRunAt: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);

const DatasetParams = Type.Object({ dataset: Type.Enum([...exportDatasets], { description: 'one data set' }) }, { additionalProperties: false });

const EraseBody = Type.Object(
  {
    datasets: Type.Array(Type.Enum([...erasableDatasets]), { minItems: 1, maxItems: erasableDatasets.length, uniqueItems: true }),
    before: Type.Optional(IsoTime),
    confirm: Type.Literal('erase', { description: 'the word "erase": nothing is deleted by accident' }),
  },
  { additionalProperties: false },
);
const EraseReply = Type.Object(
  {
    datasets: Type.Array(Type.String()),
    before: Type.Union([Type.String(), Type.Null()]),
    deleted: Counts,
    walTruncated: Type.Boolean(),
    remains: Type.Array(Type.String(), { description: 'where copies may still be' }),
  },
  { additionalProperties: false },
);

function pruneRunJson(run: PruneRun | undefined) {
  if (run === undefined) return null;
  return { ...run, startedAt: iso(run.startedAt), finishedAt: iso(run.finishedAt) };
}

function retentionJson(report: RetentionReport) {
  return { ...report, updatedAt: isoOrNull(report.updatedAt), lastRun: pruneRunJson(report.lastRun), nextRunAt: isoOrNull(report.nextRunAt) };
}

export const privacyRoutes: FastifyPluginAsync<{ privacy: PrivacyService; clock: { now(): number }; timezone(): string }> = async (app, { privacy, clock, timezone }) => {
  app.get(
    '/api/privacy/retention',
    {
      config: { permission: 'household.read' },
      schema: { summary: 'How long each kind of record is kept, and the last pruning run', tags: ['privacy'], response: { 200: RetentionReply } },
    },
    async () => retentionJson(privacy.retention()),
  );

  app.put<{ Body: Static<typeof RetentionDaysSchema> }>(
    '/api/privacy/retention',
    {
      config: { permission: 'privacy.manage' },
      schema: {
        summary: 'Change how long each kind of record is kept (every period, in days)',
        description: 'A shorter period is applied within minutes; the rest at the daily pruning (03:30 home time).',
        tags: ['privacy'],
        body: RetentionDaysSchema,
        response: { 200: RetentionReply, 400: InvalidReply },
      },
    },
    async (request) => retentionJson(privacy.setRetention(callerOf(request).user.id, request.body)),
  );

  const download = (name: string) => ({ 'content-disposition': `attachment; filename="${name}"` });

  app.get(
    '/api/privacy/export',
    {
      config: { permission: 'privacy.manage' },
      schema: {
        summary: 'Everything held about the person, as one JSON document (streamed)',
        description: 'Profile, home and zones, schedule, devices, positions, door and pill-box readings, doses, alerts, incidents and care notes. Audited (privacy.exported, and location.viewed for its positions).',
        tags: ['privacy'],
        response: { 200: { description: 'the export', content: { 'application/json': { schema: Type.Object({}, { additionalProperties: true }) } } } },
      },
    },
    async (request, reply) => {
      const name = `homeward-export-${localDate(clock.now(), timezone())}.json`;
      return reply.headers(download(name)).type('application/json; charset=utf-8').send(privacy.exportJson(callerOf(request).user.id));
    },
  );

  app.get<{ Params: { dataset: ExportDataset } }>(
    '/api/privacy/export/:dataset.csv',
    {
      config: { permission: 'privacy.manage' },
      schema: {
        summary: 'One data set about the person as CSV (a header line, then one line per record)',
        tags: ['privacy'],
        params: DatasetParams,
        response: { 200: { description: 'RFC 4180 CSV', content: { 'text/csv': { schema: Type.String() } } }, 400: InvalidReply },
      },
    },
    async (request, reply) => {
      const { dataset } = request.params;
      const name = `homeward-${dataset}-${localDate(clock.now(), timezone())}.csv`;
      return reply.headers(download(name)).type('text/csv; charset=utf-8').send(privacy.exportCsv(callerOf(request).user.id, dataset));
    },
  );

  app.post<{ Body: Static<typeof EraseBody> }>(
    '/api/privacy/erase',
    {
      config: { permission: 'privacy.manage' },
      schema: {
        summary: 'Delete records about the person on request: the chosen data sets, all or older than `before`',
        description: 'Open alerts and incidents stay until resolved; the audit log is kept by retention only. The answer says where copies may remain (backups).',
        tags: ['privacy'],
        body: EraseBody,
        response: { 200: EraseReply, 400: InvalidReply },
      },
    },
    async (request) => {
      const { datasets, before } = request.body;
      return privacy.erase(callerOf(request).user.id, { datasets, before: before === undefined ? undefined : Date.parse(before) });
    },
  );
};
