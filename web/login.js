// Login with the organisation's OpenID Connect provider (README "Login with
// your organisation's account"): the authorization-code flow with PKCE
// (S256) as a public client, no client secret. GET /v1/oidc-config says
// whether the server accepts the provider's tokens and where the provider's
// endpoints are; the access token ends up where a pasted token would
// (api.setToken, sessionStorage), so the rest of the dashboard does not know
// which way the user logged in. The verifier and state live in
// sessionStorage only while the browser is at the provider.

import * as api from './api.js';

const PENDING_KEY = 'ketenflow.oidc.pending';

let configPromise = null;

// The server's /v1/oidc-config ({enabled: false} when it has none or
// cannot be reached).
export function oidcConfig() {
  configPromise ??= fetch('/v1/oidc-config', {headers: {Accept: 'application/json'}})
                        .then((r) => (r.ok ? r.json() : {enabled: false}))
                        .catch(() => ({enabled: false}));
  return configPromise;
}

function base64url(bytes) {
  let text = '';
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomText(bytes) {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

function redirectUri() {
  return location.origin + location.pathname;
}

// Sends the browser to the provider's login page; the dashboard's view (the
// URL fragment) comes back with the user.
export async function login() {
  const config = await oidcConfig();
  if (!config.enabled) throw new Error('deze server kent geen aanmelding via een organisatie');
  const verifier = randomText(32);
  const challenge =
      base64url(new Uint8Array(await crypto.subtle.digest('SHA-256',
                                                          new TextEncoder().encode(verifier))));
  const state = randomText(16);
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({verifier, state, hash: location.hash}));
  const url = new URL(config.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: config.client_id,
    redirect_uri: redirectUri(),
    scope: 'openid',
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    // The code comes back in the fragment: it never reaches the server.
    response_mode: 'fragment',
  }).toString();
  location.assign(url.toString());
}

// Back from the provider (#code=&state= or #error=): trades the code for an
// access token and puts the dashboard's own fragment back in the address bar. Resolves to
// an error text for the login page, or '' (also when there was nothing to
// do).
export async function adoptLoginResult() {
  const params = new URLSearchParams(location.hash.slice(1));
  if (!params.has('code') && !params.has('error')) return '';
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) || 'null');
  sessionStorage.removeItem(PENDING_KEY);
  history.replaceState(null, '', location.pathname + location.search + (pending?.hash || ''));
  if (params.has('error')) {
    return `Aanmelden bij uw organisatie lukte niet: ${
        params.get('error_description') || params.get('error')}`;
  }
  if (!pending || params.get('state') !== pending.state) {
    return 'Aanmelden bij uw organisatie lukte niet: het antwoord hoort niet bij deze aanmelding.';
  }
  const config = await oidcConfig();
  try {
    const response = await fetch(config.token_endpoint, {
      method: 'POST',
      headers: {'Content-Type': 'application/x-www-form-urlencoded'},
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: params.get('code'),
        redirect_uri: redirectUri(),
        client_id: config.client_id,
        code_verifier: pending.verifier,
      }),
    });
    const body = await response.json();
    if (!response.ok || !body.access_token) {
      return `Aanmelden bij uw organisatie lukte niet: ${
          body.error_description || body.error || response.status}`;
    }
    api.setToken(body.access_token);
    return '';
  } catch (err) {
    return `Aanmelden bij uw organisatie lukte niet: ${err.message}`;
  }
}

// Shows the "log in with your organisation" button when the server has a
// provider.
export async function offerLogin(button) {
  const config = await oidcConfig();
  button.hidden = !config.enabled;
  button.onclick = () => login().catch((err) => {
    button.hidden = true;
    throw err;
  });
}
