import type { Migrations } from '@helmdesk/platform';
import { createCases } from './20261123T1200-create-cases';

/** The case service's migrations, by name (applied in name order after the platform's). Append-only. */
export const caseMigrations: Migrations = {
  '20261123T1200-create-cases': createCases,
};
