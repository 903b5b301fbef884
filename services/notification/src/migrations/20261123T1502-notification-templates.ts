import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The default texts, as seeded. Frozen with this migration: admins replace them with
 * PUT /api/v1/notification-templates/:key, and a new default would land as a new migration.
 */
const seed: Record<string, { subject: string; body: string }> = {
  'case.opened.customer': {
    subject: 'We received your case: {{case.subject}}',
    body: [
      'Hello {{customer.name}},',
      '',
      'thank you for contacting us. Your case "{{case.subject}}" (priority {{case.priority}}) is open,',
      'and the next available agent will take it.',
      '',
      'Case reference: {{case.id}}',
      '',
      '— Helmdesk',
    ].join('\n'),
  },
  'case.assigned.customer': {
    subject: '{{agent.name}} is working on your case: {{case.subject}}',
    body: [
      'Hello {{customer.name}},',
      '',
      '{{agent.name}} has taken your case "{{case.subject}}" and is working on it.',
      '',
      'Case reference: {{case.id}}',
      '',
      '— Helmdesk',
    ].join('\n'),
  },
  'case.assigned.agent': {
    subject: 'New case assigned to you: {{case.subject}}',
    body: [
      'Hello {{agent.name}},',
      '',
      'the case "{{case.subject}}" from {{customer.name}} (priority {{case.priority}}) is now assigned to you.',
      '',
      'Case reference: {{case.id}}',
    ].join('\n'),
  },
  'case.resolved.customer': {
    subject: 'Your case has been resolved: {{case.subject}}',
    body: [
      'Hello {{customer.name}},',
      '',
      '{{agent.name}} has resolved your case "{{case.subject}}".',
      '',
      'Resolution: {{case.resolution}}',
      '',
      'Case reference: {{case.id}}',
      '',
      '— Helmdesk',
    ].join('\n'),
  },
  'digest.daily': {
    subject: 'Helmdesk daily digest for {{digest.date}}',
    body: [
      'Helmdesk on {{digest.date}} (UTC):',
      '',
      'Opened: {{digest.opened}}',
      'Assigned: {{digest.assigned}}',
      'Resolved: {{digest.resolved}}',
      '',
      'Waiting now: {{digest.waiting}}',
      'Oldest waiting: {{digest.oldestWaiting}}',
    ].join('\n'),
  },
};

/** Templates, seeded with the defaults. Later default changes land as new migrations. */
export const templates: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('template')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    for (const [key, { subject, body }] of Object.entries(seed)) {
      await sql`insert into template (key, subject, body) values (${key}, ${subject}, ${body})`.execute(db);
    }
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('template').execute();
  },
};
