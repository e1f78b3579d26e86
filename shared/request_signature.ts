/**
 * Signed requests between the orchestrator and compute functions reached
 * over HTTP: HMAC-SHA256 over `<timestamp>.<body>` with a shared secret,
 * sent as two headers. A request whose timestamp is more than five minutes
 * from the receiver's clock is refused, so a captured request cannot be
 * replayed later (within the window a replay only repeats an idempotent task).
 *
 * @module
 */

/** Milliseconds since the epoch when the request was signed. */
export const TIMESTAMP_HEADER = "x-realign-timestamp";
/** Lower-case hex HMAC-SHA256 of `<timestamp>.<body>`. */
export const SIGNATURE_HEADER = "x-realign-signature";
/** Largest accepted distance between the timestamp and the receiver's clock. */
export const MAX_SKEW_MS = 5 * 60 * 1000;

const enc = new TextEncoder();

function hmacKey(secret: string, use: KeyUsage): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    "raw",
    enc.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    [
      use,
    ],
  );
}

/**
 * The headers that sign `body` at time `now`.
 *
 * @example
 * ```ts
 * import { signRequest, verifyRequest } from "./request_signature.ts";
 * const headers = new Headers(await signRequest("secret", "{}"));
 * await verifyRequest("secret", headers, "{}"); // null: accepted
 * ```
 */
export async function signRequest(
  secret: string,
  body: string,
  now = Date.now(),
): Promise<Record<string, string>> {
  const ts = String(now);
  const sig = await crypto.subtle.sign(
    "HMAC",
    await hmacKey(secret, "sign"),
    enc.encode(`${ts}.${body}`),
  );
  const hex = Array.from(new Uint8Array(sig), (b) => b.toString(16).padStart(2, "0")).join("");
  return { [TIMESTAMP_HEADER]: ts, [SIGNATURE_HEADER]: hex };
}

/** `null` when `body` is signed with `secret` within {@link MAX_SKEW_MS} of `now`, else why not. */
export async function verifyRequest(
  secret: string,
  headers: Headers,
  body: string,
  now = Date.now(),
): Promise<string | null> {
  const ts = headers.get(TIMESTAMP_HEADER);
  const sig = headers.get(SIGNATURE_HEADER);
  if (!ts || !sig) return "the request is not signed";
  const t = Number(ts);
  if (!/^\d+$/.test(ts) || Math.abs(now - t) > MAX_SKEW_MS) {
    return "the request's timestamp is missing or more than 5 minutes off";
  }
  if (!/^[0-9a-f]{64}$/.test(sig)) return "the signature is malformed";
  const bytes = new Uint8Array(32);
  for (let i = 0; i < 32; i++) bytes[i] = parseInt(sig.slice(2 * i, 2 * i + 2), 16);
  const ok = await crypto.subtle.verify(
    "HMAC",
    await hmacKey(secret, "verify"),
    bytes,
    enc.encode(`${ts}.${body}`),
  );
  return ok ? null : "the signature does not match";
}
