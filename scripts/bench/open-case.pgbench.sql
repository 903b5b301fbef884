-- pgbench script of benchmark 3 (open-case.mjs runs it with -n -c 20 -j 2 -T 10 -D customer=<uuid>):
-- the statement the case service sends for POST /api/v1/cases (store/cases.ts openCase), on the
-- platform's own `cases` schema — the case row, with its case.created outbox row (a CloudEvents
-- envelope of the same shape and size) and its history entry as data-modifying CTEs of the same
-- statement — without HTTP, Node, validation or JWT. No NOTIFY: the service sends none in this
-- transaction (ADR 0027), so neither does the baseline.
-- The ids and the time come from the first CTE instead of the service's parameters.
WITH ids AS (SELECT gen_random_uuid() AS id, gen_random_uuid() AS event_id, now() AS at,
                    to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS iso),
     alongside_0 AS (
       INSERT INTO cases.outbox (event_id, topic, key, payload, headers)
       SELECT event_id, 'case.created', id,
              ('{"specversion":"1.0","id":"' || event_id || '","source":"/helmdesk/case","type":"case.created","time":"' || iso || '","subject":"' || id || '","datacontenttype":"application/json","data":{"caseId":"' || id || '","customerId":":customer","subject":"The printer is on fire again","priority":"normal","createdAt":"' || iso || '"}}')::jsonb,
              '{"content-type":"application/cloudevents+json","traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}'
         FROM ids),
     alongside_1 AS (
       INSERT INTO cases.history (case_id, type, at, actor_id, data, event_id)
       SELECT id, 'case.created', at, ':customer', '{"subject":"The printer is on fire again","priority":"normal"}', event_id
         FROM ids
       ON CONFLICT (event_id) DO NOTHING RETURNING seq)
INSERT INTO cases.cases (id, subject, description, priority, customer_id, created_at)
SELECT id, 'The printer is on fire again', 'It started after the last firmware update. Smoke, then flames.', 'normal', ':customer', at
  FROM ids
RETURNING *;
