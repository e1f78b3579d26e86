/**
 * frameChunks on a real folder store: whole frames `start..end` in order,
 * their bytes as stored, chunks of at most CHUNK_BYTES; the next chunk is
 * requested before the caller gets the current one (read-ahead); a missing
 * staged object is named in the error.
 */
import { assert, assertEquals, assertRejects } from "../helpers/assert.ts";
import { LocalFolderStore } from "../../infra/deno/local_object_store.ts";
import { CHUNK_BYTES, frameChunks } from "../../functions/read_frames.ts";
import type { RunLayout } from "../../shared/job.ts";
import type { ByteRange } from "../../shared/ports/object_store.ts";

// 40×40×41 int16 frames: 131 200 bytes, so a chunk holds 15 frames
const dims: [number, number, number] = [40, 40, 41];
const NT = 37, OFFSET = 352;
const frameBytes = dims[0] * dims[1] * dims[2] * 2;
const run: RunLayout = {
  dims: [...dims, NT],
  datatype: 4,
  bytesPerVoxel: 2,
  littleEndian: true,
  voxOffset: OFFSET,
  slope: 1,
  inter: 0,
  affine: [2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1],
  voxelSize: [2, 2, 2],
};
const bytes = Uint8Array.from({ length: OFFSET + NT * frameBytes }, (_, i) => (i * 31 + 7) % 251);

/** The folder store, recording each range request when it is made. */
class RecordingStore extends LocalFolderStore {
  requests: ByteRange[] = [];
  override get(key: string, range?: ByteRange) {
    if (range) this.requests.push(range);
    return super.get(key, range);
  }
}

Deno.test("frameChunks: frames start..end in order, as stored, read one chunk ahead", async () => {
  const dir = await Deno.makeTempDir({ prefix: "realign-chunks-" });
  try {
    const store = new RecordingStore(dir);
    await store.put("staged.nii", bytes);
    const per = Math.floor(CHUNK_BYTES / frameBytes);
    assertEquals(per, 15);
    const seen: number[] = [];
    const requestedWhenGiven: number[] = [];
    for await (const c of frameChunks(store, "staged.nii", run, 3, 35)) {
      requestedWhenGiven.push(store.requests.length);
      assert(c.count >= 1 && c.count <= per, `chunk of ${c.count} frames`);
      assertEquals(c.bytes.length, c.count * frameBytes);
      for (let k = 0; k < c.count; k++) {
        const t = c.first + k;
        seen.push(t);
        const at = OFFSET + t * frameBytes;
        assertEquals(
          c.bytes.subarray(k * frameBytes, (k + 1) * frameBytes),
          bytes.subarray(at, at + frameBytes),
        );
      }
    }
    assertEquals(seen, Array.from({ length: 32 }, (_, i) => 3 + i));
    // chunks 3–17, 18–32, 33–34: when the first and second are handed over the next is requested
    assertEquals(requestedWhenGiven, [2, 3, 3]);
    // a caller that stops early leaves no read behind it unhandled
    for await (const _ of frameChunks(store, "staged.nii", run, 0, NT)) break;
    await assertRejects(
      async () => {
        for await (const _ of frameChunks(store, "missing.nii", run, 0, 2)) { /* none */ }
      },
      Error,
      "staged run missing.nii is missing",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("frameChunks: chunks land in the caller's two buffers in turn; a caller that stops waits for the read ahead", async () => {
  const dir = await Deno.makeTempDir({ prefix: "realign-chunks-into-" });
  try {
    // the folder store, each range read finishing 20 ms late, noting when it is done
    let pending = 0;
    const store = new (class extends LocalFolderStore {
      override async get(key: string, range?: ByteRange) {
        pending++;
        await new Promise((r) => setTimeout(r, 20));
        try {
          return await super.get(key, range);
        } finally {
          pending--;
        }
      }
    })(dir);
    await store.put("staged.nii", bytes);
    const per = Math.floor(CHUNK_BYTES / frameBytes);
    const bufs = [new Uint8Array(per * frameBytes), new Uint8Array(per * frameBytes)];
    const slots: number[] = [];
    const buffers = (slot: number, count: number) => {
      slots.push(slot);
      return bufs[slot & 1]!.subarray(0, count * frameBytes);
    };
    let k = 0;
    for await (const c of frameChunks(store, "staged.nii", run, 0, NT, { ms: 0 }, buffers)) {
      assertEquals(c.bytes.buffer, bufs[k++ & 1]!.buffer, `chunk ${k} is in buffer ${(k - 1) & 1}`);
      const at = OFFSET + c.first * frameBytes;
      assertEquals(c.bytes, bytes.subarray(at, at + c.count * frameBytes));
    }
    assertEquals(slots, [0, 1, 2].slice(0, Math.ceil(NT / per)));
    // stopped after the first chunk: the second chunk's read has landed when the loop is left
    for await (const _ of frameChunks(store, "staged.nii", run, 0, NT, { ms: 0 }, buffers)) {
      assertEquals(pending, 1, "the next chunk is being read");
      break;
    }
    assertEquals(pending, 0, "no read is left writing into a buffer the caller may reuse");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
