import { z } from 'zod';
import { baseConfig, databaseConfig, jwtVerifyConfig, kafkaConfig, portFromEnv } from '@helmdesk/platform';

/** The agent service's environment. */
export const agentConfigSchema = z.object({
  ...baseConfig,
  ...databaseConfig,
  ...kafkaConfig,
  ...jwtVerifyConfig,
  PORT: portFromEnv.default(8083),
});
export type AgentConfig = z.infer<typeof agentConfigSchema>;

/** What the migration Job gets (the chart's pre-upgrade hook): only the database. */
export const agentMigrateConfigSchema = z.object({ ...baseConfig, ...databaseConfig });
