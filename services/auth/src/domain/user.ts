import { z } from 'zod';
import type { Role } from '@helmdesk/contracts';

/** A Helmdesk identity as the auth service keeps it (never sent with its password hash). */
export interface UserRecord {
  id: string;
  email: string;
  name: string;
  role: Role;
  disabled: boolean;
  passwordHash: string;
  createdAt: Date;
  updatedAt: Date;
}

export const minPasswordLength = 10;
/** bcrypt reads at most 72 bytes: a longer password would be silently cut, so it is refused. */
export const maxPasswordBytes = 72;

/**
 * A password as accepted when one is set: 10+ characters, at most 72 UTF-8 bytes (bcrypt's
 * limit) and no NUL (bcrypt would stop reading there), not only whitespace.
 */
export const passwordSchema = z
  .string()
  .min(minPasswordLength, `must be at least ${minPasswordLength} characters`)
  .refine((p) => Buffer.byteLength(p, 'utf8') <= maxPasswordBytes, `must be at most ${maxPasswordBytes} bytes (UTF-8)`)
  .refine((p) => !p.includes('\u0000'), 'must not contain NUL characters')
  .refine((p) => p.trim().length > 0, 'must not be only whitespace')
  // The refines do not reach JSON Schema; 72 bytes are at most 72 characters.
  .meta({
    maxLength: maxPasswordBytes,
    description: `${minPasswordLength}+ characters, at most ${maxPasswordBytes} bytes in UTF-8, no NUL, not only whitespace.`,
  });

const acceptedEmail = z.email();
const { format, pattern } = z.toJSONSchema(acceptedEmail) as { format: string; pattern: string };

/**
 * An email as accepted at sign-up; stored as given (trimmed), unique regardless of case. The pipe's
 * input side is a plain string in JSON Schema, so the document is given the format and the pattern
 * zod checks (stricter than RFC 5322: no `~` or `!` in the local part, say) explicitly.
 */
export const emailSchema = z.string().trim().max(254).pipe(acceptedEmail).meta({ format, pattern });

/** A display name: 1–200 characters, trimmed, not blank, no NUL. */
export const nameSchema = z
  .string()
  .trim()
  .min(1, 'must not be blank')
  .max(200)
  .refine((s) => !s.includes('\u0000'), 'must not contain NUL characters');

/** The key emails are compared and rate-limited by: case and surrounding space do not matter. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export type UserField = 'email' | 'name' | 'role' | 'disabled';

export interface UserChanges {
  name?: string;
  role?: Role;
  disabled?: boolean;
}

/** The fields a change would actually alter, in a stable order (the `changed` of `user.updated`). */
export function changedFields(user: Pick<UserRecord, 'name' | 'role' | 'disabled'>, changes: UserChanges): UserField[] {
  const changed: UserField[] = [];
  if (changes.name !== undefined && changes.name !== user.name) changed.push('name');
  if (changes.role !== undefined && changes.role !== user.role) changed.push('role');
  if (changes.disabled !== undefined && changes.disabled !== user.disabled) changed.push('disabled');
  return changed;
}

/**
 * Why an admin may not apply a change to an account, or null when it may: nobody disables or
 * demotes themselves (so there is always an admin who can undo a mistake).
 */
export function selfChangeConflict(actorId: string, targetId: string, changes: UserChanges): string | null {
  if (actorId !== targetId) return null;
  if (changes.disabled === true) return 'An admin cannot disable their own account.';
  if (changes.role !== undefined && changes.role !== 'admin') return 'An admin cannot remove their own admin role.';
  return null;
}
