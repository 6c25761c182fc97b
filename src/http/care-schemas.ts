import Type from 'typebox';
import { alertTypes } from '../core/alerts.js';
import { CURSOR_PATTERN } from '../alerts/page-cursor.js';
import { careNoteKinds, careNoteReactions } from '../store/care-notes-repo.js';

/**
 * Schemas shared by the care routes (alerts, faults, incidents, the care log): what they answer, with
 * additionalProperties: false so nothing the schema does not name can leak into an answer.
 */
const nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

export const ResponderSchema = Type.Object(
  { id: nullable(Type.Integer()), name: Type.String() },
  { additionalProperties: false, description: 'A member of the circle, or an integration (id null)' },
);

/** Facts a rule recorded for whoever responds; free-form, positions removed for roles without positions.read. */
const Details = Type.Object({}, { additionalProperties: true });

export const AlertTypeSchema = Type.Union(alertTypes.map((t) => Type.Literal(t)));

export const AlertSchema = Type.Object(
  {
    id: Type.String(),
    type: AlertTypeSchema,
    severity: Type.String(),
    status: Type.String({ description: 'open or resolved' }),
    deviceId: nullable(Type.String()),
    incidentId: nullable(Type.String()),
    title: Type.String(),
    details: Details,
    raisedAt: Type.String({ format: 'date-time' }),
    resolvedAt: nullable(Type.String({ format: 'date-time' })),
    resolution: nullable(Type.String()),
    acknowledgedAt: nullable(Type.String({ format: 'date-time' })),
    acknowledgedBy: nullable(ResponderSchema),
    resolvedBy: nullable(ResponderSchema),
  },
  { additionalProperties: false },
);

export const TimelineEntrySchema = Type.Object(
  {
    at: Type.String({ format: 'date-time' }),
    kind: Type.String({ description: 'raised, notified, escalated, acknowledged, resolved, noted' }),
    by: nullable(ResponderSchema),
    details: Details,
  },
  { additionalProperties: false },
);

export const AlertWithTimelineSchema = Type.Object(
  { ...AlertSchema.properties, timeline: Type.Array(TimelineEntrySchema) },
  { additionalProperties: false },
);

export const IncidentSchema = Type.Object(
  {
    id: Type.String(),
    type: Type.String(),
    status: Type.String({ description: 'open or closed' }),
    openedAt: Type.String({ format: 'date-time' }),
    lastAlertAt: Type.String({ format: 'date-time' }),
    closedAt: nullable(Type.String({ format: 'date-time' })),
    acknowledgedAt: nullable(Type.String({ format: 'date-time' })),
    acknowledgedBy: nullable(ResponderSchema),
    resolvedBy: nullable(ResponderSchema),
    resolution: nullable(Type.String()),
    alertCount: Type.Integer(),
    openAlertCount: Type.Integer(),
    alertTypes: Type.Array(Type.String()),
  },
  { additionalProperties: false },
);

export const CareNoteSchema = Type.Object(
  {
    id: Type.Integer(),
    at: Type.String({ format: 'date-time' }),
    kind: Type.Union(careNoteKinds.map((k) => Type.Literal(k))),
    text: Type.String(),
    incidentId: nullable(Type.String()),
    editedAt: nullable(Type.String({ format: 'date-time' })),
    author: nullable(ResponderSchema),
    reactions: Type.Array(
      Type.Object(
        { reaction: Type.Union(careNoteReactions.map((r) => Type.Literal(r))), by: ResponderSchema, at: Type.String({ format: 'date-time' }) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/** An alert's or incident's id: ours are UUIDs; anything else cannot name one. */
export const RecordId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9-]+$' });

export const Limit = Type.Integer({ minimum: 1, maximum: 200, default: 50, description: 'Items per page (1 to 200)' });
export const Before = Type.String({ pattern: CURSOR_PATTERN, maxLength: 80, description: 'nextBefore from the previous page' });
export const Instant = Type.String({ format: 'date-time', maxLength: 40 });

export const ResolveBody = Type.Object(
  { note: Type.String({ minLength: 1, maxLength: 500, description: 'What happened, in a few words ("found her at the church, home safe")' }) },
  { additionalProperties: false },
);

/** "I'm on it" takes no body (an empty JSON object is accepted too). */
export const AcknowledgeBody = Type.Union([Type.Object({}, { additionalProperties: false }), Type.Null()]);
