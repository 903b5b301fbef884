import { randomUUID } from 'node:crypto';
import type { Producer } from 'kafkajs';
import { cloudEventContentType, type EventData, type HelmdeskEvent, type Role, type Topic } from '@helmdesk/contracts';
import { buildEvent } from '@helmdesk/platform';
import { testKafka } from '@helmdesk/testkit';

const sources: Record<Topic, string> = {
  'user.created': '/helmdesk/auth',
  'user.updated': '/helmdesk/auth',
  'case.created': '/helmdesk/case',
  'case.assigned': '/helmdesk/agent',
  'case.requeued': '/helmdesk/agent',
  'case.resolved': '/helmdesk/agent',
  'agent.freed': '/helmdesk/agent',
  'agent.removed': '/helmdesk/agent',
};

/** Produces events as the other services would, to the test's prefixed topics. */
export class EventProducer {
  private readonly producer: Producer = testKafka('notification-test').producer();

  constructor(private readonly prefix: string) {}

  async connect(): Promise<this> {
    await this.producer.connect();
    return this;
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }

  /** Builds (validating the data) and publishes an event; returns it so it can be sent again. */
  async publish<T extends Topic>(type: T, subject: string, data: EventData<T>, time?: Date): Promise<HelmdeskEvent<T>> {
    const event = buildEvent(sources[type], { type, subject, data, ...(time ? { time } : {}) });
    await this.send(event);
    return event;
  }

  /** Publishes an event as it is (again, for duplicate delivery). */
  async send(event: HelmdeskEvent): Promise<void> {
    await this.producer.send({
      topic: this.prefix + event.type,
      messages: [{ key: event.subject, value: JSON.stringify(event), headers: { 'content-type': cloudEventContentType } }],
    });
  }

  async user(role: Role, name: string, email: string): Promise<{ id: string; name: string; email: string }> {
    const id = randomUUID();
    await this.publish('user.created', id, { userId: id, email, name, role, disabled: false, createdAt: new Date().toISOString() });
    return { id, name, email };
  }

  async caseCreated(customerId: string, subject: string, createdAt = new Date(), priority: 'low' | 'normal' | 'high' | 'urgent' = 'normal') {
    const caseId = randomUUID();
    const event = await this.publish('case.created', caseId, { caseId, customerId, subject, priority, createdAt: createdAt.toISOString() });
    return { caseId, event };
  }

  caseAssigned(caseId: string, agentId: string, assignedAt = new Date()) {
    return this.publish('case.assigned', caseId, { caseId, agentId, how: 'auto', assignedAt: assignedAt.toISOString() });
  }

  caseResolved(caseId: string, agentId: string, resolution: string | null, resolvedAt = new Date()) {
    return this.publish('case.resolved', caseId, { caseId, agentId, resolution, resolvedAt: resolvedAt.toISOString() });
  }
}
