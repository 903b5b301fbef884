import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Agents, the cases the service knows (waiting, assigned or resolved) and their assignments.
 * Besides the row locks the use cases take, the schema itself refuses the states that must never
 * happen: two active assignments of one case, two resolutions of one case, a negative load, and
 * an increment of an agent's load past its capacity.
 */
export const createAgents: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`
      create table agent (
        id uuid primary key,
        name text not null,
        email text not null,
        status text not null default 'offline' check (status in ('online', 'away', 'offline')),
        active boolean not null default true,
        account_enabled boolean not null default true,
        capacity integer not null default 3 check (capacity between 1 and 50),
        active_cases integer not null default 0 check (active_cases >= 0),
        last_assigned_at timestamptz,
        removed_at timestamptz,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      )`.execute(db);
    await sql`create index agent_listing on agent (name, id) where removed_at is null`.execute(db);
    // Lowering the capacity below the load is allowed; taking one more case past it is not.
    await sql`
      create function agent_capacity_guard() returns trigger language plpgsql as $$
      begin
        if new.active_cases > old.active_cases and new.active_cases > new.capacity then
          raise exception 'agent % would exceed its capacity of %', new.id, new.capacity
            using errcode = 'check_violation';
        end if;
        return new;
      end $$`.execute(db);
    await sql`
      create trigger agent_capacity_guard before update of active_cases on agent
      for each row execute function agent_capacity_guard()`.execute(db);

    await sql`
      create table tracked_case (
        case_id uuid primary key,
        customer_id uuid not null,
        subject text not null,
        priority text not null check (priority in ('low', 'normal', 'high', 'urgent')),
        priority_rank smallint not null,
        queued_at timestamptz not null,
        state text not null default 'waiting' check (state in ('waiting', 'assigned', 'resolved')),
        received_at timestamptz not null default now()
      )`.execute(db);
    await sql`
      create index tracked_case_queue on tracked_case (priority_rank desc, queued_at, case_id)
      where state = 'waiting'`.execute(db);

    await sql`
      create table assignment (
        id bigserial primary key,
        case_id uuid not null references tracked_case (case_id),
        agent_id uuid not null references agent (id),
        how text not null check (how in ('auto', 'claim')),
        state text not null default 'active' check (state in ('active', 'resolved', 'requeued')),
        assigned_at timestamptz not null,
        resolved_at timestamptz,
        resolution text,
        requeued_at timestamptz
      )`.execute(db);
    await sql`create unique index assignment_one_active_per_case on assignment (case_id) where state = 'active'`.execute(db);
    await sql`create unique index assignment_one_resolution_per_case on assignment (case_id) where state = 'resolved'`.execute(db);
    await sql`create index assignment_by_agent on assignment (agent_id, state)`.execute(db);
    await sql`create index assignment_listing on assignment (assigned_at desc, id desc)`.execute(db);
  },

  async down(db: Kysely<unknown>) {
    await sql`drop table assignment`.execute(db);
    await sql`drop table tracked_case`.execute(db);
    await sql`drop table agent`.execute(db);
    await sql`drop function agent_capacity_guard()`.execute(db);
  },
};
