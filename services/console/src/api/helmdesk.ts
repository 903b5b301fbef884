// Typed wrappers over the public endpoints the console uses (shared/API.md).
import type { ApiClient, Query } from './client';
import type {
  Agent,
  AgentStatus,
  Assignment,
  Case,
  Comment,
  CreatedWebhook,
  Delivery,
  HistoryItem,
  Page,
  Priority,
  QueueEntry,
  Role,
  Template,
  User,
  Webhook,
  WebhookDelivery,
} from './types';

const enc = encodeURIComponent;

export interface PageQuery extends Query {
  limit?: number;
  cursor?: string;
}

export function endpoints(api: ApiClient) {
  return {
    me: () => api.get<User>('/api/v1/auth/me'),

    // users (admin)
    users: (q: PageQuery & { role?: string; q?: string }) => api.get<Page<User>>('/api/v1/users', q),
    createUser: (body: { email: string; password: string; name: string; role: Role }) =>
      api.post<User>('/api/v1/users', body),
    updateUser: (id: string, body: { name?: string; role?: Role; disabled?: boolean }) =>
      api.patch<User>(`/api/v1/users/${enc(id)}`, body),

    // cases
    cases: (q: PageQuery & { status?: string; priority?: string; customerId?: string; assigneeId?: string }) =>
      api.get<Page<Case>>('/api/v1/cases', q),
    openCase: (body: { subject: string; description: string; priority: Priority }, idempotencyKey: string) =>
      api.post<Case>('/api/v1/cases', body, { 'idempotency-key': idempotencyKey }),
    getCase: (id: string) => api.get<Case>(`/api/v1/cases/${enc(id)}`),
    comments: (id: string, q: PageQuery) => api.get<Page<Comment>>(`/api/v1/cases/${enc(id)}/comments`, q),
    addComment: (id: string, body: string, idempotencyKey: string) =>
      api.post<Comment>(`/api/v1/cases/${enc(id)}/comments`, { body }, { 'idempotency-key': idempotencyKey }),
    history: (id: string) => api.get<{ items: HistoryItem[] }>(`/api/v1/cases/${enc(id)}/history`),

    // agents
    agents: (q: PageQuery & { status?: string }) => api.get<Page<Agent>>('/api/v1/agents', q),
    agent: (id: string) => api.get<Agent>(`/api/v1/agents/${enc(id)}`),
    myAgent: () => api.get<Agent>('/api/v1/agents/me'),
    setMyStatus: (status: AgentStatus) => api.patch<Agent>('/api/v1/agents/me', { status }),
    updateAgent: (id: string, body: { capacity?: number; active?: boolean }) =>
      api.patch<Agent>(`/api/v1/agents/${enc(id)}`, body),
    deleteAgent: (id: string, reassign: boolean) =>
      api.delete(`/api/v1/agents/${enc(id)}`, reassign ? { reassign: 'true' } : undefined),
    queue: (q: PageQuery) => api.get<Page<QueueEntry>>('/api/v1/queue', q),
    claimNext: () => api.post<Assignment>('/api/v1/queue/claim'),
    claim: (caseId: string) => api.post<Assignment>(`/api/v1/queue/${enc(caseId)}/claim`),
    assignments: (q: PageQuery & { state?: string; agentId?: string }) =>
      api.get<Page<Assignment>>('/api/v1/assignments', q),
    resolve: (caseId: string, resolution: string) =>
      api.post<Assignment>(`/api/v1/assignments/${enc(caseId)}/resolve`, resolution ? { resolution } : {}),

    // notifications (admin)
    deliveries: (
      q: PageQuery & { recipient?: string; status?: string; channel?: string; event?: string; from?: string; to?: string },
    ) => api.get<Page<Delivery>>('/api/v1/notifications', q),
    sendDigest: () => api.post<unknown>('/api/v1/notifications/digest'),
    templates: (q: PageQuery) => api.get<Page<Template>>('/api/v1/notification-templates', q),
    saveTemplate: (key: string, body: { subject: string; body: string }) =>
      api.put<Template>(`/api/v1/notification-templates/${enc(key)}`, body),
    webhooks: (q: PageQuery) => api.get<Page<Webhook>>('/api/v1/webhooks', q),
    createWebhook: (body: { url: string; events: string[] }, idempotencyKey: string) =>
      api.post<CreatedWebhook>('/api/v1/webhooks', body, { 'idempotency-key': idempotencyKey }),
    deleteWebhook: (id: string) => api.delete(`/api/v1/webhooks/${enc(id)}`),
    webhookDeliveries: (id: string, q: PageQuery) =>
      api.get<Page<WebhookDelivery>>(`/api/v1/webhooks/${enc(id)}/deliveries`, q),
  };
}

export type Endpoints = ReturnType<typeof endpoints>;
