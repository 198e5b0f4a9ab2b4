// The dashboard's client of the Colonies API: every call is a signed envelope POSTed to /api
// (docs/protocol.md, section 3), built and signed here in the browser. Errors come back as
// ApiError with the server's status and message, plus a hint for the person at the screen.
import {base64Decode, base64Encode, nonce, sign} from './crypto.js';

const REQUEST_TIMEOUT_MS = 30000;

export class ApiError extends Error {
  constructor(status, message, msgtype) {
    super(message);
    this.name = 'ApiError';
    this.status = status;  // HTTP status; 0 when the server could not be reached
    this.msgtype = msgtype;
  }

  get hint() {
    return hintFor(this.status);
  }
}

// What a person can do about an error status (docs/dashboard.md, "Errors").
export function hintFor(status) {
  switch (status) {
    case 0: return 'The server did not answer. Is coloniesd running, and is this the address it serves?';
    case 400: return 'The server refused the request as malformed or invalid; the message says which field.';
    case 401: return 'The signature was refused. Check the key, and that this computer\'s clock is within the ' +
      'server\'s replay window (5 minutes by default) of the server\'s.';
    case 403: return 'This key may not do that. Most views need a user or executor of the colony; colony and ' +
      'server owners are not members (add yourself with `colonies user add`).';
    case 404: return 'Not found: it may have been removed, or retention deleted it.';
    case 408: return 'The request timed out on the server.';
    case 409: return 'The request conflicts with the current state (already finished, duplicate name, ...).';
    case 413: return 'The request is larger than the server\'s body limit.';
    case 429: return 'Rate limited: this key sends more requests than the server allows; they are retried later.';
    case 503: return 'The server is unavailable: shutting down, paused, a store outage, or no cluster leader.';
    default: return status >= 500 ? 'The server had an internal problem; its log says more.' : '';
  }
}

export class Api {
  // identity: {id, key} from crypto.importPrivateKey.
  constructor(identity) {
    this.identity = identity;
  }

  get id() {
    return this.identity.id;
  }

  // The signed envelope for one message: payload = the message's fields + msgtype, a fresh nonce
  // and the current Unix time in whole seconds, as base64 of its JSON; the signature covers the
  // base64 text exactly as sent.
  async envelope(msgtype, fields = {}) {
    const payload = base64Encode(toJson({
      ...fields, msgtype, nonce: nonce(), timestamp: Math.floor(Date.now() / 1000),
    }));
    return {payloadtype: msgtype, payload, signature: await sign(this.identity.key, payload), signer: this.identity.id};
  }

  // Sends one message and returns the decoded reply payload; throws ApiError.
  async call(msgtype, fields = {}) {
    const body = JSON.stringify(await this.envelope(msgtype, fields));
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), REQUEST_TIMEOUT_MS);
    let response;
    let text;
    try {
      response = await fetch('/api', {
        method: 'POST', headers: {'Content-Type': 'application/json'}, body,
        cache: 'no-store', credentials: 'omit', signal: abort.signal,
      });
      text = await response.text();
    } catch (error) {
      const why = error?.name === 'AbortError' ? `no answer within ${REQUEST_TIMEOUT_MS / 1000} s` : error?.message;
      throw new ApiError(0, `cannot reach the server: ${why}`, msgtype);
    } finally {
      clearTimeout(timer);
    }
    return decodeReply(response.status, text, msgtype);
  }
}

// JSON with BigInt values written as plain integers (log "since" is Unix ns, beyond 2^53). The
// marker carries a random part so that no string in a request can pass for one.
const BIGINT_MARKER = `bigint-${nonce()}:`;
const BIGINT_PATTERN = new RegExp(`"${BIGINT_MARKER}(-?\\d+)"`, 'g');

function toJson(value) {
  return JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? `${BIGINT_MARKER}${v}` : v))
    .replace(BIGINT_PATTERN, '$1');
}

// The server's nanosecond integers (log "timestamp", process "prioritytime") do not fit a JS
// number exactly; they are read as decimal strings instead. The pattern only matches object keys
// (after "{" or ","): inside a JSON string every quote is escaped, so text cannot imitate one.
const EXACT_INTEGER_KEYS = /([{,]\s*"(?:timestamp|prioritytime)"\s*:\s*)(-?\d+)/g;

function parsePayload(b64) {
  return JSON.parse(base64Decode(b64).replace(EXACT_INTEGER_KEYS, '$1"$2"'));
}

// A reply envelope (HTTP body or WebSocket frame) -> its decoded payload, or an ApiError.
export function decodeReply(status, text, msgtype) {
  let reply;
  try {
    reply = JSON.parse(text);
  } catch {
    throw new ApiError(status || 500, `the server answered ${status} with a body that is not JSON`, msgtype);
  }
  if (typeof reply?.payload !== 'string') {
    // Not an envelope: the plain {"error": "..."} of an unknown path, for example.
    throw new ApiError(status || 500, reply?.error ?? `unexpected answer (HTTP ${status})`, msgtype);
  }
  let payload;
  try {
    payload = parsePayload(reply.payload);
  } catch {
    throw new ApiError(status || 500, 'the reply payload is not base64 of JSON', msgtype);
  }
  if (reply.error) {
    throw new ApiError(payload?.status ?? status, payload?.message ?? 'error without a message', msgtype);
  }
  if (status && (status < 200 || status > 299)) {
    throw new ApiError(status, `HTTP ${status}`, msgtype);
  }
  return payload;
}

// Decodes one WebSocket frame: {type, payload} for an event or acknowledgement; throws ApiError for
// an error frame.
export function decodeFrame(text) {
  const frame = JSON.parse(text);
  return {type: frame.payloadtype, payload: decodeReply(0, text, frame.payloadtype)};
}
