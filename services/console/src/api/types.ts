// The public API's shapes (shared/API.md). Only what the console reads; extra fields are ignored.

export type Role = 'customer' | 'agent' | 'admin';
export const roles: readonly Role[] = ['customer', 'agent', 'admin'];

export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
  disabled: boolean;
  createdAt: string;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType?: string;
  expiresIn?: number;
}

export interface LoginResponse extends TokenPair {
  user: User;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type Priority = 'low' | 'normal' | 'high' | 'urgent';
export const priorities: readonly Priority[] = ['low', 'normal', 'high', 'urgent'];

export type CaseStatus = 'open' | 'assigned' | 'resolved';
export const caseStatuses: readonly CaseStatus[] = ['open', 'assigned', 'resolved'];

export interface Case {
  id: string;
  subject: string;
  description: string;
  priority: Priority;
  status: CaseStatus;
  customerId: string;
  assigneeId: string | null;
  createdAt: string;
  updatedAt: string;
  assignedAt: string | null;
  resolvedAt: string | null;
  resolution: string | null;
}

export interface Comment {
  id: string;
  caseId: string;
  authorId: string;
  authorRole: Role;
  body: string;
  createdAt: string;
}

export interface HistoryItem {
  type: 'case.created' | 'case.assigned' | 'case.commented' | 'case.requeued' | 'case.resolved' | string;
  at: string;
  actorId?: string;
  data: Record<string, unknown>;
}

export type AgentStatus = 'online' | 'away' | 'offline';
export const agentStatuses: readonly AgentStatus[] = ['online', 'away', 'offline'];

export interface Agent {
  id: string;
  name: string;
  email: string;
  status: AgentStatus;
  active: boolean;
  capacity: number;
  activeCases: number;
  lastAssignedAt: string | null;
}

export interface QueueEntry {
  caseId: string;
  subject: string;
  priority: Priority;
  queuedAt: string;
  position: number;
}

export interface Assignment {
  caseId: string;
  agentId: string;
  state: 'active' | 'resolved';
  assignedAt: string;
  resolvedAt: string | null;
  how: 'auto' | 'claim';
}

export type DeliveryStatus = 'queued' | 'sent' | 'failed';
export type Channel = 'email' | 'webhook';

export interface Delivery {
  id: string;
  eventId: string;
  event: string;
  channel: Channel;
  recipient: string;
  template: string | null;
  status: DeliveryStatus;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
}

export interface Template {
  key: string;
  subject: string;
  body: string;
  updatedAt: string;
  /** Not in the contract, but served by the notification service: the placeholders it allows. */
  variables?: string[];
}

export interface Webhook {
  id: string;
  url: string;
  events: string[];
  createdAt?: string;
}

export interface CreatedWebhook extends Webhook {
  secret: string;
}

export interface WebhookDelivery {
  id: string;
  eventId: string;
  event: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: number;
  responseStatus: number | null;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

/** Event topics a webhook may subscribe to (API.md, Events). */
export const topics = [
  'user.created',
  'user.updated',
  'case.created',
  'case.assigned',
  'case.requeued',
  'case.resolved',
  'agent.freed',
  'agent.removed',
] as const;
