import {
  formatNumber,
  motionTsv,
  parseMotionTsv,
  parseRpText,
  parseXfmTsv,
  rpText,
  xfmTsv,
} from "../../../shared/motion/motion_files.ts";
import { framewiseDisplacement } from "../../../shared/motion/framewise_displacement.ts";
import { forwardTransforms, motionParameters } from "../../../shared/motion/parameters.ts";
import { identity4, invert4, type Mat4, spmMatrix } from "../../../shared/rigid.ts";
import { assert, assertClose, assertEquals, assertThrows } from "../../helpers/assert.ts";

const DEG = Math.PI / 180;
const HEADER = "trans_x\ttrans_y\ttrans_z\trot_x\trot_y\trot_z\tframewise_displacement";

/** The three files for a run whose forward maps are `ts` (T(0) = I). */
function files(ts: Mat4[]) {
  const ms = ts.map((t) => invert4(t));
  const params = motionParameters(ms);
  const fd = framewiseDisplacement(params);
  return {
    params,
    fd,
    tsv: motionTsv(params, fd),
    rp: rpText(params),
    xfm: xfmTsv(forwardTransforms(ms)),
  };
}

Deno.test("conventions: a pure +2 mm x shift of the tissue in frame 1", () => {
  const t1 = [1, 0, 0, 2, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
  const f = files([identity4(), t1]);
  const rp = f.rp.split("\n");
  assertEquals(rp[0], "   0.0000000e+00".repeat(6));
  assertEquals(rp[1], "  -2.0000000e+00" + "   0.0000000e+00".repeat(5));
  assertEquals(parseRpText(f.rp)[1], [-2, 0, 0, 0, 0, 0]);
  const tsv = f.tsv.split("\n");
  assertEquals(tsv[0], HEADER);
  assertEquals(tsv[1], "0\t0\t0\t0\t0\t0\t0");
  assertEquals(tsv[2], "-2\t0\t0\t0\t0\t0\t2");
  const table = parseMotionTsv(f.tsv);
  assertEquals(table.columns["trans_x"], [0, -2]);
  assertEquals(table.columns["framewise_displacement"], [0, 2]);
  const xfm = f.xfm.split("\n");
  assertEquals(xfm[0], "1 0 0 0 0 1 0 0 0 0 1 0 0 0 0 1".replaceAll(" ", "\t"));
  assertEquals(xfm[1], "1 0 0 2 0 1 0 0 0 0 1 0 0 0 0 1".replaceAll(" ", "\t"));
  assertEquals(f.xfm.split("\n").length, 3, "two lines and a final newline, no header");
});

Deno.test("conventions: a pure +3° yaw (x → y) of the tissue in frame 1", () => {
  const c = Math.cos(3 * DEG), s = Math.sin(3 * DEG);
  const t1 = [c, -s, 0, 0, s, c, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
  const f = files([identity4(), t1]);
  const rp = parseRpText(f.rp)[1]!;
  assertClose(rp, [0, 0, 0, 0, 0, 0.0523599], 5e-8);
  assertEquals(f.rp.split("\n")[1], "   0.0000000e+00".repeat(5) + "   5.2359878e-02");
  const tsv = f.tsv.split("\n")[2]!.split("\t");
  assertEquals(tsv, ["0", "0", "0", "0", "0", "0.052359878", "2.6179939"]);
  assertClose(parseMotionTsv(f.tsv).columns["framewise_displacement"]![1]!, 2.617994, 1e-6);
  // T(1) row-major: cos 3° = 0.99862953475, sin 3° = 0.052335956243.
  assertEquals(
    f.xfm.split("\n")[1],
    ["0.9986295348", "-0.05233595624", "0", "0", "0.05233595624", "0.9986295348", "0", "0"]
      .concat(["0", "0", "1", "0", "0", "0", "0", "1"]).join("\t"),
  );
  // And the parsed matrix maps x to +y.
  const t = parseXfmTsv(f.xfm)[1]!;
  assert(t[4]! > 0, "T(1) sends (1, 0, 0) towards +y");
});

Deno.test("formatNumber: compact, up to 8 significant digits, 0 for zero and noise", () => {
  assertEquals(formatNumber(0), "0");
  assertEquals(formatNumber(-0), "0");
  assertEquals(formatNumber(3e-17), "0");
  assertEquals(formatNumber(-2), "-2");
  assertEquals(formatNumber(1 / 3), "0.33333333");
  assertEquals(formatNumber(123456.789), "123456.79");
  assertEquals(formatNumber(1.5e-7), "1.5e-7");
  assertEquals(formatNumber(NaN), "n/a");
  assertEquals(formatNumber(Math.PI, 10), "3.141592654");
});

Deno.test("motionTsv: extra columns in order, round trip, length checks", () => {
  const params = [[0, 0, 0, 0, 0, 0], [0.1234567891, -1.5, 2, 0.001, -0.002, 0.0035], [
    -0.25,
    0.5,
    1e-4,
    1e-5,
    -3e-6,
    0,
  ]];
  const fd = framewiseDisplacement(params);
  const text = motionTsv(params, fd, { dvars: [0, 12.5, 7.25], motion_outlier: [0, 1, 0] });
  assertEquals(text.split("\n")[0], HEADER + "\tdvars\tmotion_outlier");
  assert(text.endsWith("\n") && !text.endsWith("\n\n"), "one final newline");
  const table = parseMotionTsv(text);
  assertEquals(table.header.length, 9);
  assertClose(table.params.flat(), params.flat(), 1e-8);
  assertClose(table.columns["framewise_displacement"]!, fd, 1e-7);
  assertEquals(table.columns["dvars"], [0, 12.5, 7.25]);
  assertEquals(table.columns["motion_outlier"], [0, 1, 0]);
  assertEquals(text.split("\n")[2]!.split("\t")[0], "0.12345679");
  assertThrows(() => motionTsv(params, [0, 1]), RangeError, "current value is 2");
  assertThrows(() => motionTsv(params, fd, { dvars: [0] }), RangeError, "dvars");
  assertThrows(() => motionTsv(params, fd, { "bad name": [0, 0, 0] }), RangeError, "bad name");
  assertThrows(() => motionTsv([[0, 0, 0]], [0]), RangeError, "current value is 3");
});

Deno.test("rpText and xfmTsv round trip random motion", () => {
  let seed = 99;
  const r = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  const ms: Mat4[] = [identity4()];
  for (let i = 0; i < 50; i++) {
    ms.push(spmMatrix([r() * 6 - 3, r() * 6 - 3, r() * 6 - 3, r() - 0.5, r() - 0.5, r() - 0.5]));
  }
  const params = motionParameters(ms);
  const rp = parseRpText(rpText(params));
  rp.forEach((row, t) =>
    row.forEach((v, k) => {
      const want = params[t]![k]!;
      assertClose(v, want, Math.abs(want) * 6e-8 + 1e-300, `rp frame ${t} column ${k}`);
    })
  );
  const ts = forwardTransforms(ms);
  const back = parseXfmTsv(xfmTsv(ts));
  assertEquals(back.length, ts.length);
  back.forEach((m, t) => assertClose(m, ts[t]!, 2e-8, `xfm frame ${t}`));
  // Every rp line is six 16-character fields.
  for (const line of rpText(params).trimEnd().split("\n")) assertEquals(line.length, 96);
});

Deno.test("parsers: bad text is a SyntaxError naming the line", () => {
  assertThrows(() => parseRpText("1 2 3\n"), SyntaxError, "line 1");
  assertThrows(() => parseRpText("1 2 3 4 5 x\n"), SyntaxError, '"x"');
  assertThrows(() => parseXfmTsv("1\t0\n"), SyntaxError, "16 numbers");
  assertThrows(() => parseMotionTsv(""), SyntaxError, "empty");
  assertThrows(() => parseMotionTsv("trans_x\ttrans_y\n1\t2\n"), SyntaxError, "trans_z");
  assertThrows(() => parseMotionTsv(HEADER + "\n0\t0\n"), SyntaxError, "line 2");
  assertEquals(
    parseMotionTsv(HEADER + "\n0\t0\t0\t0\t0\t0\tn/a\n").columns[
      "framewise_displacement"
    ]![0],
    NaN,
  );
});
