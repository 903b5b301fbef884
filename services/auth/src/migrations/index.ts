import type { Migrations } from '@helmdesk/platform';
import { createAuth } from './20261123T1300-create-auth';

/** The auth service's migrations, by name (applied in name order after the platform's). Append-only. */
export const authMigrations: Migrations = {
  '20261123T1300-create-auth': createAuth,
};
