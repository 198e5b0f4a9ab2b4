// Unit tests of the dashboard's browser-independent JavaScript, run by Node's built-in test
// runner (no npm): the DAG layout, the exact handling of nanosecond integers in replies and
// requests, and reply decoding. Signing is tested in real Chromium by the end-to-end test.
import assert from 'node:assert/strict';
import {webcrypto} from 'node:crypto';
import {test} from 'node:test';

// Node 18 (Debian 12's) has WebCrypto but not yet as the browser's global `crypto`, which the
// modules use; it must be there before they load, hence the dynamic imports.
globalThis.crypto ??= webcrypto;
const {Api, ApiError, decodeReply} = await import('../../../server/dashboard/web/api.js');
const {base64Encode} = await import('../../../server/dashboard/web/crypto.js');
const {layout} = await import('../../../server/dashboard/web/dag.js');

const envelope = (payload, error = false) =>
  JSON.stringify({payloadtype: error ? 'error' : 'getlogsmsg', payload: base64Encode(payload), error});

test('layout puts each node one layer right of its deepest parent', () => {
  const {positions} = layout([
    {id: 'a', parents: []}, {id: 'b', parents: ['a']}, {id: 'c', parents: ['a', 'b']}, {id: 'd', parents: []},
  ]);
  const x = (id) => positions.get(id).x;
  assert.equal(x('a'), x('d'));
  assert.ok(x('b') > x('a'));
  assert.ok(x('c') > x('b'), 'c waits for b, so it is drawn after it');
});

test('layout never places two nodes on top of each other', () => {
  const nodes = Array.from({length: 40}, (_, i) => ({id: `n${i}`, parents: i < 5 ? [] : [`n${i % 5}`, `n${i - 5}`]}));
  const {positions, width, height} = layout(nodes);
  const seen = new Set();
  for (const {x, y} of positions.values()) {
    assert.ok(!seen.has(`${x},${y}`), `two nodes at ${x},${y}`);
    seen.add(`${x},${y}`);
    assert.ok(x >= 0 && y >= 0 && x < width && y < height);
  }
  assert.equal(positions.size, 40);
});

test('layout survives a cycle and parents outside the graph', () => {
  const {positions} = layout([{id: 'a', parents: ['b']}, {id: 'b', parents: ['a']}, {id: 'c', parents: ['gone']}]);
  assert.equal(positions.size, 3);
});

test('log timestamps beyond 2^53 are read exactly, as decimal strings', () => {
  const logs = decodeReply(200, envelope('[{"message":"x","timestamp":1796579849123456789}]'), 'getlogsmsg');
  assert.equal(logs[0].timestamp, '1796579849123456789');
  assert.equal(BigInt(logs[0].timestamp), 1796579849123456789n);
});

test('text inside strings is never mistaken for a timestamp field', () => {
  const text = JSON.stringify([{message: ',"timestamp":12345678901234567890 and {"timestamp":1}', timestamp: 5}]);
  const logs = decodeReply(200, envelope(text), 'getlogsmsg');
  assert.equal(logs[0].message, ',"timestamp":12345678901234567890 and {"timestamp":1}');
  assert.equal(logs[0].timestamp, '5');
});

test('an error envelope becomes an ApiError with the server status and message', () => {
  assert.throws(() => decodeReply(403, envelope('{"status":403,"message":"not a member"}', true), 'getlogsmsg'),
    (error) => error instanceof ApiError && error.status === 403 && error.message === 'not a member' &&
      /user or executor/.test(error.hint));
});

test('a body that is not an envelope is reported with its status', () => {
  assert.throws(() => decodeReply(404, '{"error":"not found: use POST /api"}', 'x'),
    (error) => error.status === 404 && error.message === 'not found: use POST /api');
  assert.throws(() => decodeReply(502, '<html>bad gateway</html>', 'x'),
    (error) => error.status === 502 && /not JSON/.test(error.message));
});

test('base64 of UTF-8 text matches the standard encoding', () => {
  assert.equal(base64Encode('{"name":"Åsa ✓"}'), Buffer.from('{"name":"Åsa ✓"}', 'utf8').toString('base64'));
});

test('a signed envelope carries msgtype, a fresh nonce, the time and BigInt fields as exact integers', async () => {
  const pair = await crypto.subtle.generateKey({name: 'Ed25519'}, true, ['sign', 'verify']);
  const api = new Api({id: 'ab'.repeat(32), key: pair.privateKey});
  const envelope = await api.envelope('getlogsmsg', {since: 1796579849123456789n, message: 'bigint-x:5 "1"'});
  assert.equal(envelope.payloadtype, 'getlogsmsg');
  assert.equal(envelope.signer, 'ab'.repeat(32));
  const text = Buffer.from(envelope.payload, 'base64').toString('utf8');
  assert.match(text, /"since":1796579849123456789[,}]/);
  const payload = JSON.parse(text);
  assert.equal(payload.msgtype, 'getlogsmsg');
  assert.equal(payload.message, 'bigint-x:5 "1"');
  assert.match(payload.nonce, /^[0-9a-f]{32}$/);
  assert.ok(Number.isInteger(payload.timestamp) && Math.abs(payload.timestamp - Date.now() / 1000) < 60);
  assert.match(envelope.signature, /^[0-9a-f]{128}$/);
  const signature = Buffer.from(envelope.signature, 'hex');
  assert.ok(await crypto.subtle.verify({name: 'Ed25519'}, pair.publicKey, signature, new TextEncoder().encode(envelope.payload)),
    'the signature covers the base64 payload text as sent');
  const again = await api.envelope('getlogsmsg', {});
  assert.notEqual(JSON.parse(Buffer.from(again.payload, 'base64').toString()).nonce, payload.nonce);
});
