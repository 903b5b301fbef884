import { z } from 'zod';
import { assignmentHowSchema, casePrioritySchema } from '@helmdesk/contracts';
import { agentStatusSchema, type Agent } from '../domain/agent';
import type { Assignment } from '../domain/assignment';
import type { QueueEntry } from '../store/cases';

// What the API returns (API.md), as zod schemas for the OpenAPI document, and the mappings to them.

const time = z.iso.datetime();

export const agentSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  email: z.string(),
  status: agentStatusSchema,
  active: z.boolean(),
  capacity: z.number().int(),
  activeCases: z.number().int(),
  lastAssignedAt: time.nullable(),
});
export type AgentRepresentation = z.infer<typeof agentSchema>;

export function presentAgent(agent: Agent): AgentRepresentation {
  return {
    id: agent.id,
    name: agent.name,
    email: agent.email,
    status: agent.status,
    active: agent.active,
    capacity: agent.capacity,
    activeCases: agent.activeCases,
    lastAssignedAt: agent.lastAssignedAt?.toISOString() ?? null,
  };
}

export const assignmentSchema = z.object({
  caseId: z.uuid(),
  agentId: z.uuid(),
  state: z.enum(['active', 'resolved']),
  assignedAt: time,
  resolvedAt: time.nullable(),
  how: assignmentHowSchema,
  resolution: z.string().nullable(),
});
export type AssignmentRepresentation = z.infer<typeof assignmentSchema>;

export function presentAssignment(a: Assignment): AssignmentRepresentation {
  if (a.state === 'requeued') throw new Error('a requeued assignment is not part of the API');
  return {
    caseId: a.caseId,
    agentId: a.agentId,
    state: a.state,
    assignedAt: a.assignedAt.toISOString(),
    resolvedAt: a.resolvedAt?.toISOString() ?? null,
    how: a.how,
    resolution: a.resolution,
  };
}

export const queueItemSchema = z.object({
  caseId: z.uuid(),
  subject: z.string(),
  priority: casePrioritySchema,
  queuedAt: time,
  position: z.number().int().min(1),
});
export type QueueItemRepresentation = z.infer<typeof queueItemSchema>;

export function presentQueueEntry(entry: QueueEntry): QueueItemRepresentation {
  return {
    caseId: entry.caseId,
    subject: entry.subject,
    priority: entry.priority,
    queuedAt: entry.queuedAt.toISOString(),
    position: entry.position,
  };
}
