import { z } from 'zod';

/** Every role a Helmdesk identity can have. `customer` is the only self-service one. */
export const roles = ['customer', 'agent', 'admin'] as const;
export const roleSchema = z.enum(roles);
export type Role = z.infer<typeof roleSchema>;
