import type { Migrations } from '@helmdesk/platform';
import { createAgents } from './20261124T1000-create-agents';

/** The agent service's migrations, by name (append-only: never edit one that has landed). */
export const agentMigrations: Migrations = {
  '20261124T1000-create-agents': createAgents,
};
