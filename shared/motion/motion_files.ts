/**
 * Text formats of a run's motion, and their parsers:
 *
 * - `_motion.tsv`: BIDS/fMRIPrep confounds columns (`trans_x … rot_z` in
 *   mm and rad, `framewise_displacement` in mm, then any extra columns);
 * - `_rp.txt`: SPM's six columns as MATLAB `save -ascii` writes them;
 * - `_xfm.tsv`: one row-major 4×4 `T(t)` per line, the unambiguous record.
 *
 * All three are relative to the first frame. Numbers whose magnitude is below
 * 1e-12 are rounding noise of the matrix maths and are written as 0.
 *
 * @module
 */

import type { Mat4 } from "../rigid.ts";

/** The six parameter columns of `_motion.tsv`, in `params` order. */
export const MOTION_COLUMNS = ["trans_x", "trans_y", "trans_z", "rot_x", "rot_y", "rot_z"] as const;

const NOISE = 1e-12;

/**
 * A number in the shortest form that keeps `digits` significant digits:
 * `0` for zero (and for |v| < 1e-12), `-2`, `0.052359878`, `1.5e-7`;
 * `n/a` (the BIDS missing value) for NaN or an infinity.
 */
export function formatNumber(v: number, digits = 8): string {
  if (!Number.isFinite(v)) return "n/a";
  if (Math.abs(v) < NOISE) return "0";
  return String(Number(v.toPrecision(digits)));
}

/** C's `%.7e` (two-digit exponent at least): `-1.2345678e-02`. */
function formatExp7(v: number): string {
  const s = (Math.abs(v) < NOISE ? 0 : v).toExponential(7);
  const e = s.indexOf("e");
  const exp = s.slice(e + 1);
  const sign = exp[0] === "-" ? "-" : "+";
  const digits = exp.replace(/^[+-]/, "").padStart(2, "0");
  return `${s.slice(0, e)}e${sign}${digits}`;
}

function checkRows(what: string, rows: readonly ArrayLike<number>[], width: number): void {
  for (let t = 0; t < rows.length; t++) {
    const n = rows[t]!.length;
    if (n !== width) {
      throw new RangeError(
        `Cannot write ${what}: frame ${t} must have ${width} numbers, current value is ${n}`,
      );
    }
  }
}

/**
 * `_motion.tsv`: header `trans_x trans_y trans_z rot_x rot_y rot_z
 * framewise_displacement` then the `extra` columns in their key order,
 * tab separated, one row per frame, up to 8 significant digits. `fd[0]` is
 * written as given (0 from `framewiseDisplacement`, never `n/a`).
 *
 * @example
 * ```ts
 * import { motionTsv } from "./motion_files.ts";
 * motionTsv([[0, 0, 0, 0, 0, 0], [-2, 0, 0, 0, 0, 0]], [0, 2]).split("\n")[2];
 * // "-2\t0\t0\t0\t0\t0\t2"
 * ```
 */
export function motionTsv(
  params: readonly ArrayLike<number>[],
  fd: ArrayLike<number>,
  extra: Record<string, ArrayLike<number>> = {},
): string {
  checkRows("the motion table", params, 6);
  const n = params.length;
  const names = Object.keys(extra);
  const columns: [string, ArrayLike<number>][] = [["framewise_displacement", fd]];
  for (const name of names) {
    if (!/^[A-Za-z0-9_]+$/.test(name) || name === "framewise_displacement") {
      throw new RangeError(
        `Cannot write the motion table: a column name must be a new word of letters, ` +
          `digits and "_", current value is ${JSON.stringify(name)}`,
      );
    }
    columns.push([name, extra[name]!]);
  }
  for (const [name, col] of columns) {
    if (col.length !== n) {
      throw new RangeError(
        `Cannot write the motion table: column ${name} must have ${n} values (one per frame), ` +
          `current value is ${col.length}`,
      );
    }
  }
  const lines = [[...MOTION_COLUMNS, ...columns.map(([name]) => name)].join("\t")];
  for (let t = 0; t < n; t++) {
    const row: string[] = [];
    const p = params[t]!;
    for (let k = 0; k < 6; k++) row.push(formatNumber(p[k]!));
    for (const [, col] of columns) row.push(formatNumber(col[t]!));
    lines.push(row.join("\t"));
  }
  return lines.join("\n") + "\n";
}

/**
 * `_rp.txt` as SPM writes it (`save(fname, 'Q', '-ascii')`): per frame six
 * numbers `x y z pitch roll yaw` (mm, rad), each `%.7e` right-aligned in 16
 * characters, so a positive value has three leading spaces and a negative
 * one two: `   0.0000000e+00  -2.0000000e+00`.
 */
export function rpText(params: readonly ArrayLike<number>[]): string {
  checkRows("the rp file", params, 6);
  let out = "";
  for (const p of params) {
    for (let k = 0; k < 6; k++) out += formatExp7(p[k]!).padStart(16);
    out += "\n";
  }
  return out;
}

/**
 * `_xfm.tsv`: one line per frame, the 16 numbers of `T(t)` row-major, tab
 * separated, up to 10 significant digits; `T(0)` is the identity.
 *
 * There is deliberately no header line: the file is a plain numeric matrix
 * (frames × 16) that `np.loadtxt`, MATLAB/Octave `load` and `dlmread` read as
 * is, and `T = reshape(row, 4, 4)'` (MATLAB) or `row.reshape(4, 4)` (numpy)
 * gives the matrix back.
 */
export function xfmTsv(transforms: readonly Mat4[]): string {
  checkRows("the transform table", transforms, 16);
  let out = "";
  for (const m of transforms) {
    const row = new Array<string>(16);
    for (let k = 0; k < 16; k++) row[k] = formatNumber(m[k]!, 10);
    out += row.join("\t") + "\n";
  }
  return out;
}

function parseNumber(what: string, token: string, line: number): number {
  if (token === "n/a") return NaN;
  const v = Number(token);
  if (token === "" || Number.isNaN(v)) {
    throw new SyntaxError(
      `Cannot parse ${what}: line ${line} has a value that is not a number, ` +
        `current value is ${JSON.stringify(token)}`,
    );
  }
  return v;
}

/** Non-empty lines with their 1-based line numbers. */
function contentLines(text: string): [string, number][] {
  const out: [string, number][] = [];
  text.split(/\r?\n/).forEach((l, i) => {
    if (l.trim() !== "") out.push([l, i + 1]);
  });
  return out;
}

function parseMatrix(what: string, text: string, width: number): number[][] {
  return contentLines(text).map(([l, i]) => {
    const tokens = l.trim().split(/\s+/);
    if (tokens.length !== width) {
      throw new SyntaxError(
        `Cannot parse ${what}: line ${i} must have ${width} numbers, current value is ${tokens.length}`,
      );
    }
    return tokens.map((tok) => parseNumber(what, tok, i));
  });
}

/** Read an `_xfm.tsv` back: one row-major 4×4 per non-empty line. */
export function parseXfmTsv(text: string): Mat4[] {
  return parseMatrix("the transform table", text, 16);
}

/** Read an `_rp.txt` back: six numbers per non-empty line. */
export function parseRpText(text: string): number[][] {
  return parseMatrix("the rp file", text, 6);
}

/** A parsed `_motion.tsv`. */
export interface MotionTable {
  /** Column names in file order. */
  header: string[];
  /** Each column's values by name (`n/a` → NaN). */
  columns: Record<string, number[]>;
  /** The six parameters per frame (from `trans_x … rot_z`). */
  params: number[][];
}

/** Read a `_motion.tsv` back (tab separated, header line first; `n/a` → NaN). */
export function parseMotionTsv(text: string): MotionTable {
  const lines = contentLines(text);
  const what = "the motion table";
  if (lines.length === 0) throw new SyntaxError(`Cannot parse ${what}: it is empty`);
  const header = lines[0]![0].split("\t").map((h) => h.trim());
  for (const name of MOTION_COLUMNS) {
    if (!header.includes(name)) {
      throw new SyntaxError(
        `Cannot parse ${what}: column ${name} is missing, current header is ${header.join(" ")}`,
      );
    }
  }
  const columns: Record<string, number[]> = {};
  for (const h of header) columns[h] = [];
  for (const [l, i] of lines.slice(1)) {
    const tokens = l.split("\t").map((tok) => tok.trim());
    if (tokens.length !== header.length) {
      throw new SyntaxError(
        `Cannot parse ${what}: line ${i} must have ${header.length} values, ` +
          `current value is ${tokens.length}`,
      );
    }
    header.forEach((h, k) => columns[h]!.push(parseNumber(what, tokens[k]!, i)));
  }
  const n = lines.length - 1;
  const params: number[][] = [];
  for (let t = 0; t < n; t++) params.push(MOTION_COLUMNS.map((c) => columns[c]![t]!));
  return { header, columns, params };
}
