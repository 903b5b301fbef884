/** A small client of the public API for end-to-end tests: JSON in and out, bearer tokens. */
export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    /** The bearer token it sends, if any (load generators reuse it). */
    readonly token?: string,
  ) {}

  as(token: string): ApiClient {
    return new ApiClient(this.baseUrl, token);
  }

  async call<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, headers: response.headers, body: parsed as T };
  }

  get = <T = any>(path: string) => this.call<T>('GET', path);
  post = <T = any>(path: string, body?: unknown, headers?: Record<string, string>) => this.call<T>('POST', path, body, headers);
  patch = <T = any>(path: string, body?: unknown) => this.call<T>('PATCH', path, body);
  put = <T = any>(path: string, body?: unknown) => this.call<T>('PUT', path, body);
  delete = <T = any>(path: string) => this.call<T>('DELETE', path);

  /** Logs in and returns a client acting as that user. */
  async login(email: string, password: string): Promise<{ client: ApiClient; user: { id: string; role: string }; refreshToken: string }> {
    const res = await this.post('/api/v1/auth/login', { email, password });
    if (res.status !== 200) throw new Error(`login of ${email} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return { client: this.as(res.body.accessToken), user: res.body.user, refreshToken: res.body.refreshToken };
  }
}
