// The console's only way to the platform: the public HTTP API over fetch.
//
// - JSON in and out; errors (application/problem+json) become an ApiError with the problem's
//   title, detail and status, plus Retry-After and field errors when the API sends them.
// - The access token lives in this object only (memory). The refresh token is kept in
//   sessionStorage (per tab, gone when the tab closes) and never in localStorage.
// - A request that gets 401 refreshes the pair once (one refresh at a time, shared by every
//   request waiting on it: a refresh token is single-use and reusing a spent one revokes the
//   login) and is retried once. If that fails, the session is over and `onSessionEnd` fires.

import type { LoginResponse, TokenPair, User } from './types';

export interface FieldIssue {
  path: string;
  message: string;
}

export interface Problem {
  type?: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldIssue[];
  /** Seconds, from the Retry-After header of a 429 (or 503). */
  retryAfter?: number;
  requestId?: string;
}

export class ApiError extends Error implements Problem {
  readonly type?: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly errors?: FieldIssue[];
  readonly retryAfter?: number;
  readonly requestId?: string;

  constructor(problem: Problem) {
    super(problem.detail ? `${problem.title}: ${problem.detail}` : problem.title);
    this.name = 'ApiError';
    this.type = problem.type;
    this.title = problem.title;
    this.status = problem.status;
    this.detail = problem.detail;
    this.errors = problem.errors;
    this.retryAfter = problem.retryAfter;
    this.requestId = problem.requestId;
  }

  /** Field errors keyed by the field name (`body.subject` → `subject`). */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const issue of this.errors ?? []) {
      const key = issue.path.replace(/^(body|query|params)\./, '');
      out[key] ??= issue.message;
    }
    return out;
  }
}

export interface KeyValueStore {
  get(): string | null;
  set(value: string | null): void;
}

export const REFRESH_TOKEN_KEY = 'helmdesk.refreshToken';

/** The refresh token in sessionStorage (never localStorage); a no-op where storage is unavailable. */
export function sessionRefreshStore(storage: Storage | undefined = safeSessionStorage()): KeyValueStore {
  return {
    get: () => {
      try {
        return storage?.getItem(REFRESH_TOKEN_KEY) ?? null;
      } catch {
        return null;
      }
    },
    set: (value) => {
      try {
        if (value === null) storage?.removeItem(REFRESH_TOKEN_KEY);
        else storage?.setItem(REFRESH_TOKEN_KEY, value);
      } catch {
        /* private mode or quota: the session then lasts as long as the page */
      }
    },
  };
}

function safeSessionStorage(): Storage | undefined {
  try {
    return typeof sessionStorage === 'undefined' ? undefined : sessionStorage;
  } catch {
    return undefined;
  }
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  headers?: Record<string, string>;
  /** Send the access token and refresh on 401 (default true). */
  auth?: boolean;
  signal?: AbortSignal;
}

export type SessionEndReason = 'expired' | 'signed-out';

export interface ApiClientOptions {
  baseUrl?: string;
  fetch?: typeof fetch;
  refreshStore?: KeyValueStore;
}

export class ApiClient {
  private accessToken: string | null = null;
  private refreshing: Promise<boolean> | null = null;
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly refreshStore: KeyValueStore;
  private listeners = new Set<(reason: SessionEndReason) => void>();

  constructor(options: ApiClientOptions = {}) {
    this.baseUrl = (options.baseUrl ?? '').replace(/\/$/, '');
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.refreshStore = options.refreshStore ?? sessionRefreshStore();
  }

  /** Called when the session ends without the user asking (refresh refused) or on sign-out. */
  onSessionEnd(listener: (reason: SessionEndReason) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get signedIn(): boolean {
    return this.accessToken !== null;
  }

  hasRefreshToken(): boolean {
    return this.refreshStore.get() !== null;
  }

  setTokens(pair: TokenPair): void {
    this.accessToken = pair.accessToken;
    this.refreshStore.set(pair.refreshToken);
  }

  clearTokens(): void {
    this.accessToken = null;
    this.refreshStore.set(null);
  }

  // ---- auth -----------------------------------------------------------------------------

  async login(email: string, password: string): Promise<User> {
    const res = await this.request<LoginResponse>('POST', '/api/v1/auth/login', {
      body: { email, password },
      auth: false,
    });
    this.setTokens(res);
    return res.user;
  }

  register(input: { email: string; password: string; name: string }): Promise<User> {
    return this.request<User>('POST', '/api/v1/auth/register', { body: input, auth: false });
  }

  /** Resumes a session from the refresh token of this tab, if any. */
  async resume(): Promise<User | null> {
    if (!this.accessToken && !(await this.refresh())) return null;
    try {
      return await this.get<User>('/api/v1/auth/me');
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return null;
      throw err;
    }
  }

  async logout(): Promise<void> {
    const refreshToken = this.refreshStore.get();
    try {
      if (refreshToken && this.accessToken) {
        await this.request('POST', '/api/v1/auth/logout', { body: { refreshToken }, refreshOn401: false });
      }
    } catch {
      /* the tokens are dropped either way */
    } finally {
      this.clearTokens();
      this.emit('signed-out');
    }
  }

  /**
   * Exchanges the refresh token for a new pair. One exchange at a time: callers arriving while
   * one is under way share its outcome. Resolves false (and ends the session) when refused.
   */
  refresh(): Promise<boolean> {
    if (this.refreshing) return this.refreshing;
    const refreshToken = this.refreshStore.get();
    if (!refreshToken) return Promise.resolve(false);
    this.refreshing = (async () => {
      try {
        const pair = await this.request<TokenPair>('POST', '/api/v1/auth/refresh', {
          body: { refreshToken },
          auth: false,
        });
        this.setTokens(pair);
        return true;
      } catch (err) {
        // Refused (spent, revoked, expired): the login is over. Anything else (network, 429,
        // 503) keeps the refresh token for a later attempt but this request cannot proceed.
        if (err instanceof ApiError && (err.status === 400 || err.status === 401 || err.status === 403)) {
          this.clearTokens();
          this.emit('expired');
        }
        return false;
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  // ---- requests -------------------------------------------------------------------------

  get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
    return this.request<T>('GET', path, { query, signal });
  }

  post<T>(path: string, body?: unknown, headers?: Record<string, string>): Promise<T> {
    return this.request<T>('POST', path, { body, headers });
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, { body });
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, { body });
  }

  delete<T = void>(path: string, query?: Query): Promise<T> {
    return this.request<T>('DELETE', path, { query });
  }

  async request<T>(
    method: string,
    path: string,
    options: RequestOptions & { refreshOn401?: boolean } = {},
  ): Promise<T> {
    const auth = options.auth ?? true;
    const url = this.baseUrl + path + queryString(options.query);
    const send = async (token: string | null) => {
      const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
      if (options.body !== undefined) headers['content-type'] = 'application/json';
      if (auth && token) headers.authorization = `Bearer ${token}`;
      try {
        return await this.fetchImpl(url, {
          method,
          headers,
          body: options.body === undefined ? undefined : JSON.stringify(options.body),
          signal: options.signal,
          credentials: 'same-origin',
        });
      } catch (err) {
        if ((err as { name?: string })?.name === 'AbortError') throw err;
        throw new ApiError({
          title: 'Network error',
          status: 0,
          detail: 'Helmdesk could not be reached. Check your connection and try again.',
        });
      }
    };

    let token = auth ? this.accessToken : null;
    if (auth && !token && this.hasRefreshToken() && (await this.refresh())) token = this.accessToken;
    let res = await send(token);
    if (res.status === 401 && auth && (options.refreshOn401 ?? true)) {
      // Another request may have refreshed meanwhile: then just use the newer token.
      const renewed = this.accessToken !== null && this.accessToken !== token;
      if (renewed || (await this.refresh())) {
        res = await send(this.accessToken);
        if (res.status === 401) {
          this.clearTokens();
          this.emit('expired');
        }
      } else if (!this.hasRefreshToken()) {
        this.accessToken = null;
        this.emit('expired');
      }
    }
    return parseResponse<T>(res);
  }

  private emit(reason: SessionEndReason): void {
    for (const listener of this.listeners) listener(reason);
  }
}

export function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

export async function parseResponse<T>(res: Response): Promise<T> {
  if (res.ok) {
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError({ title: 'Unexpected response', status: res.status, detail: 'The server sent something that is not JSON.' });
    }
  }
  throw await problemFrom(res);
}

/** An ApiError from a failed response: the problem's fields when it is one, a plain one otherwise. */
export async function problemFrom(res: Response): Promise<ApiError> {
  let body: Record<string, unknown> = {};
  try {
    const text = await res.text();
    if (text) {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object') body = parsed as Record<string, unknown>;
    }
  } catch {
    /* not JSON: fall back to the status */
  }
  const retryAfter = parseRetryAfter(res.headers.get('retry-after'));
  const errors = Array.isArray(body.errors)
    ? body.errors.filter(
        (e): e is FieldIssue => !!e && typeof e === 'object' && typeof (e as FieldIssue).path === 'string',
      )
    : undefined;
  return new ApiError({
    type: typeof body.type === 'string' ? body.type : undefined,
    title: typeof body.title === 'string' && body.title ? body.title : defaultTitle(res.status, res.statusText),
    status: typeof body.status === 'number' ? body.status : res.status,
    detail: typeof body.detail === 'string' ? body.detail : '',
    errors,
    retryAfter,
    requestId: res.headers.get('x-request-id') ?? undefined,
  });
}

function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

function defaultTitle(status: number, statusText: string): string {
  const known: Record<number, string> = {
    400: 'Invalid request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not found',
    409: 'Conflict',
    413: 'Too large',
    429: 'Too many requests',
    500: 'Server error',
    502: 'Bad gateway',
    503: 'Service unavailable',
    504: 'Gateway timeout',
  };
  return known[status] ?? (statusText || `Error ${status}`);
}

/** What to tell a person about an error: the problem's own words plus a plain-language hint. */
export function describeError(err: unknown): { title: string; detail: string; hint?: string; status?: number } {
  if (err instanceof ApiError) {
    let hint: string | undefined;
    if (err.status === 401) hint = 'Your session is not valid any more. Please sign in again.';
    else if (err.status === 403) hint = 'Your account is not allowed to do this.';
    else if (err.status === 429)
      hint =
        err.retryAfter !== undefined
          ? `Too many attempts. Try again in ${formatSeconds(err.retryAfter)}.`
          : 'Too many attempts. Wait a moment and try again.';
    else if (err.status === 503) hint = 'A part of Helmdesk is temporarily unavailable. Try again shortly.';
    else if (err.status >= 500) hint = 'Something went wrong on our side. Try again.';
    return { title: err.title, detail: err.detail, hint, status: err.status };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { title: 'Something went wrong', detail: message };
}

export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}
