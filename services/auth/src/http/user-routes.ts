import {
  readTimeIdCursor,
  defineRoute,
  NotFound,
  pageSchema,
  toPage,
  type RouteDefinition,
} from '@helmdesk/platform';
import { findUser, listUsers } from '../store/users';
import { changeAccount, createAccount } from '../use-cases/users';
import { callerOf, traceOf, type AuthRouteDeps } from './deps';
import { createUserBody, listUsersQuery, patchUserBody, userIdParams, userResponse, userSchema } from './schemas';

const tags = ['users'];


/** Account administration (admins only). */
export function userRoutes(deps: AuthRouteDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'POST',
      path: '/api/v1/users',
      summary: 'Create an account of any role. Duplicate email → 409. Honours Idempotency-Key.',
      tags,
      access: ['admin'],
      body: createUserBody,
      status: 201,
      response: userSchema,
      problems: [409],
      idempotent: true,
      handler: async ({ body, req }) => userResponse(await createAccount(deps, body, traceOf(req))),
    }),

    defineRoute({
      method: 'GET',
      path: '/api/v1/users',
      summary: 'List accounts, newest first; filter by role, or by part of the email or name (q).',
      tags,
      access: ['admin'],
      query: listUsersQuery,
      response: pageSchema(userSchema),
      handler: async ({ query }) => {
        const rows = await listUsers(deps.db, {
          role: query.role,
          q: query.q,
          after: readTimeIdCursor(query.cursor),
          limit: query.limit + 1,
        });
        return toPage(rows, query.limit, (u) => [u.createdAt.toISOString(), u.id], userResponse);
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/api/v1/users/:id',
      summary: 'An account.',
      tags,
      access: ['admin'],
      params: userIdParams,
      response: userSchema,
      problems: [404],
      handler: async ({ params }) => {
        const found = await findUser(deps.db, params.id);
        if (!found) throw new NotFound(`There is no user ${params.id}.`);
        return userResponse(found);
      },
    }),

    defineRoute({
      method: 'PATCH',
      path: '/api/v1/users/:id',
      summary:
        'Change name, role or disabled. Disabling revokes every refresh token (access tokens live ' +
        'until they expire). Admins cannot disable or demote themselves (409).',
      tags,
      access: ['admin'],
      params: userIdParams,
      body: patchUserBody,
      response: userSchema,
      problems: [404, 409],
      handler: async ({ params, body, user, req }) =>
        userResponse(await changeAccount(deps, callerOf(user).id, params.id, body, traceOf(req))),
    }),
  ];
}
