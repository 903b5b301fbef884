import type { ColumnType, Generated, Selectable } from 'kysely';
import type { Role } from '@helmdesk/contracts';
import type { PlatformTables } from '@helmdesk/platform';

type CreatedAt = ColumnType<Date, Date | undefined, never>;

export interface UsersTable {
  id: string;
  email: string;
  name: string;
  role: Role;
  password_hash: string;
  disabled: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export type RevokedReason = 'logout' | 'reuse' | 'disabled' | 'admin';

export interface RefreshFamiliesTable {
  id: string;
  user_id: string;
  created_at: CreatedAt;
  revoked_at: Date | null;
  revoked_reason: RevokedReason | null;
}

export interface RefreshTokensTable {
  token_hash: Buffer;
  family_id: string;
  issued_at: CreatedAt;
  expires_at: Date;
  spent_at: Date | null;
}

export interface LoginAttemptsTable {
  id: Generated<number>;
  account: string;
  address: string;
  at: CreatedAt;
}

/** The `auth` schema, with the platform's tables (outbox, processed_event, idempotency_key). */
export interface AuthDatabase extends PlatformTables {
  users: UsersTable;
  refresh_families: RefreshFamiliesTable;
  refresh_tokens: RefreshTokensTable;
  login_attempts: LoginAttemptsTable;
}

export type UserRow = Selectable<UsersTable>;
