-- pgbench script of benchmark 3 (open-case.mjs runs it with -n -c 20 -j 2 -T 10 -D customer=<uuid>):
-- the transaction the case service runs for POST /api/v1/cases, statement for statement, on the
-- platform's own `cases` schema — the case row, its case.created outbox row (a CloudEvents
-- envelope of the same shape and size, parsed from JSON text as the service's parameter is) with
-- the relay's NOTIFY in its RETURNING as the service sends it, and the history entry — without HTTP, Node, validation or JWT.
BEGIN;
INSERT INTO cases.cases (id, subject, description, priority, customer_id) VALUES (gen_random_uuid(), 'The printer is on fire again', 'It started after the last firmware update. Smoke, then flames.', 'normal', ':customer') RETURNING *, gen_random_uuid() AS event_id, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_iso \gset
INSERT INTO cases.outbox (event_id, topic, key, payload, headers) VALUES (':event_id', 'case.created', ':id', '{"specversion":"1.0","id":":event_id","source":"/helmdesk/case","type":"case.created","time":":created_iso","subject":":id","datacontenttype":"application/json","data":{"caseId":":id","customerId":":customer","subject":"The printer is on fire again","priority":"normal","createdAt":":created_iso"}}', '{"content-type":"application/cloudevents+json","traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}') RETURNING pg_notify('helmdesk_outbox_cases', '');
INSERT INTO cases.history (case_id, type, at, actor_id, data, event_id) VALUES (':id', 'case.created', ':created_at', ':customer', '{"subject":"The printer is on fire again","priority":"normal"}', ':event_id') ON CONFLICT (event_id) DO NOTHING RETURNING seq;
COMMIT;
