/** What deciding a refresh needs to know about the presented refresh token. */
export interface RefreshTokenState {
  spentAt: Date | null;
  expiresAt: Date;
  familyRevokedAt: Date | null;
  userDisabled: boolean;
}

/**
 * - `rotate`: the token is live; it is spent and a new one of the same family is issued.
 * - `reuse`: it was spent already — someone replays it (a thief or the victim after the thief
 *   rotated it): the whole family is revoked, so the newer token dies too.
 * - `revoked`, `expired`, `disabled`: refused; a disabled user's family is revoked as well.
 */
export type RefreshDecision = 'rotate' | 'reuse' | 'revoked' | 'expired' | 'disabled';

/** The rules of refresh-token rotation (pure; the store applies the outcome). */
export function decideRefresh(token: RefreshTokenState, now: Date): RefreshDecision {
  if (token.familyRevokedAt !== null) return 'revoked';
  // Reuse wins over expiry: a spent token replayed late still means it leaked.
  if (token.spentAt !== null) return 'reuse';
  if (token.expiresAt.getTime() <= now.getTime()) return 'expired';
  if (token.userDisabled) return 'disabled';
  return 'rotate';
}

/** Decisions after which the family must not be usable any more. */
export function revokesFamily(decision: RefreshDecision): boolean {
  return decision === 'reuse' || decision === 'disabled';
}
