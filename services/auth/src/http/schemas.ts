import { z } from 'zod';
import { roleSchema } from '@helmdesk/contracts';
import { pageQuery } from '@helmdesk/platform';
import { emailSchema, maxPasswordBytes, nameSchema, passwordSchema, type UserRecord } from '../domain/user';
import type { Session } from '../use-cases/sessions';

// ---- requests -------------------------------------------------------------------------------

export const registerBody = z.strictObject({ email: emailSchema, password: passwordSchema, name: nameSchema });

export const createUserBody = z.strictObject({
  email: emailSchema,
  password: passwordSchema,
  name: nameSchema,
  role: roleSchema,
});

/**
 * Sign-in takes any email-looking string (the answer for a malformed one is the same 401), but
 * not a password bcrypt would cut short: past 72 bytes or at a NUL, two different passwords would
 * compare equal.
 */
export const loginBody = z.strictObject({
  email: z.string().min(1).max(320),
  password: z
    .string()
    .min(1)
    .refine((p) => Buffer.byteLength(p, 'utf8') <= maxPasswordBytes, `must be at most ${maxPasswordBytes} bytes (UTF-8)`)
    .refine((p) => !p.includes('\u0000'), 'must not contain NUL characters'),
});

export const refreshTokenBody = z.strictObject({ refreshToken: z.string().min(1).max(256) });

export const listUsersQuery = z.strictObject({
  ...pageQuery,
  role: roleSchema.optional(),
  q: z.string().trim().min(1).max(200).optional().describe('Part of the email or the name, any letter case.'),
});

export const patchUserBody = z.strictObject({
  name: nameSchema.optional(),
  role: roleSchema.optional(),
  disabled: z.boolean().optional(),
});

export const userIdParams = z.strictObject({ id: z.uuid() });

// ---- responses ------------------------------------------------------------------------------

export const userSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    name: z.string(),
    role: roleSchema,
    disabled: z.boolean(),
    createdAt: z.iso.datetime(),
  })
  .meta({ title: 'User' });
export type UserResponse = z.infer<typeof userSchema>;

/** The public view of an account: never its password hash. */
export function userResponse(u: UserRecord): UserResponse {
  return { id: u.id, email: u.email, name: u.name, role: u.role, disabled: u.disabled, createdAt: u.createdAt.toISOString() };
}

export const sessionSchema = z
  .object({
    accessToken: z.string(),
    refreshToken: z.string(),
    tokenType: z.literal('Bearer'),
    expiresIn: z.number().int().describe('Seconds until the access token expires.'),
    user: userSchema,
  })
  .meta({ title: 'Session' });

export function sessionResponse(s: Session): z.infer<typeof sessionSchema> {
  return {
    accessToken: s.accessToken,
    refreshToken: s.refreshToken,
    tokenType: 'Bearer',
    expiresIn: s.expiresIn,
    user: userResponse(s.user),
  };
}

export const jwksSchema = z
  .object({
    keys: z.array(
      z
        .object({ kty: z.string(), kid: z.string(), alg: z.enum(['ES256', 'RS256']), use: z.literal('sig') })
        .catchall(z.unknown()),
    ),
  })
  .meta({ title: 'JWKS' });
