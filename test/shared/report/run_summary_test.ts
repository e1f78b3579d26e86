import { motionSummary } from "../../../shared/report/run_summary.ts";
import { assertClose, assertEquals } from "../../helpers/assert.ts";

Deno.test("motionSummary: mean and max FD, flagged frames, largest |translation| and |rotation|", () => {
  const deg = Math.PI / 180;
  const params = [
    [0, 0, 0, 0, 0, 0],
    [0.5, -1.25, 0.2, 0.5 * deg, 0, 0],
    [0.1, 0.3, -0.9, 0, -1.5 * deg, 0.25 * deg],
    [0, 0, 0, 0, 0, 0.75 * deg],
  ];
  const fd = [0, 1.4, 0.3, 0.7];
  const s = motionSummary(params, fd, [0, 1, 0, 1]);
  assertClose(s.meanFd, 2.4 / 4, 1e-15);
  assertEquals(s.maxFd, 1.4);
  assertEquals(s.outliers, [1, 3]);
  assertEquals(s.maxTranslation, 1.25);
  assertClose(s.maxRotationDeg, 1.5, 1e-12);
});

Deno.test("motionSummary: a still run is all zeros; NaN FD is skipped", () => {
  const s = motionSummary([[0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]], [0, NaN], [0, 0]);
  assertEquals(s, { meanFd: 0, maxFd: 0, outliers: [], maxTranslation: 0, maxRotationDeg: 0 });
});
