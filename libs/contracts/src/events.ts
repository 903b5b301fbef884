import { z } from 'zod';
import { roleSchema } from './roles';
import type { Topic } from './topics';

const id = z.uuid();
const time = z.iso.datetime({ offset: true });

export const casePrioritySchema = z.enum(['low', 'normal', 'high', 'urgent']);
export type CasePriority = z.infer<typeof casePrioritySchema>;

export const assignmentHowSchema = z.enum(['auto', 'claim']);

/**
 * The `data` of every event. A new field is optional (`.optional()`); a breaking change is a new
 * event type. Schemas are not strict on purpose: a consumer must accept fields added later.
 */
export const eventDataSchemas = {
  'user.created': z.object({
    userId: id,
    email: z.email(),
    name: z.string(),
    role: roleSchema,
    disabled: z.boolean(),
    createdAt: time,
  }),
  'user.updated': z.object({
    userId: id,
    email: z.email(),
    name: z.string(),
    role: roleSchema,
    disabled: z.boolean(),
    changed: z.array(z.enum(['email', 'name', 'role', 'disabled'])),
  }),
  'case.created': z.object({
    caseId: id,
    customerId: id,
    subject: z.string(),
    priority: casePrioritySchema,
    createdAt: time,
  }),
  'case.assigned': z.object({
    caseId: id,
    agentId: id,
    how: assignmentHowSchema,
    assignedAt: time,
  }),
  'case.requeued': z.object({
    caseId: id,
    previousAgentId: id,
    queuedAt: time,
    requeuedAt: time,
  }),
  'case.resolved': z.object({
    caseId: id,
    agentId: id,
    resolvedAt: time,
    resolution: z.string().nullable(),
  }),
  'agent.freed': z.object({
    agentId: id,
    freeSlots: z.number().int().nonnegative(),
    at: time,
  }),
  'agent.removed': z.object({
    agentId: id,
    removedAt: time,
    reassigned: z.boolean(),
  }),
} as const satisfies Record<Topic, z.ZodType>;

export type EventData<T extends Topic> = z.infer<(typeof eventDataSchemas)[T]>;
