import type { Kysely } from 'kysely';
import type { Role } from '@helmdesk/contracts';
import type { NotificationDb } from './schema';

type Db = Kysely<NotificationDb>;

export interface UserFacts {
  id: string;
  email: string;
  name: string;
  role: Role;
  disabled: boolean;
}

/**
 * Applies a user.created / user.updated: the newest event (by its time) wins, so an older
 * user.created arriving after a user.updated does not bring back the old address.
 */
export async function upsertUser(db: Db, user: UserFacts, at: Date): Promise<void> {
  await db
    .insertInto('user_projection')
    .values({ ...user, version_at: at })
    .onConflict((oc) =>
      oc
        .column('id')
        .doUpdateSet((eb) => ({
          email: eb.ref('excluded.email'),
          name: eb.ref('excluded.name'),
          role: eb.ref('excluded.role'),
          disabled: eb.ref('excluded.disabled'),
          version_at: eb.ref('excluded.version_at'),
        }))
        .where('user_projection.version_at', '<=', at),
    )
    .execute();
}

