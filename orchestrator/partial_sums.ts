/**
 * Add the functions' per-slab partial sums (`shared/slab_stats.ts`: Float64
 * sum per voxel, then the count of frames covering it, …) into a mean volume.
 *
 * @module
 */
import type { RunLayout } from "../shared/job.ts";
import type { ObjectStore } from "../shared/ports/object_store.ts";

/** Mean over the frames that cover each voxel; 0 where none does. */
export async function sumPartials(
  objects: ObjectStore,
  layout: RunLayout,
  keys: string[],
): Promise<Float32Array> {
  const n3 = layout.dims[0] * layout.dims[1] * layout.dims[2];
  const sum = new Float64Array(n3);
  const count = new Float64Array(n3);
  for (const key of keys) {
    const bytes = await objects.get(key);
    if (!bytes || bytes.byteLength < 16 * n3) {
      throw new Error(`Cannot gather: partial sums ${key} are missing or of the wrong size`);
    }
    const part = new Float64Array(bytes.slice(0, 16 * n3).buffer);
    for (let i = 0; i < n3; i++) {
      sum[i]! += part[i]!;
      count[i]! += part[n3 + i]!;
    }
  }
  const mean = new Float32Array(n3);
  for (let i = 0; i < n3; i++) mean[i] = count[i]! > 0 ? sum[i]! / count[i]! : 0;
  return mean;
}
