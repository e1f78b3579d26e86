// AssemblyScript source of the WebAssembly resampling kernels (compiled by
// `deno task build-wasm` into kernels_wasm_bytes.ts; not a Deno module, hence
// the .as extension). Each export follows its JS twin's logic:
//
//   trilinear  ← resliceTrilinear   (shared/reslice_kernel.ts)
//   bspline    ← resliceBspline     (shared/interp/bspline_reslice.ts)
//   prefilter  ← bsplineCoefficients (shared/interp/bspline_prefilter.ts)
//
// All arithmetic is f64, as in JS (WebAssembly has no fused multiply-add and
// binaryen does not reassociate floats). The prefilter runs two lines at once
// in f64x2 lanes, lane-wise the scalar operations: its coefficients are the
// JS ones bit for bit. The reslice kernels read an f64 copy of the volume
// (`widen`) and use f64x2 SIMD — trilinear two voxels at a time (stepping the
// position by 2·c), B-spline two x taps at a time (degree 4 unrolled) — so
// they differ from JS by rounding only (~1e-15 relative); the row intervals,
// edge voxels, mirror folding and zeroing are the JS logic exactly.
//
// No allocation: the caller (shared/wasm/wasm_kernels.ts) lays out the memory
// and passes byte addresses. Matrices are 12 f64 (the top three rows of the
// row-major 4×4).

const EDGE_TOL: f64 = 1e-6;
const FAST_MARGIN: f64 = 1e-7;
const BSPLINE_EDGE_TOL: f64 = 1e-5;

// rowInterval's result
let rLo: i32 = 0;
let rHi: i32 = 0;

@inline
function insideAt(
  i: i32, up: f64, low: f64, bx: f64, by: f64, bz: f64, cx: f64, cy: f64, cz: f64,
  nx: i32, ny: i32, nz: i32,
): bool {
  const fi = <f64>i;
  const x = bx + fi * cx, y = by + fi * cy, z = bz + fi * cz;
  return x >= -low && x <= <f64>(nx - 1) + up && y >= -low && y <= <f64>(ny - 1) + up &&
    z >= -low && z <= <f64>(nz - 1) + up;
}

// axisRange narrows [aLo, aHi]
let aLo: f64 = 0;
let aHi: f64 = 0;

@inline
function axisRange(b: f64, c: f64, n: i32, up: f64, low: f64): void {
  const lower = -low - b, upper = <f64>(n - 1) + up - b;
  if (c == 0) {
    if (!(lower <= 0 && upper >= 0)) aHi = -1;
    return;
  }
  let a1 = lower / c, a2 = upper / c;
  if (c < 0) {
    const t = a1;
    a1 = a2;
    a2 = t;
  }
  const lo = Math.ceil(a1), hi = Math.floor(a2);
  if (lo > aLo) aLo = lo;
  if (hi < aHi) aHi = hi;
}

function rowInterval(
  bx: f64, by: f64, bz: f64, cx: f64, cy: f64, cz: f64, nOut: i32, nx: i32, ny: i32, nz: i32,
  up: f64, low: f64,
): void {
  aLo = 0;
  aHi = <f64>(nOut - 1);
  axisRange(bx, cx, nx, up, low);
  axisRange(by, cy, ny, up, low);
  axisRange(bz, cz, nz, up, low);
  if (aLo > aHi) {
    rLo = 1;
    rHi = 0;
    return;
  }
  let lo = <i32>aLo, hi = <i32>aHi;
  while (lo <= hi && !insideAt(lo, up, low, bx, by, bz, cx, cy, cz, nx, ny, nz)) lo++;
  while (hi >= lo && !insideAt(hi, up, low, bx, by, bz, cx, cy, cz, nx, ny, nz)) hi--;
  if (lo <= hi) {
    while (lo > 0 && insideAt(lo - 1, up, low, bx, by, bz, cx, cy, cz, nx, ny, nz)) lo--;
    while (hi < nOut - 1 && insideAt(hi + 1, up, low, bx, by, bz, cx, cy, cz, nx, ny, nz)) hi++;
  }
  rLo = lo;
  rHi = hi;
}

/** Element `i` of an f64 volume (the kernels read f64 copies made by `widen`). */
@inline
function ld(p: usize, i: i32): f64 {
  return load<f64>(p + (<usize>i << 3));
}

function sampleTrilinear(src: usize, nx: i32, ny: i32, nz: i32, x: f64, y: f64, z: f64): f64 {
  if (
    !(x >= -EDGE_TOL && x <= <f64>(nx - 1) + EDGE_TOL && y >= -EDGE_TOL &&
      y <= <f64>(ny - 1) + EDGE_TOL && z >= -EDGE_TOL && z <= <f64>(nz - 1) + EDGE_TOL)
  ) return NaN;
  let ix = <i32>x, iy = <i32>y, iz = <i32>z;
  const mx = nx > 1 ? nx - 2 : 0, my = ny > 1 ? ny - 2 : 0, mz = nz > 1 ? nz - 2 : 0;
  if (ix > mx) ix = mx;
  if (iy > my) iy = my;
  if (iz > mz) iz = mz;
  const fx = x - <f64>ix, fy = y - <f64>iy, fz = z - <f64>iz;
  const ox = nx > 1 ? 1 : 0, oy = ny > 1 ? nx : 0, oz = nz > 1 ? nx * ny : 0;
  const o = ix + nx * (iy + ny * iz);
  const gx = 1 - fx, gy = 1 - fy, gz = 1 - fz;
  const c00 = ld(src, o) * gx + ld(src, o + ox) * fx;
  const c10 = ld(src, o + oy) * gx + ld(src, o + oy + ox) * fx;
  const c01 = ld(src, o + oz) * gx + ld(src, o + oz + ox) * fx;
  const c11 = ld(src, o + oz + oy) * gx + ld(src, o + oz + oy + ox) * fx;
  return (c00 * gy + c10 * fy) * gz + (c01 * gy + c11 * fy) * fz;
}

@inline
function zero(out: usize, from: i32, to: i32): void {
  if (to > from) memory.fill(out + (<usize>from << 2), 0, <usize>(to - from) << 2);
}

/** Element `i` of the f64 volumes at `p0` and `p1`, as the two lanes of an f64x2. */
@inline
function pair(p0: usize, p1: usize, i: i32): v128 {
  const o = <usize>i << 3;
  return v128.load64_lane(p1 + o, v128.load64_zero(p0 + o), 1);
}

/** resliceTrilinear: `src` f64, `out` f32 volumes of nx·ny·nz; `m` 12 f64. */
export function trilinear(src: usize, out: usize, nx: i32, ny: i32, nz: i32, m: usize): void {
  const m1 = load<f64>(m, 8), m2 = load<f64>(m, 16), m3 = load<f64>(m, 24);
  const m5 = load<f64>(m, 40), m6 = load<f64>(m, 48), m7 = load<f64>(m, 56);
  const m9 = load<f64>(m, 72), m10 = load<f64>(m, 80), m11 = load<f64>(m, 88);
  const cx = load<f64>(m, 0), cy = load<f64>(m, 32), cz = load<f64>(m, 64);
  const oy = nx, oz = nx * ny;
  const oxy = 1 + oy, oxz = 1 + oz, oyz = oy + oz, oxyz = 1 + oy + oz;
  const thin = nx < 2 || ny < 2 || nz < 2;
  let w: i32 = 0;
  for (let k: i32 = 0; k < nz; k++) {
    for (let j: i32 = 0; j < ny; j++) {
      const fj = <f64>j, fk = <f64>k;
      const bx = m1 * fj + m2 * fk + m3;
      const by = m5 * fj + m6 * fk + m7;
      const bz = m9 * fj + m10 * fk + m11;
      let flo: i32 = 0, fhi: i32 = -1;
      if (!thin) {
        rowInterval(bx, by, bz, cx, cy, cz, nx, nx, ny, nz, -FAST_MARGIN, EDGE_TOL);
        flo = rLo;
        fhi = rHi;
      }
      let lo: i32, hi: i32;
      if (flo <= fhi) {
        lo = flo;
        hi = fhi;
        while (lo > 0 && insideAt(lo - 1, EDGE_TOL, EDGE_TOL, bx, by, bz, cx, cy, cz, nx, ny, nz)) {
          lo--;
        }
        while (
          hi < nx - 1 && insideAt(hi + 1, EDGE_TOL, EDGE_TOL, bx, by, bz, cx, cy, cz, nx, ny, nz)
        ) hi++;
      } else {
        rowInterval(bx, by, bz, cx, cy, cz, nx, nx, ny, nz, EDGE_TOL, EDGE_TOL);
        lo = rLo;
        hi = rHi;
        flo = hi + 1;
        fhi = hi;
      }
      const row = out + (<usize>w << 2);
      if (lo > hi) {
        zero(row, 0, nx);
        w += nx;
        continue;
      }
      zero(row, 0, lo);
      zero(row, hi + 1, nx);
      for (let i = lo; i < flo; i++) {
        const fi = <f64>i;
        store<f32>(
          row + (<usize>i << 2),
          <f32>sampleTrilinear(src, nx, ny, nz, bx + fi * cx, by + fi * cy, bz + fi * cz),
        );
      }
      // Two voxels at a time in f64x2 lanes (i, i+1), stepping by 2·c. The cell
      // is floor(max(x, 0)), which is JS's `x | 0` on x > −1; the cell's offset
      // is formed in f64 (exact integers) and truncated once.
      const ff = <f64>flo;
      let x = bx + ff * cx, y = by + ff * cy, z = bz + ff * cz;
      const oyf = f64x2.splat(<f64>oy), ozf = f64x2.splat(<f64>oz);
      const zero2 = f64x2.splat(0), one2 = f64x2.splat(1);
      let X = f64x2(x, x + cx), Y = f64x2(y, y + cy), Z = f64x2(z, z + cz);
      const CX = f64x2.splat(2 * cx), CY = f64x2.splat(2 * cy), CZ = f64x2.splat(2 * cz);
      let i = flo;
      for (; i < fhi; i += 2) {
        const AX = f64x2.floor(f64x2.pmax(X, zero2));
        const AY = f64x2.floor(f64x2.pmax(Y, zero2));
        const AZ = f64x2.floor(f64x2.pmax(Z, zero2));
        const FX = f64x2.sub(X, AX), FY = f64x2.sub(Y, AY), FZ = f64x2.sub(Z, AZ);
        const GX = f64x2.sub(one2, FX), GY = f64x2.sub(one2, FY), GZ = f64x2.sub(one2, FZ);
        const O = i32x4.trunc_sat_f64x2_s_zero(
          f64x2.add(AX, f64x2.add(f64x2.mul(AY, oyf), f64x2.mul(AZ, ozf))),
        );
        const p0 = src + (<usize>i32x4.extract_lane(O, 0) << 3);
        const p1 = src + (<usize>i32x4.extract_lane(O, 1) << 3);
        const s0 = pair(p0, p1, 0), s1 = pair(p0, p1, 1);
        const s2 = pair(p0, p1, oy), s3 = pair(p0, p1, oxy);
        const s4 = pair(p0, p1, oz), s5 = pair(p0, p1, oxz);
        const s6 = pair(p0, p1, oyz), s7 = pair(p0, p1, oxyz);
        const c00 = f64x2.add(f64x2.mul(s0, GX), f64x2.mul(s1, FX));
        const c10 = f64x2.add(f64x2.mul(s2, GX), f64x2.mul(s3, FX));
        const c01 = f64x2.add(f64x2.mul(s4, GX), f64x2.mul(s5, FX));
        const c11 = f64x2.add(f64x2.mul(s6, GX), f64x2.mul(s7, FX));
        const V = f64x2.add(
          f64x2.mul(f64x2.add(f64x2.mul(c00, GY), f64x2.mul(c10, FY)), GZ),
          f64x2.mul(f64x2.add(f64x2.mul(c01, GY), f64x2.mul(c11, FY)), FZ),
        );
        v128.store64_lane(row + (<usize>i << 2), f32x4.demote_f64x2_zero(V), 0);
        X = f64x2.add(X, CX);
        Y = f64x2.add(Y, CY);
        Z = f64x2.add(Z, CZ);
      }
      if (i == fhi) {
        x = f64x2.extract_lane(X, 0);
        y = f64x2.extract_lane(Y, 0);
        z = f64x2.extract_lane(Z, 0);
        const ix = <i32>x, iy = <i32>y, iz = <i32>z;
        const fx = x - <f64>ix, fy = y - <f64>iy, fz = z - <f64>iz;
        const gx = 1 - fx, gy = 1 - fy, gz = 1 - fz;
        const p = src + (<usize>(ix + iy * oy + iz * oz) << 3);
        const v = ((ld(p, 0) * gx + ld(p, 1) * fx) * gy +
              (ld(p, oy) * gx + ld(p, oxy) * fx) * fy) * gz +
          ((ld(p, oz) * gx + ld(p, oxz) * fx) * gy +
              (ld(p, oyz) * gx + ld(p, oxyz) * fx) * fy) * fz;
        store<f32>(row + (<usize>i << 2), <f32>v);
      }
      for (let i = fhi + 1; i <= hi; i++) {
        const fi = <f64>i;
        store<f32>(
          row + (<usize>i << 2),
          <f32>sampleTrilinear(src, nx, ny, nz, bx + fi * cx, by + fi * cy, bz + fi * cz),
        );
      }
      w += nx;
    }
  }
}

// ---------------------------------------------------------------- B-spline

// Scratch (set by bspline()): weights wx, wy, wz (8 f64 each), offsets ox, oy, oz
// (8 i32 each), and the piece table of the degree ((n+1)² f64, for degrees 6–7).
let WX: usize = 0;
let WY: usize = 0;
let WZ: usize = 0;
let OX: usize = 0;
let OY: usize = 0;
let OZ: usize = 0;
let PIECES: usize = 0;

@inline
function sw(p: usize, j: i32, v: f64): void {
  store<f64>(p + (<usize>j << 3), v);
}

@inline
function gw(p: usize, j: i32): f64 {
  return load<f64>(p + (<usize>j << 3));
}

@inline
function si(p: usize, j: i32, v: i32): void {
  store<i32>(p + (<usize>j << 2), v);
}

@inline
function gi(p: usize, j: i32): i32 {
  return load<i32>(p + (<usize>j << 2));
}

/** bsplineWeights: weights of the taps serving x to w[0..degree]; returns i0. */
function weights(degree: i32, x: f64, w: usize): i32 {
  switch (degree) {
    case 2: {
      const f0 = Math.floor(x - 0.5);
      const t = x - f0 - 1;
      const w1 = 0.75 - t * t;
      const w2 = 0.5 * (t - w1 + 1);
      sw(w, 0, 1 - w1 - w2);
      sw(w, 1, w1);
      sw(w, 2, w2);
      return <i32>f0;
    }
    case 3: {
      const f0 = Math.floor(x) - 1;
      const t = x - f0 - 1;
      const w3 = (1.0 / 6) * t * t * t;
      const w0 = 1.0 / 6 + 0.5 * t * (t - 1) - w3;
      const w2 = t + w0 - 2 * w3;
      sw(w, 0, w0);
      sw(w, 1, 1 - w0 - w2 - w3);
      sw(w, 2, w2);
      sw(w, 3, w3);
      return <i32>f0;
    }
    case 4: {
      const f0 = Math.floor(x - 1.5);
      const t = x - f0 - 2;
      const t2 = t * t;
      const s = (1.0 / 6) * t2;
      let w0 = 0.5 - t;
      w0 *= w0;
      w0 *= (1.0 / 24) * w0;
      const t0 = t * (s - 11.0 / 24);
      const t1 = 19.0 / 96 + t2 * (0.25 - s);
      const w1 = t1 + t0, w3 = t1 - t0;
      const w4 = w0 + t0 + 0.5 * t;
      sw(w, 0, w0);
      sw(w, 1, w1);
      sw(w, 2, 1 - w0 - w1 - w3 - w4);
      sw(w, 3, w3);
      sw(w, 4, w4);
      return <i32>f0;
    }
    case 5: {
      const f0 = Math.floor(x) - 2;
      let t = x - f0 - 2;
      let t2 = t * t;
      const w5 = (1.0 / 120) * t * t2 * t2;
      t2 -= t;
      const t4 = t2 * t2;
      t -= 0.5;
      const s = t2 * (t2 - 3);
      sw(w, 0, (1.0 / 24) * (1.0 / 5 + t2 + t4) - w5);
      let t0 = (1.0 / 24) * (t2 * (t2 - 5) + 46.0 / 5);
      let t1 = (-1.0 / 12) * t * (s + 4);
      sw(w, 2, t0 + t1);
      sw(w, 3, t0 - t1);
      t0 = (1.0 / 16) * (9.0 / 5 - s);
      t1 = (1.0 / 24) * t * (t4 - t2 - 5);
      sw(w, 1, t0 + t1);
      sw(w, 4, t0 - t1);
      sw(w, 5, w5);
      return <i32>f0;
    }
    default: {
      const half = <f64>(degree - 1) * 0.5;
      const f0 = Math.floor(x - half);
      const u = x - half - f0;
      const np1 = degree + 1;
      for (let j = 0; j <= degree; j++) {
        const o = j * np1;
        let acc = gw(PIECES, o + degree);
        for (let p = degree - 1; p >= 0; p--) acc = acc * u + gw(PIECES, o + p);
        sw(w, j, acc);
      }
      return <i32>f0;
    }
  }
}

/** The degree-4 case of `weights`, inlined in the reslice loop. */
@inline
function weights4(x: f64, w: usize): i32 {
  const f0 = Math.floor(x - 1.5);
  const t = x - f0 - 2;
  const t2 = t * t;
  const s = (1.0 / 6) * t2;
  let w0 = 0.5 - t;
  w0 *= w0;
  w0 *= (1.0 / 24) * w0;
  const t0 = t * (s - 11.0 / 24);
  const t1 = 19.0 / 96 + t2 * (0.25 - s);
  const w1 = t1 + t0, w3 = t1 - t0;
  const w4 = w0 + t0 + 0.5 * t;
  sw(w, 0, w0);
  sw(w, 1, w1);
  sw(w, 2, 1 - w0 - w1 - w3 - w4);
  sw(w, 3, w3);
  sw(w, 4, w4);
  return <i32>f0;
}

function mirrorIndex(i: i32, n: i32): i32 {
  if (i >= 0 && i < n) return i;
  if (n == 1) return 0;
  const period = 2 * n - 2;
  i %= period;
  if (i < 0) i += period;
  return i >= n ? period - i : i;
}

@inline
function axisOffsets(i0: i32, degree: i32, n: i32, stride: i32, o: usize): void {
  if (i0 >= 0 && i0 + degree < n) {
    for (let j = 0; j <= degree; j++) si(o, j, (i0 + j) * stride);
  } else {
    for (let j = 0; j <= degree; j++) si(o, j, mirrorIndex(i0 + j, n) * stride);
  }
}

/**
 * Σ_k wz_k Σ_j wy_j Σ_i wx_i c[oz_k + oy_j + ox_i], any degree, with folded
 * offsets on every axis (OX in elements, OY, OZ in bytes): the voxels near
 * the x edges.
 */
function sumGeneral(c: usize, degree: i32): f64 {
  let v: f64 = 0;
  for (let k = 0; k <= degree; k++) {
    let s: f64 = 0;
    for (let j = 0; j <= degree; j++) {
      const o = c + <usize>gi(OZ, k) + <usize>gi(OY, j);
      let r: f64 = 0;
      for (let i = 0; i <= degree; i++) r += load<f64>(o + (<usize>gi(OX, i) << 3)) * gw(WX, i);
      s += r * gw(WY, j);
    }
    v += s * gw(WZ, k);
  }
  return v;
}

/**
 * The sum for any degree with the x taps contiguous from `p` and the y, z
 * taps at the byte offsets OY, OZ: each x-tap row is dotted with wx two taps
 * at a time (f64x2; an odd last tap scalar), weighted by wy, then by wz.
 */
function sumN(p: usize, degree: i32): f64 {
  const n1 = degree + 1, pairs = n1 >> 1, odd = (n1 & 1) != 0;
  const last = <usize>degree << 3, wl = gw(WX, degree);
  let vv = f64x2.splat(0);
  let vs: f64 = 0;
  for (let k = 0; k <= degree; k++) {
    const z = p + <usize>gi(OZ, k);
    let sv = f64x2.splat(0);
    let ss: f64 = 0;
    for (let j = 0; j <= degree; j++) {
      const q = z + <usize>gi(OY, j);
      let rv = f64x2.mul(v128.load(q), v128.load(WX));
      for (let t = 1; t < pairs; t++) {
        const o = <usize>t << 4;
        rv = f64x2.add(rv, f64x2.mul(v128.load(q + o), v128.load(WX + o)));
      }
      const wy = gw(WY, j);
      sv = f64x2.add(sv, f64x2.mul(rv, f64x2.splat(wy)));
      if (odd) ss += load<f64>(q + last) * wl * wy;
    }
    const wz = gw(WZ, k);
    vv = f64x2.add(vv, f64x2.mul(sv, f64x2.splat(wz)));
    vs += ss * wz;
  }
  return f64x2.extract_lane(vv, 0) + f64x2.extract_lane(vv, 1) + vs;
}

/**
 * The degree-4 sum with the x taps contiguous: tap (i, j, k) at `p + i` (f64
 * elements) plus the byte offset `yOff(j) + zOff(k)` — strides `sy`, `sz`
 * when `fold` is false, else the folded offsets OY, OZ. For each z plane the
 * 5 x-tap rows weighted by wy are summed as vectors (taps 0–1 and 2–3 in
 * f64x2 lanes, tap 4 scalar), weighted by wz, and dotted with wx at the end.
 */
@inline
function sum4(p: usize, sy: usize, sz: usize, fold: bool): f64 {
  const v0 = gw(WY, 0), v1 = gw(WY, 1), v2 = gw(WY, 2), v3 = gw(WY, 3), v4 = gw(WY, 4);
  const u0 = f64x2.splat(v0), u1 = f64x2.splat(v1), u2 = f64x2.splat(v2);
  const u3 = f64x2.splat(v3), u4 = f64x2.splat(v4);
  const y0: usize = fold ? <usize>gi(OY, 0) : 0, y1: usize = fold ? <usize>gi(OY, 1) : sy;
  const y2: usize = fold ? <usize>gi(OY, 2) : 2 * sy, y3: usize = fold ? <usize>gi(OY, 3) : 3 * sy;
  const y4: usize = fold ? <usize>gi(OY, 4) : 4 * sy;
  let a01 = f64x2.splat(0), a23 = f64x2.splat(0);
  let a4: f64 = 0;
  for (let k = 0; k <= 4; k++) {
    const z = p + (fold ? <usize>gi(OZ, k) : <usize>k * sz);
    let q = z + y0;
    let s01 = f64x2.mul(v128.load(q), u0), s23 = f64x2.mul(v128.load(q, 16), u0);
    let s4 = load<f64>(q, 32) * v0;
    q = z + y1;
    s01 = f64x2.add(s01, f64x2.mul(v128.load(q), u1));
    s23 = f64x2.add(s23, f64x2.mul(v128.load(q, 16), u1));
    s4 += load<f64>(q, 32) * v1;
    q = z + y2;
    s01 = f64x2.add(s01, f64x2.mul(v128.load(q), u2));
    s23 = f64x2.add(s23, f64x2.mul(v128.load(q, 16), u2));
    s4 += load<f64>(q, 32) * v2;
    q = z + y3;
    s01 = f64x2.add(s01, f64x2.mul(v128.load(q), u3));
    s23 = f64x2.add(s23, f64x2.mul(v128.load(q, 16), u3));
    s4 += load<f64>(q, 32) * v3;
    q = z + y4;
    s01 = f64x2.add(s01, f64x2.mul(v128.load(q), u4));
    s23 = f64x2.add(s23, f64x2.mul(v128.load(q, 16), u4));
    s4 += load<f64>(q, 32) * v4;
    const wz = gw(WZ, k);
    const wzv = f64x2.splat(wz);
    a01 = f64x2.add(a01, f64x2.mul(s01, wzv));
    a23 = f64x2.add(a23, f64x2.mul(s23, wzv));
    a4 += s4 * wz;
  }
  const r = f64x2.add(f64x2.mul(a01, v128.load(WX)), f64x2.mul(a23, v128.load(WX, 16)));
  return f64x2.extract_lane(r, 0) + f64x2.extract_lane(r, 1) + a4 * gw(WX, 4);
}

/**
 * The degree-4 sum with folded offsets on every axis (OX in elements, OY, OZ
 * in bytes): the voxels near the x edges.
 */
function sum4Edge(c: usize): f64 {
  const w0 = gw(WX, 0), w1 = gw(WX, 1), w2 = gw(WX, 2), w3 = gw(WX, 3), w4 = gw(WX, 4);
  const x0 = c + (<usize>gi(OX, 0) << 3), x1 = c + (<usize>gi(OX, 1) << 3);
  const x2 = c + (<usize>gi(OX, 2) << 3), x3 = c + (<usize>gi(OX, 3) << 3);
  const x4 = c + (<usize>gi(OX, 4) << 3);
  let v: f64 = 0;
  for (let k = 0; k <= 4; k++) {
    const z = <usize>gi(OZ, k);
    let s: f64 = 0;
    for (let j = 0; j <= 4; j++) {
      const o = z + <usize>gi(OY, j);
      s += (load<f64>(x0 + o) * w0 + load<f64>(x1 + o) * w1 + load<f64>(x2 + o) * w2 +
        load<f64>(x3 + o) * w3 + load<f64>(x4 + o) * w4) * gw(WY, j);
    }
    v += s * gw(WZ, k);
  }
  return v;
}

/**
 * resliceBspline for degrees 2–7: `coef` f64, `out` f32 volumes; `m` 12 f64;
 * `scratch` 512 bytes (weights and offsets) followed by the piece table.
 */
export function bspline(
  coef: usize, out: usize, nx: i32, ny: i32, nz: i32, degree: i32, m: usize, scratch: usize,
): void {
  WX = scratch;
  WY = scratch + 64;
  WZ = scratch + 128;
  OX = scratch + 192;
  OY = scratch + 224;
  OZ = scratch + 256;
  PIECES = scratch + 512;
  const m1 = load<f64>(m, 8), m2 = load<f64>(m, 16), m3 = load<f64>(m, 24);
  const m5 = load<f64>(m, 40), m6 = load<f64>(m, 48), m7 = load<f64>(m, 56);
  const m9 = load<f64>(m, 72), m10 = load<f64>(m, 80), m11 = load<f64>(m, 88);
  const cx = load<f64>(m, 0), cy = load<f64>(m, 32), cz = load<f64>(m, 64);
  const sy = nx, sz = nx * ny;
  const sy8 = sy << 3, sz8 = sz << 3;
  let w: i32 = 0;
  for (let k: i32 = 0; k < nz; k++) {
    for (let j: i32 = 0; j < ny; j++) {
      const fj = <f64>j, fk = <f64>k;
      const bx = m1 * fj + m2 * fk + m3;
      const by = m5 * fj + m6 * fk + m7;
      const bz = m9 * fj + m10 * fk + m11;
      rowInterval(bx, by, bz, cx, cy, cz, nx, nx, ny, nz, BSPLINE_EDGE_TOL, BSPLINE_EDGE_TOL);
      const lo = rLo, hi = rHi;
      const row = out + (<usize>w << 2);
      if (lo > hi) {
        zero(row, 0, nx);
        w += nx;
        continue;
      }
      zero(row, 0, lo);
      const fl = <f64>lo;
      let x = bx + fl * cx, y = by + fl * cy, z = bz + fl * cz;
      for (let i = lo; i <= hi; i++) {
        let ix0: i32, iy0: i32, iz0: i32;
        if (degree == 4) {
          ix0 = weights4(x, WX);
          iy0 = weights4(y, WY);
          iz0 = weights4(z, WZ);
        } else {
          ix0 = weights(degree, x, WX);
          iy0 = weights(degree, y, WY);
          iz0 = weights(degree, z, WZ);
        }
        let v: f64;
        if (
          degree == 4 && ix0 >= 0 && ix0 + 4 < nx && iy0 >= 0 && iy0 + 4 < ny && iz0 >= 0 &&
          iz0 + 4 < nz
        ) {
          v = sum4(coef + (<usize>(ix0 + iy0 * sy + iz0 * sz) << 3), <usize>sy8, <usize>sz8, false);
        } else {
          axisOffsets(iy0, degree, ny, sy8, OY);
          axisOffsets(iz0, degree, nz, sz8, OZ);
          if (ix0 >= 0 && ix0 + degree < nx) {
            const p = coef + (<usize>ix0 << 3);
            v = degree == 4 ? sum4(p, 0, 0, true) : sumN(p, degree);
          } else {
            axisOffsets(ix0, degree, nx, 1, OX);
            v = degree == 4 ? sum4Edge(coef) : sumGeneral(coef, degree);
          }
        }
        store<f32>(row + (<usize>i << 2), <f32>v);
        x += cx;
        y += cy;
        z += cz;
      }
      zero(row, hi + 1, nx);
      w += nx;
    }
  }
}

// --------------------------------------------------------------- prefilter

/**
 * filterLines on `L` interleaved lines of length `n` in the f64 buffer `buf`;
 * `poles` holds per pole [z, horizon, z^(n−1)] (3 f64 each), `acc` L f64.
 */
function filterLines(buf: usize, n: i32, L: i32, poles: usize, np: i32, acc: usize): void {
  const last = (n - 1) * L;
  const L2 = L & ~1;
  for (let p = 0; p < np; p++) {
    const z = load<f64>(poles + (<usize>(p * 3) << 3));
    const horizon = <i32>load<f64>(poles + (<usize>(p * 3 + 1) << 3));
    const zn1 = load<f64>(poles + (<usize>(p * 3 + 2) << 3));
    const zv = f64x2.splat(z);
    if (horizon < n) {
      memory.copy(acc, buf, <usize>L << 3);
      let zk = z;
      for (let k = 1; k < horizon; k++) {
        const o = buf + (<usize>(k * L) << 3);
        const zkv = f64x2.splat(zk);
        let l = 0;
        for (; l < L2; l += 2) {
          const a = acc + (<usize>l << 3);
          v128.store(a, f64x2.add(v128.load(a), f64x2.mul(zkv, v128.load(o + (<usize>l << 3)))));
        }
        for (; l < L; l++) sw(acc, l, gw(acc, l) + zk * gw(o, l));
        zk *= z;
      }
    } else {
      const b = buf + (<usize>last << 3);
      for (let l = 0; l < L; l++) sw(acc, l, gw(buf, l) + zn1 * gw(b, l));
      let zk = z, z2k = zn1 * zn1 / z;
      for (let k = 1; k <= n - 2; k++) {
        const o = buf + (<usize>(k * L) << 3), f = zk + z2k;
        const fv = f64x2.splat(f);
        let l = 0;
        for (; l < L2; l += 2) {
          const a = acc + (<usize>l << 3);
          v128.store(a, f64x2.add(v128.load(a), f64x2.mul(fv, v128.load(o + (<usize>l << 3)))));
        }
        for (; l < L; l++) sw(acc, l, gw(acc, l) + f * gw(o, l));
        zk *= z;
        z2k /= z;
      }
      const norm = 1 / (1 - zn1 * zn1);
      for (let l = 0; l < L; l++) sw(acc, l, gw(acc, l) * norm);
    }
    memory.copy(buf, acc, <usize>L << 3);
    // causal pass
    for (let k = 1; k < n; k++) {
      const o = buf + (<usize>(k * L) << 3), q = o - (<usize>L << 3);
      let l = 0;
      for (; l < L2; l += 2) {
        const d = o + (<usize>l << 3);
        v128.store(d, f64x2.add(v128.load(d), f64x2.mul(zv, v128.load(q + (<usize>l << 3)))));
      }
      for (; l < L; l++) sw(o, l, gw(o, l) + z * gw(q, l));
    }
    // anti-causal
    const a = z / (z * z - 1);
    const bl = buf + (<usize>last << 3), bq = bl - (<usize>L << 3);
    for (let l = 0; l < L; l++) sw(bl, l, a * (z * gw(bq, l) + gw(bl, l)));
    for (let k = n - 2; k >= 0; k--) {
      const o = buf + (<usize>(k * L) << 3), q = o + (<usize>L << 3);
      let l = 0;
      for (; l < L2; l += 2) {
        const d = o + (<usize>l << 3);
        v128.store(
          d,
          f64x2.mul(zv, f64x2.sub(v128.load(q + (<usize>l << 3)), v128.load(d))),
        );
      }
      for (; l < L; l++) sw(o, l, z * (gw(q, l) - gw(o, l)));
    }
  }
}

/**
 * bsplineCoefficients in place on the f32 volume `c`. `buf`, `acc` f64
 * scratch (max(nx·ny, nx·nz) and max(nx, ny)); `px`, `py`, `pz` the pole
 * parameters per axis (see filterLines), `np` poles; `gain` their gain.
 */
export function prefilter(
  c: usize, nx: i32, ny: i32, nz: i32, np: i32, gain: f64, px: usize, py: usize, pz: usize,
  buf: usize, acc: usize,
): void {
  const sxy = nx * ny;
  if (nx > 1) {
    for (let k = 0; k < nz; k++) {
      const base = k * sxy;
      for (let j = 0; j < ny; j++) {
        const row = c + (<usize>(base + j * nx) << 2);
        for (let i = 0; i < nx; i++) sw(buf, i * ny + j, gain * <f64>load<f32>(row + (<usize>i << 2)));
      }
      filterLines(buf, nx, ny, px, np, acc);
      for (let j = 0; j < ny; j++) {
        const row = c + (<usize>(base + j * nx) << 2);
        for (let i = 0; i < nx; i++) store<f32>(row + (<usize>i << 2), <f32>gw(buf, i * ny + j));
      }
    }
  }
  if (ny > 1) strided(c, ny, nx, nx, nz, sxy, np, gain, py, buf, acc);
  if (nz > 1) strided(c, nz, sxy, nx, ny, nx, np, gain, pz, buf, acc);
}

function strided(
  c: usize, n: i32, stride: i32, L: i32, groups: i32, groupStride: i32, np: i32, gain: f64,
  poles: usize, buf: usize, acc: usize,
): void {
  for (let g = 0; g < groups; g++) {
    const base = g * groupStride;
    for (let k = 0; k < n; k++) {
      const o = c + (<usize>(base + k * stride) << 2), b = buf + (<usize>(k * L) << 3);
      for (let l = 0; l < L; l++) sw(b, l, gain * <f64>load<f32>(o + (<usize>l << 2)));
    }
    filterLines(buf, n, L, poles, np, acc);
    for (let k = 0; k < n; k++) {
      const o = c + (<usize>(base + k * stride) << 2), b = buf + (<usize>(k * L) << 3);
      for (let l = 0; l < L; l++) store<f32>(o + (<usize>l << 2), <f32>gw(b, l));
    }
  }
}

/** Widens the f32 volume at `src` (n values) to f64 at `dst` (what the reslice kernels read). */
export function widen(src: usize, dst: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const q = src + (<usize>i << 2), d = dst + (<usize>i << 3);
    v128.store(d, f64x2.promote_low_f32x4(v128.load64_zero(q)));
    v128.store(d, f64x2.promote_low_f32x4(v128.load64_zero(q, 8)), 16);
  }
  for (; i < n; i++) store<f64>(dst + (<usize>i << 3), <f64>load<f32>(src + (<usize>i << 2)));
}

// ---------------------------------------------------------------------------
// Estimation kernels (each the JS twin's arithmetic, operation for operation,
// so the results are the JS ones bit for bit):
//
//   smooth        ← gaussianSmooth's passes (shared/smooth.ts)
//   accTrilinear  ← accumulateTrilinear     (shared/estimate/accumulate.ts)
//   accQuadratic  ← accumulateQuadratic     (same file; its edge samples as sampleBspline)
//
// Volumes are f32, sums f64. The smoothing's interior runs two centres at a
// time in f64x2 lanes (lane-wise the scalar operations).

const NCOL: i32 = 7;

@inline
function lf(p: usize, i: i32): f64 {
  return <f64>load<f32>(p + (<usize>i << 2));
}

@inline
function pairF32(p: usize, i: i32): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p + (<usize>i << 2)));
}

/** `interior` of smooth.ts: centres c0 .. c0+count−1 (contiguous), taps `step` apart. */
function smoothRun(src: usize, dst: usize, c0: i32, count: i32, step: i32, w: usize, r: i32): void {
  const end = c0 + count;
  const w0 = gw(w, 0);
  const w0v = f64x2.splat(w0);
  let c = c0;
  for (; c + 1 < end; c += 2) {
    let s = f64x2.mul(w0v, pairF32(src, c));
    for (let k = 1; k <= r; k++) {
      const d = k * step;
      s = f64x2.add(
        s,
        f64x2.mul(f64x2.splat(gw(w, k)), f64x2.add(pairF32(src, c - d), pairF32(src, c + d))),
      );
    }
    store<f32>(dst + (<usize>c << 2), <f32>f64x2.extract_lane(s, 0));
    store<f32>(dst + (<usize>(c + 1) << 2), <f32>f64x2.extract_lane(s, 1));
  }
  for (; c < end; c++) {
    let s = w0 * lf(src, c);
    for (let k = 1; k <= r; k++) s += gw(w, k) * (lf(src, c - k * step) + lf(src, c + k * step));
    store<f32>(dst + (<usize>c << 2), <f32>s);
  }
}

/** `pass` of smooth.ts: one separable pass along an axis of length n, neighbours `step` apart. */
function smoothPass(src: usize, dst: usize, n: i32, step: i32, outer: i32, w: usize, r: i32): void {
  const block = n * step;
  const lineLen = step == 1 ? 1 : step;
  for (let b = 0; b < outer; b++) {
    const base = b * block;
    if (n > 2 * r) smoothRun(src, dst, base + r * step, (n - 2 * r) * step, step, w, r);
    for (let j = 0; j < n; j++) {
      if (j >= r && j < n - r) {
        j = n - r - 1;
        continue;
      }
      const lo = j - r < 0 ? -j : -r;
      const hi = j + r > n - 1 ? n - 1 - j : r;
      let ws: f64 = 0;
      for (let k = lo; k <= hi; k++) ws += gw(w, k < 0 ? -k : k);
      const o = base + j * step;
      for (let i = 0; i < lineLen; i++) {
        let s: f64 = 0;
        for (let k = lo; k <= hi; k++) s += gw(w, k < 0 ? -k : k) * lf(src, o + i + k * step);
        store<f32>(dst + (<usize>(o + i) << 2), <f32>(s / ws));
      }
    }
  }
}

/**
 * gaussianSmooth of the NaN-free f32 volume `src` into `out` (`tmp` one more
 * volume): x, y, then z passes with the f64 taps `wx`, `wy`, `wz` of radii
 * `rx`, `ry`, `rz` (gaussianKernel's `w[0..r]`).
 */
export function smooth(
  src: usize, out: usize, tmp: usize, nx: i32, ny: i32, nz: i32,
  wx: usize, rx: i32, wy: usize, ry: i32, wz: usize, rz: i32,
): void {
  smoothPass(src, out, nx, 1, ny * nz, wx, rx);
  smoothPass(out, tmp, ny, nx, nz, wy, ry);
  smoothPass(tmp, out, nz, nx * ny, 1, wz, rz);
}

/** addOuterLower(cols, p, drop, −1): subtract a_p a_pᵀ (lower triangle) from `drop`. */
@inline
function dropPoint(cols: usize, p: i32, drop: usize): void {
  const o = p * NCOL;
  for (let i = 0; i < NCOL; i++) {
    const ai = gw(cols, o + i) * -1;
    for (let j = 0; j <= i; j++) {
      const q = i * NCOL + j;
      sw(drop, q, gw(drop, q) + ai * gw(cols, o + j));
    }
  }
}

// The seven sums of Aᵀf, added to atf at the end.
let s0: f64 = 0, s1: f64 = 0, s2: f64 = 0, s3: f64 = 0, s4: f64 = 0, s5: f64 = 0, s6: f64 = 0;

@inline
function addRow(cols: usize, p: i32, fv: f64): void {
  const q = p * NCOL;
  s0 += gw(cols, q) * fv;
  s1 += gw(cols, q + 1) * fv;
  s2 += gw(cols, q + 2) * fv;
  s3 += gw(cols, q + 3) * fv;
  s4 += gw(cols, q + 4) * fv;
  s5 += gw(cols, q + 5) * fv;
  s6 += gw(cols, q + 6) * fv;
}

@inline
function flushSums(atf: usize): void {
  sw(atf, 0, gw(atf, 0) + s0);
  sw(atf, 1, gw(atf, 1) + s1);
  sw(atf, 2, gw(atf, 2) + s2);
  sw(atf, 3, gw(atf, 3) + s3);
  sw(atf, 4, gw(atf, 4) + s4);
  sw(atf, 5, gw(atf, 5) + s5);
  sw(atf, 6, gw(atf, 6) + s6);
}

/**
 * accumulateTrilinear on the f32 frame `f`: points `px`, `py`, `pz`, rows
 * `cols` (7 per point), √weights `sws` (0: none), visiting 0, stride, … < n;
 * `m` the voxel → voxel matrix (12 f64). Adds into `atf` (7) and `drop`
 * (7×7 lower); returns the points used.
 */
export function accTrilinear(
  f: usize, nx: i32, ny: i32, nz: i32, m: usize, px: usize, py: usize, pz: usize, cols: usize,
  sws: usize, n: i32, stride: i32, atf: usize, drop: usize,
): i32 {
  const hx = <f64>(nx - 1) + EDGE_TOL, hy = <f64>(ny - 1) + EDGE_TOL, hz = <f64>(nz - 1) + EDGE_TOL;
  const mx = nx > 1 ? nx - 2 : 0, my = ny > 1 ? ny - 2 : 0, mz = nz > 1 ? nz - 2 : 0;
  const ox = nx > 1 ? 1 : 0, oy = ny > 1 ? nx : 0, oz = nz > 1 ? nx * ny : 0;
  const nxy = nx * ny;
  const v0 = gw(m, 0), v1 = gw(m, 1), v2 = gw(m, 2), v3 = gw(m, 3);
  const v4 = gw(m, 4), v5 = gw(m, 5), v6 = gw(m, 6), v7 = gw(m, 7);
  const v8 = gw(m, 8), v9 = gw(m, 9), v10 = gw(m, 10), v11 = gw(m, 11);
  s0 = 0; s1 = 0; s2 = 0; s3 = 0; s4 = 0; s5 = 0; s6 = 0;
  let used = 0;
  for (let p = 0; p < n; p += stride) {
    const x = gw(px, p), y = gw(py, p), z = gw(pz, p);
    const sx = v0 * x + v1 * y + v2 * z + v3;
    const sy = v4 * x + v5 * y + v6 * z + v7;
    const sz = v8 * x + v9 * y + v10 * z + v11;
    if (
      !(sx >= -EDGE_TOL && sx <= hx && sy >= -EDGE_TOL && sy <= hy && sz >= -EDGE_TOL &&
        sz <= hz)
    ) {
      dropPoint(cols, p, drop);
      continue;
    }
    let ix = <i32>sx, iy = <i32>sy, iz = <i32>sz;
    if (ix > mx) ix = mx;
    if (iy > my) iy = my;
    if (iz > mz) iz = mz;
    const fx = sx - <f64>ix, fy = sy - <f64>iy, fz = sz - <f64>iz;
    const gx = 1 - fx, gy = 1 - fy, gz = 1 - fz;
    const o = ix + nx * iy + nxy * iz;
    const c00 = lf(f, o) * gx + lf(f, o + ox) * fx;
    const c10 = lf(f, o + oy) * gx + lf(f, o + oy + ox) * fx;
    const c01 = lf(f, o + oz) * gx + lf(f, o + oz + ox) * fx;
    const c11 = lf(f, o + oz + oy) * gx + lf(f, o + oz + oy + ox) * fx;
    let fv = (c00 * gy + c10 * fy) * gz + (c01 * gy + c11 * fy) * fz;
    used++;
    if (sws != 0) fv *= gw(sws, p);
    addRow(cols, p, fv);
  }
  flushSums(atf);
  return used;
}

/** Quadratic B-spline weights at t = x − i0 − 1 (bsplineWeights, degree 2) into w0q..w2q. */
let w0q: f64 = 0, w1q: f64 = 0, w2q: f64 = 0;

@inline
function quadWeights(t: f64): void {
  w1q = 0.75 - t * t;
  w2q = 0.5 * (t - w1q + 1);
  w0q = 1 - w1q - w2q;
}

/** sampleBspline(f, dims, 2, x, y, z) near an edge: folded offsets, sumFolded's order. */
function quadEdge(f: usize, nx: i32, ny: i32, nz: i32, x: f64, y: f64, z: f64): f64 {
  const ix0 = <i32>Math.floor(x - 0.5), iy0 = <i32>Math.floor(y - 0.5);
  const iz0 = <i32>Math.floor(z - 0.5);
  quadWeights(x - <f64>ix0 - 1);
  const a0 = w0q, a1 = w1q, a2 = w2q;
  quadWeights(y - <f64>iy0 - 1);
  const b0 = w0q, b1 = w1q, b2 = w2q;
  quadWeights(z - <f64>iz0 - 1);
  const c0 = w0q, c1 = w1q, c2 = w2q;
  const nxy = nx * ny;
  let v: f64 = 0;
  for (let k = 0; k <= 2; k++) {
    const oz = mirrorIndex(iz0 + k, nz) * nxy;
    let s: f64 = 0;
    for (let j = 0; j <= 2; j++) {
      const o = oz + mirrorIndex(iy0 + j, ny) * nx;
      let r: f64 = 0;
      r += lf(f, o + mirrorIndex(ix0, nx)) * a0;
      r += lf(f, o + mirrorIndex(ix0 + 1, nx)) * a1;
      r += lf(f, o + mirrorIndex(ix0 + 2, nx)) * a2;
      s += r * (j == 0 ? b0 : j == 1 ? b1 : b2);
    }
    v += s * (k == 0 ? c0 : k == 1 ? c1 : c2);
  }
  return v;
}

/** accumulateQuadratic on the frame's quadratic B-spline coefficients `f`; as accTrilinear. */
export function accQuadratic(
  f: usize, nx: i32, ny: i32, nz: i32, m: usize, px: usize, py: usize, pz: usize, cols: usize,
  sws: usize, n: i32, stride: i32, atf: usize, drop: usize,
): i32 {
  const lo = -BSPLINE_EDGE_TOL;
  const hx = <f64>(nx - 1) + BSPLINE_EDGE_TOL, hy = <f64>(ny - 1) + BSPLINE_EDGE_TOL;
  const hz = <f64>(nz - 1) + BSPLINE_EDGE_TOL;
  const nxy = nx * ny;
  const v0 = gw(m, 0), v1 = gw(m, 1), v2 = gw(m, 2), v3 = gw(m, 3);
  const v4 = gw(m, 4), v5 = gw(m, 5), v6 = gw(m, 6), v7 = gw(m, 7);
  const v8 = gw(m, 8), v9 = gw(m, 9), v10 = gw(m, 10), v11 = gw(m, 11);
  s0 = 0; s1 = 0; s2 = 0; s3 = 0; s4 = 0; s5 = 0; s6 = 0;
  let used = 0;
  for (let p = 0; p < n; p += stride) {
    const x = gw(px, p), y = gw(py, p), z = gw(pz, p);
    const sx = v0 * x + v1 * y + v2 * z + v3;
    const sy = v4 * x + v5 * y + v6 * z + v7;
    const sz = v8 * x + v9 * y + v10 * z + v11;
    if (!(sx >= lo && sx <= hx && sy >= lo && sy <= hy && sz >= lo && sz <= hz)) {
      dropPoint(cols, p, drop);
      continue;
    }
    const ix = <i32>Math.floor(sx - 0.5), iy = <i32>Math.floor(sy - 0.5);
    const iz = <i32>Math.floor(sz - 0.5);
    let fv: f64;
    if (ix >= 0 && ix + 2 < nx && iy >= 0 && iy + 2 < ny && iz >= 0 && iz + 2 < nz) {
      const tx = sx - <f64>ix - 1, ty = sy - <f64>iy - 1, tz = sz - <f64>iz - 1;
      const x1 = 0.75 - tx * tx, x2 = 0.5 * (tx - x1 + 1), x0 = 1 - x1 - x2;
      const y1 = 0.75 - ty * ty, y2 = 0.5 * (ty - y1 + 1), y0 = 1 - y1 - y2;
      const z1 = 0.75 - tz * tz, z2 = 0.5 * (tz - z1 + 1), z0 = 1 - z1 - z2;
      let o = ix + nx * iy + nxy * iz;
      const n2 = 2 * nx;
      let r0 = (lf(f, o) * x0 + lf(f, o + 1) * x1 + lf(f, o + 2) * x2) * y0;
      r0 += (lf(f, o + nx) * x0 + lf(f, o + nx + 1) * x1 + lf(f, o + nx + 2) * x2) * y1;
      r0 += (lf(f, o + n2) * x0 + lf(f, o + n2 + 1) * x1 + lf(f, o + n2 + 2) * x2) * y2;
      o += nxy;
      let r1 = (lf(f, o) * x0 + lf(f, o + 1) * x1 + lf(f, o + 2) * x2) * y0;
      r1 += (lf(f, o + nx) * x0 + lf(f, o + nx + 1) * x1 + lf(f, o + nx + 2) * x2) * y1;
      r1 += (lf(f, o + n2) * x0 + lf(f, o + n2 + 1) * x1 + lf(f, o + n2 + 2) * x2) * y2;
      o += nxy;
      let r2 = (lf(f, o) * x0 + lf(f, o + 1) * x1 + lf(f, o + 2) * x2) * y0;
      r2 += (lf(f, o + nx) * x0 + lf(f, o + nx + 1) * x1 + lf(f, o + nx + 2) * x2) * y1;
      r2 += (lf(f, o + n2) * x0 + lf(f, o + n2 + 1) * x1 + lf(f, o + n2 + 2) * x2) * y2;
      fv = r0 * z0 + r1 * z1 + r2 * z2;
    } else {
      fv = quadEdge(f, nx, ny, nz, sx, sy, sz);
    }
    used++;
    if (sws != 0) fv *= gw(sws, p);
    addRow(cols, p, fv);
  }
  flushSums(atf);
  return used;
}

// ---------------------------------------------------------------------------
// coverage ← frameCoverage (shared/reslice_kernel.ts), for `count` frames:
// zero the u8 `mask` voxels whose source position, under any of the
// voxel → voxel matrices at `mats` (12 f64 each), is outside the source
// (same dims). The row intervals are rowInterval's, as in JS.

export function coverage(mats: usize, count: i32, nx: i32, ny: i32, nz: i32, mask: usize): void {
  for (let f = 0; f < count; f++) {
    const m = mats + (<usize>f) * 96;
    const m0 = gw(m, 0), m1 = gw(m, 1), m2 = gw(m, 2), m3 = gw(m, 3);
    const m4 = gw(m, 4), m5 = gw(m, 5), m6 = gw(m, 6), m7 = gw(m, 7);
    const m8 = gw(m, 8), m9 = gw(m, 9), m10 = gw(m, 10), m11 = gw(m, 11);
    let w = 0;
    for (let k = 0; k < nz; k++) {
      for (let j = 0; j < ny; j++) {
        const fj = <f64>j, fk = <f64>k;
        const bx = m1 * fj + m2 * fk + m3;
        const by = m5 * fj + m6 * fk + m7;
        const bz = m9 * fj + m10 * fk + m11;
        rowInterval(bx, by, bz, m0, m4, m8, nx, nx, ny, nz, EDGE_TOL, EDGE_TOL);
        const row = mask + <usize>w;
        if (rLo > rHi) memory.fill(row, 0, <usize>nx);
        else {
          if (rLo > 0) memory.fill(row, 0, <usize>rLo);
          if (rHi < nx - 1) memory.fill(row + <usize>(rHi + 1), 0, <usize>(nx - 1 - rHi));
        }
        w += nx;
      }
    }
  }
}

// ---------------------------------------------------------------------------
// statsAdd ← SlabStats.addFrames (shared/slab_stats.ts): add `count` frames
// (f32 volumes back to back at `frames`, their u8 coverage at `covers`) into
// the slab's f64 sums `data` (Σx, covering count, Σx², Σx_t·x_{t−1} per
// voxel, then one squared-difference sum per frame from index 4·n3 + k),
// with the previous frame at `prev` (f32, updated) and the brain mask at
// `brain` (u8; 0: none). `hasPrev`: whether `prev` holds a frame. Each sum
// in the JS order, so the same numbers bit for bit.

export function statsAdd(
  data: usize, prev: usize, brain: usize, frames: usize, covers: usize, count: i32, n3: i32,
  k: i32, hasPrev: i32, ssd: usize,
): void {
  for (let b = 0; b < count; b++) sw(ssd, b, 0);
  const o1 = n3, o2 = 2 * n3, o3 = 3 * n3;
  for (let i = 0; i < n3; i++) {
    let sum = gw(data, i), cov = gw(data, o1 + i), sq = gw(data, o2 + i), cross = gw(data, o3 + i);
    const inBrain = brain != 0 && load<u8>(brain + <usize>i) == 1;
    let p = <f64>load<f32>(prev + (<usize>i << 2));
    let has = hasPrev != 0;
    for (let b = 0; b < count; b++) {
      const at = <usize>b * <usize>n3 + <usize>i;
      const v = <f64>load<f32>(frames + (at << 2));
      if (v == v) {
        if (load<u8>(covers + at) == 1) {
          sum += v;
          cov += 1;
        }
        sq += v * v;
        if (has) {
          cross += v * p;
          if (inBrain) sw(ssd, b, gw(ssd, b) + (v - p) * (v - p));
        }
      }
      p = v;
      has = true;
    }
    sw(data, i, sum);
    sw(data, o1 + i, cov);
    sw(data, o2 + i, sq);
    sw(data, o3 + i, cross);
    store<f32>(prev + (<usize>i << 2), <f32>p);
  }
  for (let b = 0; b < count; b++) {
    sw(data, 4 * n3 + k + b, b > 0 || hasPrev != 0 ? gw(ssd, b) : 0);
  }
}

// ---------------------------------------------------------------------------
// Slab kernels: the reslice function's per-voxel work around the resampling,
// each the JS twin's arithmetic, so the same values bit for bit:
//
//   decode     ← decodeVoxels              (shared/nifti/decode.ts)
//   finite0    ← zeroNonFinite             (shared/finite.ts)
//   rawSums    ← ReportPart.addRawFrames   (shared/report/report_part.ts)
//   maskFrame  ← maskFrame                 (shared/slab_work.ts)
//   encode     ← encodeVoxels              (shared/nifti/encode.ts)
//
// Datatypes are the NIfTI codes the codec supports (uint8 2, int16 4, int32 8,
// float32 16, float64 64, int8 256, uint16 512, uint32 768).

/** Stored value `i` of datatype `dt` at `src` (bytes swapped when `swap`), as f64. */
@inline
function stored(src: usize, i: i32, dt: i32, swap: bool): f64 {
  switch (dt) {
    case 2:
      return <f64>load<u8>(src + <usize>i);
    case 256:
      return <f64>load<i8>(src + <usize>i);
    case 4: {
      const v = load<u16>(src + (<usize>i << 1));
      return <f64><i16>(swap ? bswap<u16>(v) : v);
    }
    case 512: {
      const v = load<u16>(src + (<usize>i << 1));
      return <f64>(swap ? bswap<u16>(v) : v);
    }
    case 8: {
      const v = load<u32>(src + (<usize>i << 2));
      return <f64><i32>(swap ? bswap<u32>(v) : v);
    }
    case 768: {
      const v = load<u32>(src + (<usize>i << 2));
      return <f64>(swap ? bswap<u32>(v) : v);
    }
    case 16: {
      const v = load<u32>(src + (<usize>i << 2));
      return <f64>reinterpret<f32>(swap ? bswap<u32>(v) : v);
    }
    default: {
      const v = load<u64>(src + (<usize>i << 3));
      return reinterpret<f64>(swap ? bswap<u64>(v) : v);
    }
  }
}

/**
 * decodeVoxels: `n` stored values of datatype `dt` at `src` → f32 at `dst`,
 * `stored · s + b` when `scaled`, else the value itself (as JS's
 * `Float32Array.set`: one rounding to f32). `swap`: the bytes are in the
 * other byte order. One loop per datatype (the switch is hoisted by
 * specialising on the constant `dt` of each call below).
 */
export function decode(
  src: usize, dst: usize, n: i32, dt: i32, swap: i32, s: f64, b: f64, scaled: i32,
): void {
  const sw_ = swap != 0;
  if (dt == 4 && !sw_ && scaled == 0) {
    // int16 as is: eight at a time, widened to i32 and converted (exact below 2^24)
    let i = 0;
    for (; i + 8 <= n; i += 8) {
      const v = v128.load(src + (<usize>i << 1));
      const d = dst + (<usize>i << 2);
      v128.store(d, f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(v)));
      v128.store(d, f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(v)), 16);
    }
    for (; i < n; i++) store<f32>(dst + (<usize>i << 2), <f32>stored(src, i, 4, false));
    return;
  }
  switch (dt) {
    case 2: decodeAs(src, dst, n, 2, sw_, s, b, scaled != 0); break;
    case 256: decodeAs(src, dst, n, 256, sw_, s, b, scaled != 0); break;
    case 4: decodeAs(src, dst, n, 4, sw_, s, b, scaled != 0); break;
    case 512: decodeAs(src, dst, n, 512, sw_, s, b, scaled != 0); break;
    case 8: decodeAs(src, dst, n, 8, sw_, s, b, scaled != 0); break;
    case 768: decodeAs(src, dst, n, 768, sw_, s, b, scaled != 0); break;
    case 16: decodeAs(src, dst, n, 16, sw_, s, b, scaled != 0); break;
    default: decodeAs(src, dst, n, 64, sw_, s, b, scaled != 0);
  }
}

@inline
function decodeAs(
  src: usize, dst: usize, n: i32, dt: i32, swap: bool, s: f64, b: f64, scaled: bool,
): void {
  if (scaled) {
    for (let i = 0; i < n; i++) store<f32>(dst + (<usize>i << 2), <f32>(stored(src, i, dt, swap) * s + b));
  } else if (dt == 16 && !swap) {
    memory.copy(dst, src, <usize>n << 2); // float32 as is: the bits (NaN payloads too)
  } else {
    for (let i = 0; i < n; i++) store<f32>(dst + (<usize>i << 2), <f32>stored(src, i, dt, swap));
  }
}

/** zeroNonFinite: NaN and ±Inf (exponent all ones) → 0, in place on `n` f32. */
export function finite0(v: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const p = v + (<usize>i << 2);
    if ((load<u32>(p) & 0x7f800000) == 0x7f800000) store<f32>(p, 0);
  }
}

/**
 * ReportPart.addRawFrames: add frames `first .. first + count` (f32 volumes of
 * `n3` back to back at `frames`) to Σx (f64 at `sums`) and Σx² (at
 * `sums + 8·n3`), each voxel's frames in order; two voxels at a time in f64x2
 * lanes, lane-wise the scalar sums.
 */
export function rawSums(frames: usize, first: i32, count: i32, n3: i32, sums: usize): void {
  const q = sums + (<usize>n3 << 3);
  let i = 0;
  for (; i + 2 <= n3; i += 2) {
    const o = <usize>i << 3;
    let S = v128.load(sums + o), Q = v128.load(q + o);
    for (let k = 0; k < count; k++) {
      const at = frames + ((<usize>(first + k) * <usize>n3 + <usize>i) << 2);
      const V = f64x2.promote_low_f32x4(v128.load64_zero(at));
      S = f64x2.add(S, V);
      Q = f64x2.add(Q, f64x2.mul(V, V));
    }
    v128.store(sums + o, S);
    v128.store(q + o, Q);
  }
  for (; i < n3; i++) {
    let s = gw(sums, i), sq = gw(q, i);
    for (let k = 0; k < count; k++) {
      const v = <f64>load<f32>(frames + ((<usize>(first + k) * <usize>n3 + <usize>i) << 2));
      s += v;
      sq += v * v;
    }
    sw(sums, i, s);
    sw(q, i, sq);
  }
}

/** maskFrame: where the u8 `mask` is 0, the f32 `frame` and the u8 `cover` become 0. */
export function maskFrame(mask: usize, frame: usize, cover: usize, n: i32): void {
  let i = 0;
  const z = i8x16.splat(0);
  for (; i + 16 <= n; i += 16) {
    const out = i8x16.eq(v128.load(mask + <usize>i), z); // all ones where masked out
    const c = cover + <usize>i;
    v128.store(c, v128.andnot(v128.load(c), out));
    const h0 = i16x8.extend_low_i8x16_s(out), h1 = i16x8.extend_high_i8x16_s(out);
    const f = frame + (<usize>i << 2);
    v128.store(f, v128.andnot(v128.load(f), i32x4.extend_low_i16x8_s(h0)));
    v128.store(f, v128.andnot(v128.load(f, 16), i32x4.extend_high_i16x8_s(h0)), 16);
    v128.store(f, v128.andnot(v128.load(f, 32), i32x4.extend_low_i16x8_s(h1)), 32);
    v128.store(f, v128.andnot(v128.load(f, 48), i32x4.extend_high_i16x8_s(h1)), 48);
  }
  for (; i < n; i++) {
    if (load<u8>(mask + <usize>i) == 0) {
      store<f32>(frame + (<usize>i << 2), 0);
      store<u8>(cover + <usize>i, 0);
    }
  }
}

/** One integer voxel as encodeVoxels rounds it: floor((v − b)·inv + 0.5), clamped, NaN → 0. */
@inline
function rounded(v: f64, b: f64, inv: f64, lo: f64, hi: f64): f64 {
  let x = Math.floor((v - b) * inv + 0.5);
  if (x < lo) x = lo;
  else if (x > hi) x = hi;
  else if (x != x) x = 0;
  return x;
}

/**
 * encodeVoxels: `n` f32 at `src` → datatype `dt` at `dst`, little-endian.
 * Integer types: rounded() with `inv` = 1/slope, `b` = inter, clamped to
 * [lo, hi]. float32/float64: `(v − b)·inv`, or the value itself when
 * `plain` (slope 1, inter 0).
 */
export function encode(
  src: usize, dst: usize, n: i32, dt: i32, inv: f64, b: f64, lo: f64, hi: f64, plain: i32,
): void {
  if (dt == 16 || dt == 64) {
    for (let i = 0; i < n; i++) {
      const v = <f64>load<f32>(src + (<usize>i << 2));
      const x = plain != 0 ? v : (v - b) * inv;
      if (dt == 16) store<f32>(dst + (<usize>i << 2), <f32>x);
      else store<f64>(dst + (<usize>i << 3), x);
    }
    return;
  }
  let i = 0;
  if (dt == 4 || dt == 512) {
    // eight at a time: f64x2 lanes, lane-wise rounded(), then narrowed (in range already)
    const B = f64x2.splat(b), INV = f64x2.splat(inv), HALF = f64x2.splat(0.5);
    const LO = f64x2.splat(lo), HI = f64x2.splat(hi);
    for (; i + 8 <= n; i += 8) {
      const s = src + (<usize>i << 2);
      const q0 = encodeLanes(v128.load64_zero(s), B, INV, HALF, LO, HI);
      const q1 = encodeLanes(v128.load64_zero(s, 8), B, INV, HALF, LO, HI);
      const q2 = encodeLanes(v128.load64_zero(s, 16), B, INV, HALF, LO, HI);
      const q3 = encodeLanes(v128.load64_zero(s, 24), B, INV, HALF, LO, HI);
      const a = i8x16.shuffle(q0, q1, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
      const c = i8x16.shuffle(q2, q3, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
      const w = dt == 4 ? i16x8.narrow_i32x4_s(a, c) : i16x8.narrow_i32x4_u(a, c);
      v128.store(dst + (<usize>i << 1), w);
    }
  }
  for (; i < n; i++) {
    const x = rounded(<f64>load<f32>(src + (<usize>i << 2)), b, inv, lo, hi);
    switch (dt) {
      case 2:
        store<u8>(dst + <usize>i, <u8><i32>x);
        break;
      case 256:
        store<i8>(dst + <usize>i, <i8><i32>x);
        break;
      case 4:
        store<i16>(dst + (<usize>i << 1), <i16><i32>x);
        break;
      case 512:
        store<u16>(dst + (<usize>i << 1), <u16><i32>x);
        break;
      case 8:
        store<i32>(dst + (<usize>i << 2), <i32>x);
        break;
      default:
        store<u32>(dst + (<usize>i << 2), <u32>x);
    }
  }
}

/** rounded() of two f32 lanes (the low half of `v`), as two i32 in the low half. */
@inline
function encodeLanes(v: v128, B: v128, INV: v128, HALF: v128, LO: v128, HI: v128): v128 {
  let x = f64x2.floor(f64x2.add(f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(v), B), INV), HALF));
  x = v128.and(x, f64x2.eq(x, x)); // NaN → +0
  x = f64x2.pmin(f64x2.pmax(x, LO), HI); // x < lo → lo, x > hi → hi
  return i32x4.trunc_sat_f64x2_s_zero(x);
}
