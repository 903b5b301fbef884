import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Kysely } from 'kysely';
import { casePrioritySchema } from '@helmdesk/contracts';
import {
  readTimeIdCursor,
  defineRoute,
  Invalid,
  newTraceparent,
  pageQuery,
  pageSchema,
  toPage,
  type PlatformTables,
  type RouteDefinition,
} from '@helmdesk/platform';
import { listScope } from '../domain/access';
import { createdEntry } from '../domain/history';
import { listCases, openCase } from '../store/cases';
import { historyInsert } from '../store/history';
import { actorOf, visibleCase, type CaseRouteDeps } from './deps';
import { caseIdParams, caseResponse, caseSchema, caseStatusSchema, text } from './schemas';

const openCaseBody = z.strictObject({
  subject: text(200).transform((s) => s.trim()),
  description: text(10_000),
  priority: casePrioritySchema.default('normal'),
});

/** A list filter only admins may give; customers and agents list only their own cases (400 if they try). */
function adminOnlyFilter(description: string) {
  return z.uuid().optional().meta({ description, 'x-roles': ['admin'] });
}

const listCasesQuery = z.strictObject({
  ...pageQuery,
  status: caseStatusSchema.optional(),
  priority: casePrioritySchema.optional(),
  customerId: adminOnlyFilter('Admin only: the cases of this customer. Any other role giving it gets 400.'),
  assigneeId: adminOnlyFilter('Admin only: the cases assigned to this agent. Any other role giving it gets 400.'),
});

export function caseRoutes({ db, outbox }: CaseRouteDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'POST',
      path: '/api/v1/cases',
      summary: 'Open a case (customers). Honours Idempotency-Key.',
      tags: ['cases'],
      access: ['customer'],
      body: openCaseBody,
      status: 201,
      response: caseSchema,
      idempotent: true,
      handler: async ({ body, user, req }) => {
        const c = { id: randomUUID(), customerId: actorOf(user).id, createdAt: new Date(), ...body };
        // The case, its case.created event and its history entry: one atomic statement.
        const { built, insert: outboxInsert } = outbox.insertion(db as unknown as Kysely<PlatformTables>, [
          {
            type: 'case.created',
            subject: c.id,
            time: c.createdAt,
            data: {
              caseId: c.id,
              customerId: c.customerId,
              subject: c.subject,
              priority: c.priority,
              createdAt: c.createdAt.toISOString(),
            },
            traceparent: newTraceparent(req.headers.traceparent as string | undefined),
          },
        ]);
        const opened = await openCase(db, c, [outboxInsert, historyInsert(db, c.id, createdEntry(c, built[0]!.id))]);
        return caseResponse(opened);
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/api/v1/cases',
      summary:
        'List cases, newest first: a customer its own, an agent those assigned to it, an admin all ' +
        '(filterable by customerId and assigneeId).',
      tags: ['cases'],
      access: ['customer', 'agent', 'admin'],
      query: listCasesQuery,
      response: pageSchema(caseSchema),
      handler: async ({ query, user }) => {
        const scope = listScope(actorOf(user), { customerId: query.customerId, assigneeId: query.assigneeId });
        if (!scope.ok) {
          throw new Invalid(
            `Only admins may filter by ${scope.forbiddenFilters.join(' or ')}.`,
            scope.forbiddenFilters.map((f) => ({ path: `query.${f}`, message: 'admin only' })),
          );
        }
        const rows = await listCases(db, {
          ...scope.scope,
          status: query.status,
          priority: query.priority,
          after: readTimeIdCursor(query.cursor),
          limit: query.limit + 1,
        });
        return toPage(rows, query.limit, (c) => [c.createdAt.toISOString(), c.id], caseResponse);
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/api/v1/cases/:id',
      summary: 'Read a case: its customer, its agent, any agent while it waits in the queue, admins.',
      tags: ['cases'],
      access: ['customer', 'agent', 'admin'],
      params: caseIdParams,
      response: caseSchema,
      problems: [404],
      handler: async ({ params, user }) => caseResponse(await visibleCase(db, actorOf(user), params.id)),
    }),
  ];
}
