import type { Kysely, Selectable } from 'kysely';
import type { NotificationDb, TemplateTable } from './schema';

type Db = Kysely<NotificationDb>;
export type TemplateRow = Selectable<TemplateTable>;

export async function listTemplates(db: Db, after: string | undefined, limit: number): Promise<TemplateRow[]> {
  let query = db.selectFrom('template').selectAll().orderBy('key').limit(limit + 1);
  if (after !== undefined) query = query.where('key', '>', after);
  return query.execute();
}

export async function findTemplate(db: Db, key: string): Promise<TemplateRow | undefined> {
  return db.selectFrom('template').selectAll().where('key', '=', key).executeTakeFirst();
}

export async function replaceTemplate(
  db: Db,
  key: string,
  text: { subject: string; body: string },
): Promise<TemplateRow | undefined> {
  return db
    .updateTable('template')
    .set({ subject: text.subject, body: text.body, updated_at: new Date() })
    .where('key', '=', key)
    .returningAll()
    .executeTakeFirst();
}

