/**
 * Small, dependency-free assertion helpers for `Deno.test` (JSR and @std are
 * unreachable). Each throws an `Error` with a clear message on failure.
 *
 * @module
 */

/** Formats a value for a failure message (typed arrays shown as plain arrays, long ones cut). */
function show(v: unknown): string {
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    const arr = Array.from(v as unknown as ArrayLike<number>);
    const head = arr.slice(0, 20).join(", ");
    return `${v.constructor.name}(${arr.length}) [${head}${arr.length > 20 ? ", ..." : ""}]`;
  }
  try {
    const s = JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? `${x}n` : x));
    if (s === undefined) return String(v);
    return s.length > 400 ? s.slice(0, 400) + "..." : s;
  } catch {
    return String(v);
  }
}

function prefix(msg?: string): string {
  return msg ? `${msg}: ` : "";
}

/** Deep equality for primitives, arrays, typed arrays, plain objects (NaN equals NaN). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a === "number" && typeof b === "number") return a === b; // +0 === -0
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b)) return false;
    if (a.constructor !== b.constructor) return false;
    const x = a as unknown as ArrayLike<unknown>;
    const y = b as unknown as ArrayLike<unknown>;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!deepEqual(x[i], y[i])) return false;
    return true;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !deepEqual(v, b.get(k))) return false;
    return true;
  }
  if (a instanceof Set && b instanceof Set) {
    if (a.size !== b.size) return false;
    for (const v of a) if (!b.has(v)) return false;
    return true;
  }
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
    if (!deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) {
      return false;
    }
  }
  return true;
}

/** Throws unless `cond` is truthy. */
export function assert(cond: unknown, msg = "assertion failed"): asserts cond {
  if (!cond) throw new Error(msg);
}

/** Throws unless `actual` deep-equals `expected` (arrays, typed arrays, objects; NaN equals NaN). */
export function assertEquals<T>(actual: T, expected: T, msg?: string): void {
  if (!deepEqual(actual, expected)) {
    throw new Error(`${prefix(msg)}expected ${show(expected)}, got ${show(actual)}`);
  }
}

/** Throws if `actual` deep-equals `expected`. */
export function assertNotEquals<T>(actual: T, expected: T, msg?: string): void {
  if (deepEqual(actual, expected)) {
    throw new Error(`${prefix(msg)}expected a value different from ${show(expected)}`);
  }
}

/**
 * Throws unless |actual - expected| <= tol, element-wise for arrays / typed arrays
 * (lengths must match). NaN matches NaN only; equal infinities match.
 */
export function assertClose(
  actual: number | ArrayLike<number>,
  expected: number | ArrayLike<number>,
  tol = 1e-9,
  msg?: string,
): void {
  const one = (a: number, e: number, where: string): void => {
    if (Number.isNaN(e) && Number.isNaN(a)) return;
    if (a === e) return;
    const d = Math.abs(a - e);
    if (!(d <= tol)) {
      throw new Error(
        `${prefix(msg)}${where}expected ${e} ± ${tol}, got ${a} (difference ${d})`,
      );
    }
  };
  if (typeof actual === "number" || typeof expected === "number") {
    if (typeof actual !== "number" || typeof expected !== "number") {
      throw new Error(`${prefix(msg)}cannot compare ${show(actual)} with ${show(expected)}`);
    }
    one(actual, expected, "");
    return;
  }
  if (actual.length !== expected.length) {
    throw new Error(
      `${prefix(msg)}length differs: expected ${expected.length}, got ${actual.length}`,
    );
  }
  for (let i = 0; i < actual.length; i++) one(actual[i], expected[i], `[${i}] `);
}

/** Throws unless `actual` lies in [lo, hi]. */
export function assertBetween(actual: number, lo: number, hi: number, msg?: string): void {
  if (!(actual >= lo && actual <= hi)) {
    throw new Error(`${prefix(msg)}expected a value in [${lo}, ${hi}], got ${actual}`);
  }
}

function checkError(
  e: unknown,
  ErrorClass: (new (...args: never[]) => Error) | undefined,
  includes: string | undefined,
  msg?: string,
): Error {
  if (ErrorClass && !(e instanceof ErrorClass)) {
    const got = e instanceof Error ? `${e.name}: ${e.message}` : show(e);
    throw new Error(`${prefix(msg)}expected a ${ErrorClass.name}, got ${got}`);
  }
  if (!(e instanceof Error)) throw new Error(`${prefix(msg)}expected an Error, got ${show(e)}`);
  if (includes !== undefined && !e.message.includes(includes)) {
    throw new Error(
      `${prefix(msg)}expected the error message to include ${JSON.stringify(includes)}, ` +
        `got ${JSON.stringify(e.message)}`,
    );
  }
  return e;
}

/**
 * Throws unless `fn()` throws. With `ErrorClass`, the error must be an instance of it;
 * with `includes`, its message must contain that substring. Returns the error.
 *
 * Forms: `assertThrows(fn)`, `assertThrows(fn, "substring")`,
 * `assertThrows(fn, InputError)`, `assertThrows(fn, InputError, "substring", msg?)`.
 */
export function assertThrows(
  fn: () => unknown,
  classOrIncludes?: (new (...args: never[]) => Error) | string,
  includes?: string,
  msg?: string,
): Error {
  const [cls, sub] = typeof classOrIncludes === "string"
    ? [undefined, classOrIncludes]
    : [classOrIncludes, includes];
  try {
    fn();
  } catch (e) {
    return checkError(e, cls, sub, msg);
  }
  throw new Error(`${prefix(msg)}expected the function to throw${sub ? ` "${sub}"` : ""}`);
}

/** Async form of {@link assertThrows}: `fn()` must reject (or throw). Returns the error. */
export async function assertRejects(
  fn: () => PromiseLike<unknown>,
  classOrIncludes?: (new (...args: never[]) => Error) | string,
  includes?: string,
  msg?: string,
): Promise<Error> {
  const [cls, sub] = typeof classOrIncludes === "string"
    ? [undefined, classOrIncludes]
    : [classOrIncludes, includes];
  try {
    await fn();
  } catch (e) {
    return checkError(e, cls, sub, msg);
  }
  throw new Error(`${prefix(msg)}expected the promise to reject${sub ? ` "${sub}"` : ""}`);
}
