// Who the school's page calls the API as: a staff member's ID token (the user pool's), kept in
// sessionStorage only, under its own key. In a deployment (`cognito: {domain, clientId,
// redirectUri}` in config.json) it comes from the user pool's hosted UI by the authorization
// code flow with PKCE (S256): no client secret, the code verifier never leaves this tab, the
// state checked on return. Locally (no `cognito`) the dev server signs one: POST
// /_dev/institution-token. The page reads the token's claims only to show who is signed in and
// when the token ends; the API verifies it.

import { request, session, useTokenKey } from './api.js';

const PKCE_KEY = 'xuefen.staff.pkce';

/** From now on api.js sends (and forgets) the staff token, not a learner's. */
export function useStaffSession() {
  useTokenKey('xuefen.staff.token');
}

function base64url(bytes) {
  let text = '';
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomText(bytes) {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

async function challengeOf(verifier) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

/** "https://x.auth.region.amazoncognito.com/" → the host alone. */
function hostOf(cognito) {
  return String(cognito.domain).replace(/^https?:\/\//i, '').replace(/\/+$/, '');
}

/** The claims of a JWT (no check: display and expiry only), or null. */
export function claims(token) {
  try {
    const part = String(token).split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const binary = atob(part + '='.repeat((4 - (part.length % 4)) % 4));
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))));
  } catch {
    return null;
  }
}

/** Whether a token is kept that has not expired (with a minute to spare). */
export function signedIn() {
  const token = session.token;
  if (!token) return false;
  const exp = Number(claims(token)?.exp);
  if (Number.isFinite(exp) && exp * 1000 < Date.now() + 60_000) {
    session.clear();
    return false;
  }
  return true;
}

/** A sign-in that failed: `key` is the text to show, `detail` what the other side said. */
export class SignInError extends Error {
  constructor(key, detail = '') {
    super(key);
    this.key = key;
    this.detail = detail;
  }
}

/** Off to the hosted UI, with a new code verifier and state kept for the return. */
export async function startHostedSignIn(cognito) {
  const verifier = randomText(32);
  const state = randomText(16);
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state }));
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: cognito.clientId,
    redirect_uri: cognito.redirectUri,
    scope: 'openid email profile',
    code_challenge: await challengeOf(verifier),
    code_challenge_method: 'S256',
    state,
  });
  location.assign(`https://${hostOf(cognito)}/oauth2/authorize?${params}`);
}

/**
 * Back from the hosted UI: the code of this page's address exchanged for the ID token, which is
 * kept. False when the address carries no answer; a SignInError when it went wrong.
 */
export async function finishHostedSignIn(cognito) {
  const params = new URLSearchParams(location.search);
  if (!params.has('code') && !params.has('error')) return false;
  // The answer leaves the address at once (a code is used once; nothing to bookmark).
  history.replaceState(null, '', location.pathname + location.hash);
  let saved = null;
  try {
    saved = JSON.parse(sessionStorage.getItem(PKCE_KEY) ?? 'null');
  } catch {
    saved = null;
  }
  sessionStorage.removeItem(PKCE_KEY);
  if (params.has('error')) {
    throw new SignInError('inst.signin.refused', params.get('error_description') || params.get('error'));
  }
  if (!saved?.state || params.get('state') !== saved.state) throw new SignInError('inst.signin.state');
  let res;
  try {
    res = await fetch(`https://${hostOf(cognito)}/oauth2/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: cognito.clientId,
        code: params.get('code'),
        redirect_uri: cognito.redirectUri,
        code_verifier: saved.verifier,
      }),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    throw new SignInError('error.network');
  }
  const tokens = await res.json().catch(() => null);
  if (!res.ok || !tokens?.id_token) throw new SignInError('inst.signin.failed', tokens?.error ?? `HTTP ${res.status}`);
  session.set(tokens.id_token);
  return true;
}

/** The dev server's token for `institution` and `role`, kept. Rejects with the API's error. */
export async function devSignIn(institution, role) {
  const answer = await request('POST', '/_dev/institution-token', { body: { institution, role }, auth: false });
  session.set(answer.token);
}

/** Forgets the token; with a user pool, ends its hosted-UI session too (back to redirectUri). */
export function signOut(cognito) {
  session.clear();
  if (!cognito) return;
  const params = new URLSearchParams({ client_id: cognito.clientId, logout_uri: cognito.redirectUri });
  location.assign(`https://${hostOf(cognito)}/logout?${params}`);
}
