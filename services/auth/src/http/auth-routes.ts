import { defineRoute, Reply, Unauthorized, type RouteDefinition } from '@helmdesk/platform';
import { findUser } from '../store/users';
import { invalidRefreshToken, login, logout, refresh } from '../use-cases/sessions';
import { createAccount } from '../use-cases/users';
import { callerOf, clientAddress, traceOf, type AuthRouteDeps } from './deps';
import {
  jwksSchema,
  loginBody,
  refreshTokenBody,
  registerBody,
  sessionResponse,
  sessionSchema,
  userResponse,
  userSchema,
} from './schemas';

const tags = ['auth'];

/** Sign-up, sign-in, refresh, sign-out, the caller's account, and the public keys. */
export function authRoutes(deps: AuthRouteDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'POST',
      path: '/api/v1/auth/register',
      summary: 'Sign up as a customer (the role is always customer). Duplicate email → 409. Honours Idempotency-Key.',
      tags,
      access: 'public',
      body: registerBody,
      status: 201,
      response: userSchema,
      problems: [409],
      idempotent: true,
      handler: async ({ body, req }) =>
        userResponse(await createAccount(deps, { ...body, role: 'customer' }, traceOf(req))),
    }),

    defineRoute({
      method: 'POST',
      path: '/api/v1/auth/login',
      summary:
        'Sign in: an access token and a refresh token. Wrong password, unknown email and disabled ' +
        'account get the same 401; too many failures per account or address → 429 with Retry-After.',
      tags,
      access: 'public',
      body: loginBody,
      response: sessionSchema,
      problems: [401, 429],
      handler: async ({ body, req }) =>
        sessionResponse(await login(deps, { email: body.email, password: body.password, address: clientAddress(req) })),
    }),

    defineRoute({
      method: 'POST',
      path: '/api/v1/auth/refresh',
      summary:
        'A new token pair for a refresh token, which is spent. Reusing a spent one → 401 and every ' +
        'token of that sign-in is revoked.',
      tags,
      access: 'public',
      body: refreshTokenBody,
      response: sessionSchema,
      problems: [401],
      handler: async ({ body, log }) => {
        const result = await refresh(deps, body.refreshToken);
        if (result.ok) return sessionResponse(result.session);
        if (result.decision === 'reuse') {
          log.warn({ userId: result.userId, familyId: result.familyId }, 'spent refresh token reused: its family is revoked');
        }
        throw invalidRefreshToken();
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/api/v1/auth/logout',
      summary: "Sign out: revokes the refresh token's sign-in (every token rotated from it). Always 204.",
      tags,
      access: ['customer', 'agent', 'admin'],
      body: refreshTokenBody,
      status: 204,
      handler: async ({ body, user, log }) => {
        const caller = callerOf(user);
        const revoked = await logout(deps, caller.id, body.refreshToken);
        if (!revoked) log.info('logout with a refresh token that is not a live one of the caller: nothing revoked');
        return undefined;
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/api/v1/auth/me',
      summary: "The caller's account.",
      tags,
      access: ['customer', 'agent', 'admin'],
      response: userSchema,
      handler: async ({ user }) => {
        const found = await findUser(deps.db, callerOf(user).id);
        // Accounts are never deleted: a valid token for an unknown id is not one of ours to honour.
        if (!found) throw new Unauthorized('The account of this access token does not exist.');
        return userResponse(found);
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/.well-known/jwks.json',
      summary: 'The public keys access tokens are signed with (every configured key; the newest signs).',
      tags,
      access: 'public',
      response: jwksSchema,
      handler: async () =>
        // Short cache: a rotated-in key must reach verifiers soon (they also refetch on an unknown kid).
        new Reply(200, { keys: deps.jwks() }, { 'cache-control': 'public, max-age=60' }),
    }),
  ];
}
