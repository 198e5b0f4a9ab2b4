// Ed25519 keys and request signing in the browser with WebCrypto, byte for byte as the server
// verifies them (docs/protocol.md, sections 1 and 3). The private key never leaves this page: it
// is imported into a non-extractable CryptoKey and only signatures go over the wire.

// A Colonies private key is the 32-byte Ed25519 seed. WebCrypto imports private keys as PKCS#8:
// for Ed25519 (RFC 8410) that is this fixed 16-byte DER header followed by the seed.
const PKCS8_ED25519_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);
const ED25519 = {name: 'Ed25519'};

// Why signing cannot work on this page, or null when it can.
export function webCryptoProblem() {
  if (!globalThis.isSecureContext) {
    return 'This page is not a secure context, so the browser offers no WebCrypto to sign requests with. ' +
      'Open the dashboard over https:// (start coloniesd with --tls-cert and --tls-key) or as ' +
      'http://localhost / http://127.0.0.1 (for a remote server, through an SSH tunnel).';
  }
  if (!globalThis.crypto?.subtle) return 'This browser offers no WebCrypto (crypto.subtle).';
  return null;
}

export function bytesToHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function hexToBytes(hex) {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.substr(i * 2, 2), 16);
  return bytes;
}

// Checks and normalises a private key as typed or read from a key file (`colonies security
// generate --out`): 64 hex characters, surrounding white space ignored. Throws with a message
// that never repeats the key.
export function normalizePrivateKey(text) {
  const hex = String(text ?? '').trim().toLowerCase();
  if (!/^[0-9a-f]*$/.test(hex)) {
    throw new Error('a private key holds only hexadecimal characters (0-9, a-f); this text has others');
  }
  if (hex.length !== 64) {
    throw new Error(`a private key is 64 hexadecimal characters (the 32-byte Ed25519 seed); this one has ${hex.length}`);
  }
  return hex;
}

function base64UrlToBytes(text) {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

// Imports a private key: {id, key} with id the public key as 64 lowercase hex (the identity the
// server knows) and key a non-extractable CryptoKey for signing.
export async function importPrivateKey(text) {
  const problem = webCryptoProblem();
  if (problem) throw new Error(problem);
  const seed = hexToBytes(normalizePrivateKey(text));
  const der = new Uint8Array(PKCS8_ED25519_PREFIX.length + seed.length);
  der.set(PKCS8_ED25519_PREFIX);
  der.set(seed, PKCS8_ED25519_PREFIX.length);
  try {
    // Extractable only for the moment it takes to read the public half out of it (JWK "x").
    const exportable = await crypto.subtle.importKey('pkcs8', der, ED25519, true, ['sign']);
    const jwk = await crypto.subtle.exportKey('jwk', exportable);
    const key = await crypto.subtle.importKey('pkcs8', der, ED25519, false, ['sign']);
    return {id: bytesToHex(base64UrlToBytes(jwk.x)), key};
  } catch (error) {
    if (error?.name === 'NotSupportedError') {
      throw new Error('this browser\'s WebCrypto has no Ed25519; use a current Chromium, Firefox or Safari');
    }
    throw new Error(`the key could not be imported: ${error?.message ?? error}`);
  } finally {
    der.fill(0);
    seed.fill(0);
  }
}

// 128 lowercase hex: the Ed25519 signature of the ASCII bytes of `text` (the base64 payload).
export async function sign(key, text) {
  const signature = await crypto.subtle.sign(ED25519, key, new TextEncoder().encode(text));
  return bytesToHex(new Uint8Array(signature));
}

// 32 lowercase hex characters: 16 random bytes, fresh for every request (replay protection).
export function nonce() {
  return bytesToHex(crypto.getRandomValues(new Uint8Array(16)));
}

// Standard base64 with padding of the UTF-8 bytes of `text`, and back.
export function base64Encode(text) {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

export function base64Decode(b64) {
  return new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
}
