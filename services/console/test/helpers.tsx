import { render } from '@testing-library/react';
import type { ReactNode } from 'react';
import { vi } from 'vitest';
import { ApiClient, type KeyValueStore } from '../src/api/client';
import type { Role, User } from '../src/api/types';
import { matchPath } from '../src/lib/router';
import { SessionProvider } from '../src/session';

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  params: Record<string, string>;
  body: unknown;
  headers: Record<string, string>;
}

export interface FakeResponse {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (req: FakeRequest) => FakeResponse | Promise<FakeResponse>;

/** A fetch that answers from `routes` ("METHOD /path/:param"); unknown routes get a 404 problem. */
export function fakeFetch(routes: Record<string, Handler>) {
  const calls: FakeRequest[] = [];
  const fn = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(String(input), 'http://console.test');
    const method = (init.method ?? 'GET').toUpperCase();
    const headers = Object.fromEntries(Object.entries((init.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]));
    let handler: Handler | undefined;
    let params: Record<string, string> = {};
    for (const [key, h] of Object.entries(routes)) {
      const [m, pattern] = key.split(' ') as [string, string];
      const p = m === method ? matchPath(pattern, url.pathname) : null;
      if (p) {
        handler = h;
        params = p;
        break;
      }
    }
    const req: FakeRequest = {
      method,
      path: url.pathname,
      query: url.searchParams,
      params,
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
      headers,
    };
    calls.push(req);
    const res: FakeResponse = handler
      ? await handler(req)
      : { status: 404, body: problem(404, 'Not found', `No route matches ${method} ${url.pathname}.`) };
    const status = res.status ?? 200;
    const isProblem = status >= 400;
    return new Response(status === 204 || res.body === undefined ? null : JSON.stringify(res.body), {
      status,
      headers: { 'content-type': isProblem ? 'application/problem+json' : 'application/json', ...res.headers },
    });
  });
  return { fetch: fn as unknown as typeof fetch, calls };
}

export function problem(status: number, title: string, detail: string, extra: Record<string, unknown> = {}) {
  return { type: `https://helmdesk.dev/problems/${title.toLowerCase().replace(/\W+/g, '-')}`, title, status, detail, ...extra };
}

export function memoryStore(initial: string | null = null): KeyValueStore & { value: string | null } {
  const store = {
    value: initial,
    get: () => store.value,
    set: (v: string | null) => {
      store.value = v;
    },
  };
  return store;
}

export function makeUser(role: Role, overrides: Partial<User> = {}): User {
  return {
    id: `00000000-0000-4000-8000-00000000000${role === 'customer' ? 1 : role === 'agent' ? 2 : 3}`,
    email: `${role}@example.test`,
    name: `${role[0]!.toUpperCase()}${role.slice(1)} Person`,
    role,
    disabled: false,
    createdAt: '2025-01-01T10:00:00.000Z',
    ...overrides,
  };
}

/** Renders `ui` signed in as `user`, with the API answered by `routes`. */
export function renderAs(user: User, ui: ReactNode, routes: Record<string, Handler>) {
  const fake = fakeFetch(routes);
  const client = new ApiClient({ fetch: fake.fetch, refreshStore: memoryStore('refresh-1') });
  client.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });
  const view = render(
    <SessionProvider client={client} initialUser={user}>
      {ui}
    </SessionProvider>,
  );
  return { ...view, calls: fake.calls, client };
}

export const page = <T,>(items: T[], nextCursor: string | null = null) => ({ body: { items, nextCursor } });

let n = 0;
export function uuid(): string {
  n++;
  return `10000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
}
