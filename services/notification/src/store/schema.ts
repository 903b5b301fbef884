import type { ColumnType, Generated } from 'kysely';
import type { Role } from '@helmdesk/contracts';
import type { PlatformTables } from '@helmdesk/platform';

/** Kysely types of the `notifications` schema (see src/migrations). */
export interface NotificationDb extends PlatformTables {
  user_projection: UserProjectionTable;
  case_projection: CaseProjectionTable;
  case_activity: CaseActivityTable;
  template: TemplateTable;
  webhook: WebhookTable;
  delivery: DeliveryTable;
  delivery_queue: DeliveryQueueTable;
  digest: DigestTable;
}

/** Recipients, from user.created / user.updated. `version_at` is the event time applied last. */
export interface UserProjectionTable {
  id: string;
  email: string;
  name: string;
  role: Role;
  disabled: boolean;
  version_at: Date;
}

export type CaseStatus = 'open' | 'assigned' | 'resolved';

/**
 * Cases, from case.* events. A row can exist before its case.created arrived (events of
 * different topics are not ordered): then customer, subject and created_at are still null.
 */
export interface CaseProjectionTable {
  id: string;
  customer_id: string | null;
  subject: string | null;
  priority: string | null;
  created_at: Date | null;
  status: CaseStatus;
  /** Time of the event that set `status`; older status events do not overwrite it. */
  status_at: Date;
  assignee_id: string | null;
  queued_at: Date | null;
  assigned_at: Date | null;
  resolved_at: Date | null;
  resolution: string | null;
}

export type ActivityKind = 'opened' | 'assigned' | 'requeued' | 'resolved';

/** One row per case event, for the digest's daily counts. */
export interface CaseActivityTable {
  event_id: string;
  case_id: string;
  kind: ActivityKind;
  at: Date;
}

export interface TemplateTable {
  key: string;
  subject: string;
  body: string;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export interface WebhookTable {
  id: Generated<string>;
  url: string;
  events: ColumnType<string[], string[], string[]>;
  /** The Standard Webhooks signing secret; never returned after creation, never logged. */
  secret: string;
  enabled: Generated<boolean>;
  consecutive_failures: Generated<number>;
  disabled_at: Date | null;
  disabled_reason: string | null;
  created_at: Generated<Date>;
  deleted_at: Date | null;
}

export type DeliveryChannel = 'email' | 'webhook';
export type DeliveryStatus = 'queued' | 'sent' | 'failed';

/**
 * One side effect to perform exactly once: (event_id, channel, audience) is unique. While it is
 * `queued` it also has a row in `delivery_queue` (made by a trigger on insert), where workers
 * find and claim it. `next_attempt_at` here is for the log; the queue row's is the schedule.
 */
export interface DeliveryTable {
  id: Generated<string>;
  seq: Generated<number>;
  event_id: string;
  /** The topic (or `digest.daily`). */
  event: string;
  channel: DeliveryChannel;
  /** The recipient within the event: `customer`, `agent`, `inbox` or the webhook id. */
  audience: string;
  /** Address or URL, for the log; refreshed from the projection when the mail is sent. */
  recipient: string;
  recipient_user_id: string | null;
  webhook_id: string | null;
  template: string | null;
  /** Email: what the template needs (ids, times, digest figures). Webhook: the CloudEvent. */
  context: ColumnType<Record<string, unknown>, string, string>;
  status: Generated<DeliveryStatus>;
  attempts: Generated<number>;
  last_error: string | null;
  response_status: number | null;
  next_attempt_at: Generated<Date>;
  created_at: Generated<Date>;
  sent_at: Date | null;
}

/**
 * A delivery still to be made (ADR 0029): due at `next_attempt_at`. A worker claims it by setting
 * `leased_until` and stamping `claim_token`, so no other replica takes it while the lease lasts;
 * neither is indexed, so the claim updates the row in place. The outcome of its last attempt
 * deletes the row; a retry sets the next time and releases the claim.
 */
export interface DeliveryQueueTable {
  delivery_id: string;
  seq: number;
  next_attempt_at: Date;
  leased_until: Date | null;
  claim_token: string | null;
}

export interface DigestTable {
  id: Generated<string>;
  /** The UTC day summarised. */
  day: ColumnType<string, string, string>;
  trigger: 'schedule' | 'manual';
  created_at: Generated<Date>;
}
