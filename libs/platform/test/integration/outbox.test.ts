import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { Outbox, OutboxRelay, outboxChannel, pruneOutbox, pruneProcessedEvents, type Database, type PlatformTables } from '@helmdesk/platform';
import { eventually, TopicCollector } from '@helmdesk/testkit';
import { PlatformFixture, userCreated } from '../support/fixture';

jest.setTimeout(120_000);

const fixture = new PlatformFixture('outbox');
let database: Database<PlatformTables>;
let collector: TopicCollector;
const relays: OutboxRelay[] = [];
const outbox = new Outbox('/helmdesk/test');

function newRelay(): OutboxRelay {
  const relay = new OutboxRelay({
    database: database as Database<unknown>,
    kafka: fixture.kafka(),
    logger: fixture.logger,
    pollMs: 200,
    standbyRetryMs: 200,
  });
  relays.push(relay);
  return relay;
}

async function writeCommitted(...events: ReturnType<typeof userCreated>[]) {
  await database.db.transaction().execute((trx) => outbox.write(trx as Kysely<PlatformTables>, ...events));
}

const namesOn = (topic: string) =>
  collector.on(topic).map((m) => (m.json as { data: { name: string } }).data.name);

beforeAll(async () => {
  await fixture.setUp();
  database = fixture.database;
  collector = await new TopicCollector(fixture.prefix, ['user.created']).start();
});

afterAll(async () => {
  await Promise.all(relays.map((r) => r.stop()));
  await collector.stop();
  await fixture.tearDown();
});

afterEach(async () => {
  await Promise.all(relays.splice(0).map((r) => r.stop()));
});

describe('the transactional outbox', () => {
  it('publishes a committed event once, in order, as a CloudEvent keyed by its subject', async () => {
    const userId = randomUUID();
    newRelay().start();
    for (let i = 0; i < 20; i++) await writeCommitted(userCreated(`ordered-${i}`, { userId }));
    await eventually(() => namesOn('user.created').filter((n) => n.startsWith('ordered-')).length >= 20, { what: '20 events' });
    await new Promise((r) => setTimeout(r, 500)); // a duplicate would arrive by now
    const published = collector.on('user.created').filter((m) => (m.json as { data: { name: string } }).data.name.startsWith('ordered-'));
    expect(published.map((m) => (m.json as { data: { name: string } }).data.name)).toEqual(
      Array.from({ length: 20 }, (_, i) => `ordered-${i}`),
    );
    const first = published[0]!;
    expect(first.key).toBe(userId);
    expect(first.headers['content-type']).toBe('application/cloudevents+json');
    expect(first.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(first.json).toMatchObject({
      specversion: '1.0',
      source: '/helmdesk/test',
      type: 'user.created',
      subject: userId,
      datacontenttype: 'application/json',
    });
    const unpublished = await database.db.selectFrom('outbox').select('id').where('published_at', 'is', null).execute();
    expect(unpublished).toHaveLength(0);
  });

  it('marks a published batch with the query that reads the next one, and the rest when it stops', async () => {
    // Woken only by the commits (no poll within the test): a poll that read a row just before its
    // commit's wake-up arrived would take that wake-up as new rows and mark the batch at once (seen
    // once in CI).
    const relay = new OutboxRelay({ database: database as Database<unknown>, kafka: fixture.kafka(), logger: fixture.logger, pollMs: 60_000, markDelayMs: 60_000 });
    relays.push(relay);
    relay.start();
    const marked = async (name: string) => {
      const { rows } = await database.pool.query<{ published: boolean }>(
        `select published_at is not null as published from outbox where payload->'data'->>'name' = $1`,
        [name],
      );
      return rows[0]?.published;
    };
    // Active first: a commit before that would send a NOTIFY, which could arrive after the relay
    // had already read the row, and wake it again.
    await eventually(() => relay.isActive, { what: 'the relay active' });
    await writeCommitted(userCreated('mark-first'));
    await eventually(() => namesOn('user.created').includes('mark-first'), { what: 'the first published' });
    // Sent and acked, but its mark waits for the next batch (a minute here).
    expect(await marked('mark-first')).toBe(false);
    await writeCommitted(userCreated('mark-second'));
    await eventually(() => namesOn('user.created').includes('mark-second'), { what: 'the second published' });
    expect(await marked('mark-first')).toBe(true);
    expect(await marked('mark-second')).toBe(false);
    await relay.stop();
    expect(await marked('mark-second')).toBe(true);
  });

  it('publishes nothing from a rolled-back transaction', async () => {
    newRelay().start();
    await expect(
      database.db.transaction().execute(async (trx) => {
        await outbox.write(trx as Kysely<PlatformTables>, userCreated('rolled-back'));
        throw new Error('abort the transaction');
      }),
    ).rejects.toThrow('abort the transaction');
    await writeCommitted(userCreated('after-rollback'));
    await eventually(() => namesOn('user.created').includes('after-rollback'), { what: 'the marker event' });
    expect(namesOn('user.created')).not.toContain('rolled-back');
  });

  it('refuses an event whose data does not match its contract', async () => {
    const bad = { ...userCreated('bad'), data: { userId: 'not-a-uuid' } } as never;
    await expect(database.db.transaction().execute((trx) => outbox.write(trx as Kysely<PlatformTables>, bad))).rejects.toThrow();
  });

  it('with two relays only one publishes, and the other takes over when the first dies', async () => {
    const a = newRelay();
    const b = newRelay();
    a.start();
    await eventually(() => a.isActive, { what: 'relay a active' });
    b.start();
    await writeCommitted(userCreated('two-relays-1'));
    await eventually(() => namesOn('user.created').includes('two-relays-1'), { what: 'first event' });
    expect([a.isActive, b.isActive]).toEqual([true, false]);
    expect(b.published).toBe(0);
    // Relay a marks the batch it sent within its mark delay (ADR 0025). A relay killed before
    // that sends it again after the takeover — a duplicate the consumers skip — so the check
    // that nothing is sent twice waits for the mark.
    await eventually(
      async () => (await database.pool.query(`select 1 from outbox where published_at is null`)).rowCount === 0,
      { what: 'the first batch marked published' },
    );

    // Kill relay a's database session, as a crashed pod would lose it: its lock goes with it.
    const killed = await database.pool.query(
      `select pg_terminate_backend(pid) from pg_locks
        where locktype = 'advisory' and granted
          and database = (select oid from pg_database where datname = current_database())`,
    );
    expect(killed.rowCount).toBe(1);
    await a.stop();
    await eventually(() => b.isActive, { what: 'relay b takes over', timeoutMs: 15_000 });
    await writeCommitted(userCreated('two-relays-2'));
    await eventually(() => namesOn('user.created').includes('two-relays-2'), { what: 'event after takeover' });
    expect(b.published).toBeGreaterThanOrEqual(1);
    expect(namesOn('user.created').filter((n) => n.startsWith('two-relays-'))).toEqual(['two-relays-1', 'two-relays-2']);
  });

  describe('waking the relay (ADR 0027)', () => {
    /** NOTIFYs on the outbox channel, as another replica's relay would receive them. */
    async function listen() {
      const client = await database.connect();
      const received: string[] = [];
      client.on('notification', (n) => received.push(n.channel));
      await client.query(`listen "${outboxChannel(database.schema)}"`);
      return { received, close: () => client.end() };
    }
    const settle = () => new Promise((r) => setTimeout(r, 300));

    it('a commit wakes the relay of its own process at once, with no NOTIFY in the transaction', async () => {
      const listener = await listen();
      try {
        // Polling once a minute: only a wake-up can publish within the test's few seconds.
        const relay = new OutboxRelay({ database: database as Database<unknown>, kafka: fixture.kafka(), logger: fixture.logger, pollMs: 60_000 });
        relays.push(relay);
        relay.start();
        await eventually(() => relay.isActive, { what: 'relay active' });
        await settle(); // past its first look at the outbox
        for (let i = 0; i < 3; i++) {
          await writeCommitted(userCreated(`local-wake-${i}`));
          await eventually(() => namesOn('user.created').includes(`local-wake-${i}`), { what: `event ${i} published`, timeoutMs: 5_000 });
        }
        // An outbox insert outside a transaction wakes it too.
        await outbox.write(database.db, userCreated('local-wake-autocommit'));
        await eventually(() => namesOn('user.created').includes('local-wake-autocommit'), { what: 'autocommit event', timeoutMs: 5_000 });
        await settle();
        expect(listener.received).toEqual([]);
      } finally {
        await listener.close();
      }
    });

    it('without a relay of its own, a process tells the others by one NOTIFY after the commit, not before', async () => {
      const listener = await listen();
      try {
        const trx = await database.db.startTransaction().execute();
        await outbox.write(trx as unknown as Kysely<PlatformTables>, userCreated('remote-wake'));
        await database.pool.query('select 1'); // other connections' statements end no transaction of this one
        await settle();
        expect(listener.received).toEqual([]);
        await trx.commit().execute();
        await eventually(() => listener.received.length > 0, { what: 'the NOTIFY after the commit', timeoutMs: 5_000 });
        await settle();
        expect(listener.received).toEqual([outboxChannel(database.schema)]);
        // A relay started now (another replica's, as far as the writer knows) publishes the row.
        newRelay().start();
        await eventually(() => namesOn('user.created').includes('remote-wake'), { what: 'the event published' });
      } finally {
        await listener.close();
      }
    });
  });

});

describe('housekeeping', () => {
  it('prunes published outbox rows and processed event ids only once they are old', async () => {
    await database.pool.query(`insert into processed_event (event_id, topic, processed_at) values ('old', 't', now() - interval '20 days'), ('new', 't', now())`);
    await database.pool.query(`update outbox set published_at = now() - interval '2 days' where id = (select min(id) from outbox where published_at is not null)`);
    const before = await database.db.selectFrom('outbox').select('id').where('published_at', 'is not', null).execute();
    expect(await pruneProcessedEvents(database as Database<unknown>)).toBe(1);
    expect(await pruneOutbox(database as Database<unknown>)).toBe(1);
    const ids = (await database.pool.query<{ event_id: string }>('select event_id from processed_event')).rows.map((r) => r.event_id);
    expect(ids).toEqual(['new']);
    const after = await database.db.selectFrom('outbox').select('id').where('published_at', 'is not', null).execute();
    expect(after).toHaveLength(before.length - 1);
  });
});
