import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { AssignerProtocol, type Producer } from 'kafkajs';
import { cloudEventContentType, eventSources, type CasePriority, type Topic } from '@helmdesk/contracts';
import { buildEvent, createLogger, loadConfig, type EventToWrite } from '@helmdesk/platform';
import {
  createPrefixedTopics,
  createTestDatabase,
  deletePrefixedTopics,
  eventually,
  stackEnv,
  testAuth,
  testKafka,
  TopicCollector,
  uniqueTopicPrefix,
  type TestDatabase,
} from '@helmdesk/testkit';
import { agentConfigSchema } from '../../src/config';
import { createAgentService, type AgentService } from '../../src/service';

/** What the agent service publishes. */
export const publishedTopics = ['case.assigned', 'case.requeued', 'case.resolved', 'agent.freed', 'agent.removed'] as const;

export interface TestAgent {
  id: string;
  name: string;
  /** `Authorization` header value of a token for this agent. */
  header: string;
}

export interface OpenedCase {
  caseId: string;
  priority: CasePriority;
  createdAt: string;
}

/**
 * One agent service (or several replicas) on a fresh database and its own topic prefix, with what
 * tests need around it: tokens, a producer of the events other services publish, and a collector
 * of what the agent service publishes.
 */
export class AgentWorld {
  readonly auth = testAuth();
  readonly admin = this.auth.mint('admin');
  readonly services: AgentService[] = [];
  events!: TopicCollector;
  private producer!: Producer;
  private database!: TestDatabase;
  private readonly prefix: string;
  /** Case creation times are spread from here so that "older" is explicit, not a race. */
  private clock = Date.parse('2026-01-05T08:00:00.000Z');

  constructor(private readonly label: string) {
    this.prefix = uniqueTopicPrefix(label);
  }

  get svc(): AgentService {
    return this.services[0]!;
  }

  /** The database of the service (for invariants no API shows, and for resetting between tests). */
  get db() {
    return this.svc.host.db;
  }

  async start({ replicas = 1, poolMax = 5 } = {}): Promise<this> {
    this.database = await createTestDatabase(this.label);
    await createPrefixedTopics(this.prefix, 3);
    const config = loadConfig(agentConfigSchema, {
      DATABASE_URL: this.database.url,
      DATABASE_POOL_MAX: String(poolMax),
      KAFKA_BROKERS: stackEnv.kafkaBrokers.join(','),
      KAFKA_TOPIC_PREFIX: this.prefix,
      JWKS_URL: 'http://127.0.0.1:9/unused-tests-pass-a-verifier',
      LOG_LEVEL: 'silent',
      SHUTDOWN_DRAIN_MS: '1000',
    });
    const logger = createLogger(`agent-test-${this.label}`, 'silent');
    for (let i = 0; i < replicas; i++) {
      const svc = createAgentService(config, { verifier: this.auth.verifier, logger });
      this.services.push(svc);
      await svc.start(0, '127.0.0.1');
    }
    this.producer = testKafka().producer();
    await this.producer.connect();
    this.events = await new TopicCollector(this.prefix, [...publishedTopics]).start();
    // The consumers have joined once a first event is applied.
    await this.createAgent('probe');
    return this;
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.services.map((s) => s.stop()));
    await this.events?.stop();
    await this.producer?.disconnect();
    await this.database?.drop();
    await deletePrefixedTopics(this.prefix);
  }

  /** Members of the service's consumer group that have partitions assigned. */
  async consumerGroupMembers(): Promise<number> {
    const admin = testKafka().admin();
    await admin.connect();
    try {
      const { groups } = await admin.describeGroups([`${this.prefix}helmdesk.agent`]);
      const members = groups[0]?.members ?? [];
      return members.filter((m) => {
        const assignment = AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
        return assignment !== null && Object.values(assignment.assignment).some((partitions) => partitions.length > 0);
      }).length;
    } finally {
      await admin.disconnect();
    }
  }

  /** supertest on a replica's app (the first unless told). */
  api(replica = 0) {
    return request(this.services[replica]!.app);
  }

  /** Produces an event as its owning service would (CloudEvents envelope, key = subject). */
  async produce<T extends Topic>(event: EventToWrite<T>, source: string = eventSources.case): Promise<string> {
    const built = buildEvent(source, event);
    await this.sendRaw(event.type, built.subject, JSON.stringify(built));
    return built.id;
  }

  async sendRaw(topic: Topic, key: string, value: string): Promise<void> {
    await this.producer.send({
      topic: this.prefix + topic,
      messages: [{ key, value, headers: { 'content-type': cloudEventContentType } }],
    });
  }

  /** An agent account as auth announces it; resolves once the profile exists (offline, capacity 3). */
  async createAgent(name: string, { status, capacity }: { status?: 'online' | 'away'; capacity?: number } = {}): Promise<TestAgent> {
    const id = randomUUID();
    await this.produce(
      {
        type: 'user.created',
        subject: id,
        data: { userId: id, email: `${name}-${id.slice(0, 8)}@example.com`, name, role: 'agent', disabled: false, createdAt: new Date().toISOString() },
      },
      eventSources.auth,
    );
    await eventually(async () => (await this.api().get(`/api/v1/agents/${id}`).set('authorization', this.admin.header)).status === 200, {
      what: `the profile of ${name}`,
      timeoutMs: 30_000,
    });
    const agent = { id, name, header: this.auth.mint('agent', id).header };
    if (capacity !== undefined) await this.setCapacity(agent, capacity);
    if (status) await this.setStatus(agent, status);
    return agent;
  }

  async setStatus(agent: TestAgent, status: 'online' | 'away' | 'offline') {
    const res = await this.api().patch('/api/v1/agents/me').set('authorization', agent.header).send({ status });
    expect(res.status).toBe(200);
    return res.body as AgentBody;
  }

  async setCapacity(agent: TestAgent, capacity: number) {
    const res = await this.api().patch(`/api/v1/agents/${agent.id}`).set('authorization', this.admin.header).send({ capacity });
    expect(res.status).toBe(200);
    return res.body as AgentBody;
  }

  async agent(agent: TestAgent): Promise<AgentBody> {
    const res = await this.api().get(`/api/v1/agents/${agent.id}`).set('authorization', this.admin.header);
    expect(res.status).toBe(200);
    return res.body as AgentBody;
  }

  /** Produces `case.created` for a new case opened `minutesLater` after the previous one (unless `createdAt`). */
  async openCase({ priority = 'normal', createdAt, subject }: { priority?: CasePriority; createdAt?: string; subject?: string } = {}): Promise<OpenedCase> {
    const caseId = randomUUID();
    this.clock += 60_000;
    const opened = { caseId, priority, createdAt: createdAt ?? new Date(this.clock).toISOString() };
    await this.produce({
      type: 'case.created',
      subject: caseId,
      data: { ...opened, customerId: randomUUID(), subject: subject ?? `case ${caseId.slice(0, 8)}` },
    });
    return opened;
  }

  /**
   * Sends a marker on `topic` with message key `key` — the partition of the events under test —
   * and waits until it is applied: every event sent before it with that key has been applied too.
   */
  async markerAfter(topic: 'user.created' | 'user.updated' | 'case.created', key: string): Promise<void> {
    const id = randomUUID();
    const event =
      topic === 'case.created'
        ? buildEvent(eventSources.case, {
            type: 'case.created',
            subject: id,
            data: { caseId: id, customerId: randomUUID(), subject: 'marker', priority: 'low', createdAt: new Date().toISOString() },
          })
        : topic === 'user.created'
          ? buildEvent(eventSources.auth, {
              type: 'user.created',
              subject: id,
              data: { userId: id, email: `marker-${id}@example.com`, name: 'marker', role: 'agent', disabled: false, createdAt: new Date().toISOString() },
            })
          : buildEvent(eventSources.auth, {
              type: 'user.updated',
              subject: id,
              data: { userId: id, email: `marker-${id}@example.com`, name: 'marker', role: 'agent', disabled: false, changed: ['role'] },
            });
    await this.sendRaw(topic, key, JSON.stringify(event));
    if (topic === 'case.created') await this.whereIs(id);
    else {
      await eventually(async () => (await this.api().get(`/api/v1/agents/${id}`).set('authorization', this.admin.header)).status === 200, {
        what: `marker after ${topic}`,
      });
    }
  }

  /** Every waiting case, in take order (all pages). */
  async queue(): Promise<QueueItemBody[]> {
    const items: QueueItemBody[] = [];
    let cursor: string | null = null;
    do {
      const res = await this.api()
        .get('/api/v1/queue')
        .query({ limit: 100, ...(cursor ? { cursor } : {}) })
        .set('authorization', this.admin.header);
      expect(res.status).toBe(200);
      items.push(...(res.body.items as QueueItemBody[]));
      cursor = res.body.nextCursor as string | null;
    } while (cursor);
    return items;
  }

  /** Every assignment (admin view, all pages), optionally of one agent. */
  async assignments(query: { agentId?: string; state?: 'active' | 'resolved' } = {}): Promise<AssignmentBody[]> {
    const items: AssignmentBody[] = [];
    let cursor: string | null = null;
    do {
      const res = await this.api()
        .get('/api/v1/assignments')
        .query({ ...query, limit: 100, ...(cursor ? { cursor } : {}) })
        .set('authorization', this.admin.header);
      expect(res.status).toBe(200);
      items.push(...(res.body.items as AssignmentBody[]));
      cursor = res.body.nextCursor as string | null;
    } while (cursor);
    return items;
  }

  /** Waits until the case is known: waiting in the queue or assigned. */
  async whereIs(caseId: string): Promise<{ waiting: QueueItemBody } | { assigned: AssignmentBody }> {
    return eventually(
      async () => {
        const waiting = (await this.queue()).find((q) => q.caseId === caseId);
        if (waiting) return { waiting };
        const assigned = (await this.assignments()).find((a) => a.caseId === caseId);
        return assigned ? { assigned } : undefined;
      },
      { what: `case ${caseId} to be queued or assigned`, timeoutMs: 20_000 },
    );
  }

  async assignmentOf(caseId: string): Promise<AssignmentBody> {
    const place = await this.whereIs(caseId);
    if ('waiting' in place) throw new Error(`case ${caseId} is waiting at position ${place.waiting.position}, not assigned`);
    return place.assigned;
  }

  async waitingAt(caseId: string): Promise<QueueItemBody> {
    const place = await this.whereIs(caseId);
    if ('assigned' in place) throw new Error(`case ${caseId} was assigned to ${place.assigned.agentId}, expected it to wait`);
    return place.waiting;
  }

  /** Published events of a topic, as their `data`. */
  published<T = Record<string, unknown>>(topic: (typeof publishedTopics)[number]): T[] {
    return this.events.on(topic).map((m) => (m.json as { data: T }).data);
  }

  /**
   * A clean floor for the next test: every agent offline, every waiting case withdrawn (through the
   * store — no API withdraws a case).
   */
  async clearTheFloor(): Promise<void> {
    await this.db.updateTable('agent').set({ status: 'offline' }).execute();
    await this.db.updateTable('tracked_case').set({ state: 'resolved' }).where('state', '=', 'waiting').execute();
  }
}

export interface AgentBody {
  id: string;
  name: string;
  email: string;
  status: 'online' | 'away' | 'offline';
  active: boolean;
  capacity: number;
  activeCases: number;
  lastAssignedAt: string | null;
}

export interface AssignmentBody {
  caseId: string;
  agentId: string;
  state: 'active' | 'resolved';
  assignedAt: string;
  resolvedAt: string | null;
  how: 'auto' | 'claim';
  resolution: string | null;
}

export interface QueueItemBody {
  caseId: string;
  subject: string;
  priority: CasePriority;
  queuedAt: string;
  position: number;
}
