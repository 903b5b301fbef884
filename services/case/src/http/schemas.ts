import { z } from 'zod';
import { casePrioritySchema, roleSchema } from '@helmdesk/contracts';
import type { CaseRecord } from '../domain/case';
import { caseStatuses } from '../domain/case';
import type { HistoryEntry } from '../domain/history';
import type { CommentRecord } from '../store/comments';

// ---- request pieces -------------------------------------------------------------------------

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Postgres text cannot hold NUL; refusing it here keeps bad input a 400, never a 500. */
const noNul = (s: string) => !s.includes('\u0000');

/**
 * Free text of `min`–`max` characters that is not only whitespace. A lone UTF-16 surrogate (valid
 * JSON, not valid Unicode) becomes U+FFFD, as Postgres would store it: the events and history
 * built from the text before it reaches the database must be valid JSON for `jsonb`.
 */
export const text = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((s) => s.trim().length > 0, 'must not be blank')
    .refine(noNul, 'must not contain NUL characters')
    .transform((s) => s.replace(loneSurrogate, '\uFFFD'));

export const caseStatusSchema = z.enum(caseStatuses);

export const caseIdParams = z.object({ id: z.uuid() });

// ---- responses ------------------------------------------------------------------------------

const time = z.iso.datetime();
const iso = (d: Date) => d.toISOString();
const isoOrNull = (d: Date | null) => (d === null ? null : d.toISOString());

export const caseSchema = z
  .object({
    id: z.uuid(),
    subject: z.string(),
    description: z.string(),
    priority: casePrioritySchema,
    status: caseStatusSchema,
    customerId: z.uuid(),
    assigneeId: z.uuid().nullable(),
    createdAt: time,
    updatedAt: time,
    assignedAt: time.nullable(),
    resolvedAt: time.nullable(),
    resolution: z.string().nullable(),
  })
  .meta({ title: 'Case' });
export type CaseResponse = z.infer<typeof caseSchema>;

export function caseResponse(c: CaseRecord): CaseResponse {
  return {
    id: c.id,
    subject: c.subject,
    description: c.description,
    priority: c.priority,
    status: c.status,
    customerId: c.customerId,
    assigneeId: c.assigneeId,
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
    assignedAt: isoOrNull(c.assignedAt),
    resolvedAt: isoOrNull(c.resolvedAt),
    resolution: c.resolution,
  };
}

export const commentSchema = z
  .object({
    id: z.uuid(),
    caseId: z.uuid(),
    authorId: z.uuid(),
    authorRole: roleSchema,
    body: z.string(),
    createdAt: time,
  })
  .meta({ title: 'Comment' });
export type CommentResponse = z.infer<typeof commentSchema>;

export function commentResponse(c: CommentRecord): CommentResponse {
  return {
    id: c.id,
    caseId: c.caseId,
    authorId: c.authorId,
    authorRole: c.authorRole,
    body: c.body,
    createdAt: iso(c.createdAt),
  };
}

const entry = <T extends string, D extends z.ZodType>(type: T, data: D) =>
  z.object({ type: z.literal(type), at: time, actorId: z.uuid().optional(), data });

export const historyItemSchema = z
  .discriminatedUnion('type', [
    entry('case.created', z.object({ subject: z.string(), priority: casePrioritySchema })),
    entry('case.assigned', z.object({ agentId: z.uuid(), how: z.enum(['auto', 'claim']) })),
    entry('case.commented', z.object({ commentId: z.uuid(), authorRole: roleSchema })),
    entry('case.requeued', z.object({ previousAgentId: z.uuid(), queuedAt: time })),
    entry('case.resolved', z.object({ agentId: z.uuid(), resolution: z.string().nullable() })),
  ])
  .meta({ title: 'HistoryItem' });

export const historySchema = z.object({ items: z.array(historyItemSchema) }).meta({ title: 'History' });

export function historyResponse(entries: HistoryEntry[]): z.infer<typeof historySchema> {
  return {
    items: entries.map(
      (e) =>
        ({
          type: e.type,
          at: iso(e.at),
          ...(e.actorId === null ? {} : { actorId: e.actorId }),
          data: e.data,
        }) as z.infer<typeof historyItemSchema>,
    ),
  };
}
