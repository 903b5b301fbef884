import { z } from 'zod';
import { baseConfig, databaseConfig, jwtVerifyConfig, kafkaConfig, portFromEnv } from '@helmdesk/platform';

/** The case service's environment (validated at start; a bad value stops it naming the variable). */
export const caseConfigSchema = z.object({
  ...baseConfig,
  ...databaseConfig,
  ...kafkaConfig,
  ...jwtVerifyConfig,
  PORT: portFromEnv.default(8082),
});

export type CaseConfig = z.infer<typeof caseConfigSchema>;
