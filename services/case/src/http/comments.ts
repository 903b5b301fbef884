import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  readCursor,
  defineRoute,
  Forbidden,
  pageQuery,
  pageSchema,
  toPage,
  type RouteDefinition,
} from '@helmdesk/platform';
import { canComment } from '../domain/access';
import { commentedEntry } from '../domain/history';
import { touchCase } from '../store/cases';
import { insertComment, listComments } from '../store/comments';
import { appendHistory } from '../store/history';
import { actorOf, visibleCase, type CaseRouteDeps } from './deps';
import { caseIdParams, commentResponse, commentSchema, text } from './schemas';

const commentBody = z.strictObject({ body: text(10_000) });
const listCommentsQuery = z.strictObject({ ...pageQuery });
const commentPosition = z.tuple([z.number().int().positive()]);

function afterComment(cursor: string | undefined): number | undefined {
  return readCursor(cursor, commentPosition)?.[0];
}

export function commentRoutes({ db }: CaseRouteDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'POST',
      path: '/api/v1/cases/:id/comments',
      summary:
        'Comment on a case: its customer, its assigned agent, admins. An agent who only sees a ' +
        'waiting case gets 403. Honours Idempotency-Key.',
      tags: ['comments'],
      access: ['customer', 'agent', 'admin'],
      params: caseIdParams,
      body: commentBody,
      status: 201,
      response: commentSchema,
      problems: [404],
      idempotent: true,
      handler: async ({ params, body, user }) => {
        const actor = actorOf(user);
        const comment = await db.transaction().execute(async (trx) => {
          const c = await visibleCase(trx, actor, params.id, { forUpdate: true });
          if (!canComment(actor, c)) {
            throw new Forbidden('Only the customer, the assigned agent or an admin may comment on this case.');
          }
          const created = await insertComment(trx, {
            id: randomUUID(),
            caseId: c.id,
            authorId: actor.id,
            authorRole: actor.role,
            body: body.body,
          });
          await appendHistory(trx, c.id, commentedEntry(created));
          await touchCase(trx, c.id, created.createdAt);
          return created;
        });
        return commentResponse(comment);
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/api/v1/cases/:id/comments',
      summary: 'List the comments of a case, oldest first (same access as reading the case).',
      tags: ['comments'],
      access: ['customer', 'agent', 'admin'],
      params: caseIdParams,
      query: listCommentsQuery,
      response: pageSchema(commentSchema),
      problems: [404],
      handler: async ({ params, query, user }) => {
        const c = await visibleCase(db, actorOf(user), params.id);
        const after = afterComment(query.cursor);
        const rows = await listComments(db, { caseId: c.id, afterSeq: after, limit: query.limit + 1 });
        return toPage(rows, query.limit, (r) => [r.seq], commentResponse);
      },
    }),
  ];
}
