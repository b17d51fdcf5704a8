// The public API, as documented in openapi.yaml. The base URL comes from config.json, read at
// start; the session token lives in sessionStorage only (never in a URL, never in localStorage).

import { lang, t } from './i18n.js';

let apiBase = '';
let tokenKey = 'xuefen.token';
const handlers = { unauthenticated: () => {}, profileIncomplete: () => {} };

/**
 * Reads `config.json` (`{"apiBase": ""}`: "" is this page's own origin) and returns it (the
 * school's page reads its optional `cognito` too).
 */
export async function loadConfig() {
  const res = await fetch('config.json', { cache: 'no-store', credentials: 'same-origin' });
  if (!res.ok) throw new Error(`config.json: HTTP ${res.status}`);
  const config = await res.json();
  apiBase = String(config.apiBase ?? '').replace(/\/+$/, '');
  return config;
}

/** Where the session token is kept: the school's page keeps its staff token under its own key. */
export function useTokenKey(key) {
  tokenKey = key;
}

/**
 * A URL the API handed out (an upload form's `url`, an evidence read URL): an absolute http(s)
 * URL as it is (S3), a path against the API's base (the dev server's `/_dev/files`); anything
 * else (`javascript:`, …) is refused as null.
 */
export function resolveUrl(url) {
  const text = String(url ?? '');
  if (/^https?:\/\//i.test(text)) return text;
  if (text.startsWith('/') && !text.startsWith('//')) return apiBase + text;
  return null;
}

/** What to do when any route says the session is gone, or the profile must be completed. */
export function onSessionProblems({ unauthenticated, profileIncomplete }) {
  handlers.unauthenticated = unauthenticated;
  handlers.profileIncomplete = profileIncomplete;
}

export const session = {
  get token() {
    try {
      return sessionStorage.getItem(tokenKey);
    } catch {
      return null;
    }
  },
  set(token) {
    sessionStorage.setItem(tokenKey, token);
  },
  clear() {
    try {
      sessionStorage.removeItem(tokenKey);
    } catch {
      // nothing kept then
    }
  },
};

/** An error answer: the envelope `{"error": {code, message, field?, reason?, retryAfter?}}`. */
export class ApiError extends Error {
  constructor(status, body, headers) {
    const e = body && typeof body.error === 'object' ? body.error : {};
    super(e.message || body?.message || t('error.network'));
    this.status = status;
    this.code = e.code || (status ? `HTTP_${status}` : 'NETWORK');
    this.field = e.field ?? null;
    this.reason = e.reason ?? null;
    const header = Number.parseInt(headers?.get('Retry-After') ?? '', 10);
    this.retryAfter = Number.isFinite(header) ? header : (e.retryAfter ?? null);
    // Set once a session handler has taken care of it (the page is changing).
    this.handled = false;
  }
}

/**
 * Calls the API: `request('GET', '/me')`, `request('POST', '/login', {body, auth: false})`,
 * `request('GET', '/achievements', {query: {page: 2}})`. Resolves to the JSON answer (null for
 * 204) or rejects with an ApiError.
 */
export async function request(method, path, { body, query, auth = true } = {}) {
  const headers = { Accept: 'application/json', 'Accept-Language': lang() };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const token = session.token;
  if (auth && token) headers.Authorization = `Bearer ${token}`;
  let url = apiBase + path;
  if (query) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
    }
    const qs = params.toString();
    if (qs) url += `?${qs}`;
  }
  let res;
  try {
    res = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'omit',
    });
  } catch {
    throw new ApiError(0, null, null);
  }
  if (res.status === 204) return null;
  const data = await res.json().catch(() => null);
  if (res.ok) return data;
  const err = new ApiError(res.status, data, res.headers);
  if (auth && err.code === 'UNAUTHENTICATED') {
    session.clear();
    err.handled = true;
    handlers.unauthenticated(err);
  } else if (auth && err.code === 'PROFILE_INCOMPLETE') {
    err.handled = true;
    handlers.profileIncomplete(err);
  }
  throw err;
}
