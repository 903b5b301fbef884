import type { Kysely } from 'kysely';
import { Outbox, OutboxRelay, type Database, type PlatformTables } from '@helmdesk/platform';
import { eventually, stackCommand, TopicCollector } from '@helmdesk/testkit';
import { PlatformFixture, userCreated } from '../support/fixture';

jest.setTimeout(180_000);

const fixture = new PlatformFixture('outage');
const outbox = new Outbox('/helmdesk/test');
let database: Database<PlatformTables>;
let collector: TopicCollector;
let relay: OutboxRelay;

const write = (name: string) =>
  database.db.transaction().execute((trx) => outbox.write(trx as Kysely<PlatformTables>, userCreated(name)));
const names = () => collector.on('user.created').map((m) => (m.json as { data: { name: string } }).data.name);

beforeAll(async () => {
  await fixture.setUp();
  database = fixture.database;
  collector = await new TopicCollector(fixture.prefix, ['user.created']).start();
  relay = new OutboxRelay({
    database: database as Database<unknown>,
    kafka: fixture.kafka(),
    logger: fixture.logger,
    pollMs: 200,
  });
  relay.start();
});

afterAll(async () => {
  stackCommand('up', 'kafka');
  await relay.stop();
  await collector.stop();
  await fixture.tearDown();
});

describe('the outbox during a broker outage', () => {
  it('keeps every event written while the broker is down and publishes each once when it is back', async () => {
    await write('before-outage');
    await eventually(() => names().includes('before-outage'), { what: 'the event before the outage' });

    stackCommand('down', 'kafka');
    for (let i = 0; i < 10; i++) await write(`during-outage-${i}`);
    await new Promise((r) => setTimeout(r, 3_000));
    const pending = await database.db.selectFrom('outbox').select('id').where('published_at', 'is', null).execute();
    expect(pending).toHaveLength(10);

    stackCommand('up', 'kafka');
    await eventually(() => names().filter((n) => n.startsWith('during-outage-')).length >= 10, {
      what: 'the events written during the outage',
      timeoutMs: 120_000,
      intervalMs: 250,
    });
    await new Promise((r) => setTimeout(r, 1_000));
    // Each event has its own key (partition), so only per-key order is defined: compare as sets.
    const during = names().filter((n) => n.startsWith('during-outage-'));
    expect([...during].sort()).toEqual(Array.from({ length: 10 }, (_, i) => `during-outage-${i}`));
  });
});
