// Talks to the ketenflow HTTP API (README "HTTP API and dashboard") with the
// token kept in sessionStorage. Every failure becomes an ApiFailure carrying
// the HTTP status and the server's ApiError message, so callers can show it.

const TOKEN_KEY = 'ketenflow.token';

export class ApiFailure extends Error {
  constructor(status, message, parameter) {
    super(message);
    this.status = status;
    this.parameter = parameter;
  }
}

// Takes `#token=…` from the URL fragment into sessionStorage and removes it
// from the address bar (and the history), keeping any other fragment keys.
export function adoptTokenFromFragment() {
  const params = new URLSearchParams(location.hash.slice(1));
  const token = params.get('token');
  if (!token) return;
  sessionStorage.setItem(TOKEN_KEY, token.trim());
  params.delete('token');
  const rest = params.toString();
  history.replaceState(null, '', location.pathname + location.search + (rest ? '#' + rest : ''));
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY) || '';
}

export function setToken(value) {
  sessionStorage.setItem(TOKEN_KEY, value.trim());
}

export function clearToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

// GET a /v1 route; resolves to the parsed JSON body.
export async function get(path, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') query.set(key, String(value));
  }
  const url = path + (query.size ? '?' + query.toString() : '');
  let response;
  try {
    response = await fetch(url, {
      headers: {Authorization: 'Bearer ' + token(), Accept: 'application/json'},
    });
  } catch (err) {
    throw new ApiFailure(0, `server niet bereikbaar (${err.message})`);
  }
  const text = await response.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!response.ok) {
    const message = body?.message || text.slice(0, 200) || response.statusText;
    throw new ApiFailure(response.status, message, body?.parameter);
  }
  if (body === null) throw new ApiFailure(response.status, `geen JSON-antwoord van ${path}`);
  return body;
}

// Dutch text for a failure, for the panel that could not load.
export function describe(err) {
  if (!(err instanceof ApiFailure)) return `Onverwachte fout: ${err?.message ?? err}`;
  switch (err.status) {
    case 0:
      return `Geen verbinding: ${err.message}`;
    case 400:
      return `Ongeldige invoer${err.parameter ? ` (${err.parameter})` : ''}: ${err.message}`;
    case 401:
      return `Niet aangemeld: ${err.message}`;
    case 403:
      return `Geen toegang voor deze rol: ${err.message}`;
    case 404:
      return `Niet gevonden: ${err.message}`;
    case 503:
      return `De opslag is nog niet klaar; probeer het zo opnieuw (${err.message})`;
    default:
      return `Fout ${err.status}: ${err.message}`;
  }
}
