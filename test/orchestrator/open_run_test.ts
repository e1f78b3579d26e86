/**
 * Pass 1 and pass 2 of reading an input, in process on a real folder store:
 * the streamed hash is the SHA-256 of the whole file (so job ids are what
 * hashing the bytes at once gave), the reference frame is that of the
 * decoded run, the staged copy is a single-file NIfTI holding the
 * same voxels (pass 1 writes the same bytes when asked, for stores that can
 * move objects), and an input that changes between the passes stores nothing.
 */
import { assert, assertEquals, assertRejects } from "../helpers/assert.ts";
import { buildNifti, buildPair } from "../helpers/corrupt_files.ts";
import { LocalFolderStore } from "../../infra/deno/local_object_store.ts";
import { zlibCompression } from "../../infra/deno/zlib_compression.ts";
import { openRun } from "../../orchestrator/open_run.ts";
import { stagedStream } from "../../orchestrator/stage.ts";
import { sha256Hex } from "../../orchestrator/job_id.ts";
import { gzip, readNifti } from "../../shared/nifti/read.ts";
import { listAll } from "../../shared/ports/object_store.ts";
import { DEFAULT_OPTIONS } from "../../shared/job.ts";

const DIMS = [4, 5, 6, 7, 4, 1, 1, 1];
const N3 = 5 * 6 * 7;
const values = Float64Array.from({ length: N3 * 4 }, (_, i) => ((i * 37) % 2001) - 1000);
const spec = { dims: DIMS, datatype: 4, values, sclSlope: 0.5, sclInter: 3 };

Deno.test("pass 1: streamed hash and reference frame equal those of the whole file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "realign-open-" });
  const store = new LocalFolderStore(dir);
  const nii = buildNifti(spec);
  await store.put("run.nii", nii);
  await store.put("run.nii.gz", await gzip(nii));
  const whole = await readNifti(nii, "run.nii");
  for (const key of ["run.nii", "run.nii.gz"]) {
    for (const ref of [0, 2, "mean" as const]) {
      const options = { ...DEFAULT_OPTIONS, ref, interpReslice: 1 };
      const run = await openRun({ name: key, store, key }, zlibCompression, options);
      const raw = (await store.get(key))!;
      assertEquals(run.hash, await sha256Hex(raw), `${key}: hash of the raw bytes`);
      assertEquals(run.size, raw.length, `${key}: size`);
      const t = typeof ref === "number" ? ref : 0;
      assertEquals(
        Array.from(run.reference),
        Array.from(whole.data.subarray(t * N3, (t + 1) * N3)),
        `${key}: reference frame ${t}`,
      );
      assertEquals(run.layout.voxOffset, 352, `${key}: staged vox_offset`);
    }
  }
});

Deno.test("pass 2: the staged copy of a .nii.gz and of a pair is one .nii with the same voxels; pass 1 copies the same bytes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "realign-stage-" });
  const store = new LocalFolderStore(dir);
  const pair = buildPair({ ...spec, littleEndian: false });
  await store.put("p.hdr", pair.hdr);
  await store.put("p.img", pair.img);
  await store.put("s.nii.gz", await gzip(buildNifti({ ...spec, version: 2 })));
  const want = (await readNifti(buildNifti(spec), "want")).data;
  for (const key of ["p.img", "s.nii.gz"]) {
    const input = { name: key, store, key };
    // pass 1 with a staged copy (a store that can move objects stages in this one pass)
    const parts: Uint8Array[] = [];
    const copy = (b: Uint8Array) => (parts.push(b.slice()), Promise.resolve());
    const run = await openRun(input, zlibCompression, DEFAULT_OPTIONS, undefined, undefined, copy);
    await store.put(`staged/${key}.nii`, await stagedStream(input, zlibCompression, run.hash));
    const staged = (await store.get(`staged/${key}.nii`))!;
    const img = await readNifti(staged, "staged");
    assertEquals(img.header.voxOffset, run.layout.voxOffset, `${key}: vox_offset`);
    assertEquals(staged.length, run.layout.voxOffset + want.length * 2, `${key}: length`);
    assertEquals(Array.from(img.data), Array.from(want), `${key}: voxels`);
    const copied = new Uint8Array(staged.length);
    assertEquals(parts.reduce((o, p) => (copied.set(p, o), o + p.length), 0), staged.length);
    assertEquals(copied, staged, `${key}: pass 1's copy`);
  }
});

Deno.test("pass 2: an input that changed since pass 1 stores nothing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "realign-changed-" });
  const store = new LocalFolderStore(dir);
  await store.put("run.nii", buildNifti(spec));
  const input = { name: "run.nii", store, key: "run.nii" };
  const run = await openRun(input, zlibCompression, DEFAULT_OPTIONS);
  await store.put("run.nii", buildNifti({ ...spec, sclInter: 4 }));
  await assertRejects(
    async () => {
      await store.put("staged.nii", await stagedStream(input, zlibCompression, run.hash));
    },
    Error,
    "changed while it was being read",
  );
  const keys = (await listAll(store, "")).map((o) => o.key);
  assertEquals(keys, ["run.nii"]);
  assert(![...Deno.readDirSync(dir)].some((e) => e.name.endsWith(".part")), "no temporary file");
});

Deno.test("pass 1: a reference frame split over many small chunks is put back together", async () => {
  const dir = await Deno.makeTempDir({ prefix: "realign-chunks-" });
  const nii = buildNifti(spec);
  await new LocalFolderStore(dir).put("run.nii", nii);
  const whole = await readNifti(nii, "run.nii");
  // the same folder, but every stream arrives 13 bytes at a time
  class SmallChunks extends LocalFolderStore {
    override async getStream(key: string) {
      const bytes = await this.get(key);
      if (!bytes) return null;
      let o = 0;
      return new ReadableStream<Uint8Array>({
        pull(c) {
          if (o >= bytes.length) return c.close();
          c.enqueue(bytes.slice(o, o + 13));
          o += 13;
        },
      });
    }
  }
  const store = new SmallChunks(dir);
  for (const ref of [0, 1, 3]) {
    const run = await openRun({ name: "run.nii", store, key: "run.nii" }, zlibCompression, {
      ref,
    });
    assertEquals(
      Array.from(run.reference),
      Array.from(whole.data.subarray(ref * N3, (ref + 1) * N3)),
      `reference frame ${ref}`,
    );
  }
});
