// The page's HTTP client: JSON in and out, the API key (apikey mode) from localStorage, problem
// documents turned into ApiError, and a 401 reported once to whoever shows the sign-in.
import type { Problem } from './types.ts';

const KEY_STORAGE = 'tickler.apiKey';

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;
  constructor(status: number, problem: Problem) {
    super(problem.reason ?? problem.detail ?? problem.title ?? `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface Api {
  get<T>(path: string, opts?: RequestOptions): Promise<T>;
  post<T>(path: string, body?: unknown, opts?: RequestOptions): Promise<T>;
  patch<T>(path: string, body: unknown, opts?: RequestOptions): Promise<T>;
  del(path: string): Promise<void>;
  /** Headers every request carries (the event stream uses them too). */
  authHeaders(): Record<string, string>;
  key(): string | null;
  setKey(key: string | null): void;
}

export function createApi(onUnauthorized: () => void): Api {
  const key = () => localStorage.getItem(KEY_STORAGE);
  const authHeaders = (): Record<string, string> => {
    const k = key();
    return k ? { authorization: `Bearer ${k}` } : {};
  };

  async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', ...authHeaders(), ...opts.headers };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(path, {
      method,
      headers,
      ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = { title: text.slice(0, 200) };
    }
    if (!res.ok) {
      if (res.status === 401) onUnauthorized();
      throw new ApiError(res.status, (body ?? {}) as Problem);
    }
    return body as T;
  }

  return {
    get: (path, opts) => request('GET', path, opts),
    post: (path, body, opts) => request('POST', path, { ...opts, body: body ?? {} }),
    patch: (path, body, opts) => request('PATCH', path, { ...opts, body }),
    del: (path) => request('DELETE', path),
    authHeaders,
    key,
    setKey(k) {
      if (k) localStorage.setItem(KEY_STORAGE, k);
      else localStorage.removeItem(KEY_STORAGE);
    },
  };
}

/** The message to show for a failed call. */
export function messageOf(err: unknown): string {
  if (err instanceof ApiError) {
    const fields = err.problem.errors?.map((e) => `${e.path}: ${e.message}`) ?? [];
    return fields.length > 1 ? fields.join('; ') : err.message;
  }
  if (err instanceof DOMException && err.name === 'AbortError') return 'cancelled';
  return 'The server could not be reached. Check your connection and try again.';
}
