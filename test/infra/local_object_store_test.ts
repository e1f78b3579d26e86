/**
 * The object store contract on the local folder adapter (a real temporary
 * folder), plus what only a folder has: no temporary file left behind.
 */
import { assertEquals, assertRejects } from "../helpers/assert.ts";
import { tempDir } from "../helpers/cli.ts";
import { failingStream, objectStoreContract, pattern } from "../helpers/object_store_contract.ts";
import { LocalFolderStore } from "../../infra/deno/local_object_store.ts";

objectStoreContract("local folder store", async () => {
  const dir = await tempDir("realign-store-");
  return {
    store: new LocalFolderStore(dir),
    pageSize: 1000,
    close: () => Deno.remove(dir, { recursive: true }),
  };
}, { bigStream: 3 * 1024 * 1024 + 12345 });

Deno.test("local folder store: a failed stream put leaves no temporary file", async () => {
  const dir = await tempDir("realign-store-");
  try {
    const store = new LocalFolderStore(dir);
    await store.put("d/keep", pattern(5));
    await store.put("d/cut", failingStream(pattern(300000), 65536)).catch(() => {});
    const names = [];
    for await (const e of Deno.readDir(`${dir}/d`)) names.push(e.name);
    assertEquals(names, ["keep"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("local folder store: move renames an object, replacing what was there", async () => {
  const dir = await tempDir("realign-store-");
  try {
    const store = new LocalFolderStore(dir);
    await store.put("tmp/a", pattern(1000));
    await store.put("jobs/x/staged", pattern(10));
    await store.move("tmp/a", "jobs/x/staged");
    assertEquals(await store.get("jobs/x/staged"), pattern(1000));
    assertEquals(await store.head("tmp/a"), null);
    await store.move("jobs/x/staged", "new/dir/b"); // its folder is made
    assertEquals(await store.get("new/dir/b"), pattern(1000));
    await assertRejects(() => store.move("tmp/none", "c"), Error, `no object "tmp/none"`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("local folder store: a put sweeps the folder's temporary files of dead writers", async () => {
  const dir = await tempDir("realign-store-");
  try {
    const store = new LocalFolderStore(dir);
    // a process that has exited: its pid is dead (and not reused this soon)
    const child = new Deno.Command("true").spawn();
    await child.status;
    await Deno.mkdir(`${dir}/staging`);
    const dead = `.a1b2.nii.${child.pid}-0123abcd.part`;
    const alive = `.c3d4.nii.1-89abcdef.part`; // pid 1 lives
    await Deno.writeFile(`${dir}/staging/${dead}`, pattern(10));
    await Deno.writeFile(`${dir}/staging/${alive}`, pattern(10));
    await store.put("staging/e5f6.nii", pattern(20)); // another name in the folder
    const names = [...Deno.readDirSync(`${dir}/staging`)].map((e) => e.name).sort();
    assertEquals(names, [alive, "e5f6.nii"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
