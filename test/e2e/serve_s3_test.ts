/**
 * `deno task serve --bucket s3://…` as a real server process on a free port,
 * with a real S3-compatible server (s3rver, a Node subprocess) as its bucket
 * and a real Deno KV file: the sample run PUT through `/v1/inbox/…` is done,
 * its outputs are downloaded through `/v1/objects/…` and lie in the S3
 * bucket (nothing in the local objects folder), and the motion parameters
 * match the CLI's within 1e-4 mm. Every server started is stopped.
 */
import { assert, assertClose, assertEquals } from "../helpers/assert.ts";
import { ROOT, SAMPLE, tempDir } from "../helpers/cli.ts";
import { assertSameBytes } from "../helpers/object_store_contract.ts";
import { startS3Server } from "../helpers/s3_server.ts";
import { startServer } from "../helpers/server.ts";
import type { JobStatus } from "../../orchestrator/job_service.ts";
import { parseRpText } from "../../shared/motion/motion_files.ts";
import { listAll } from "../../shared/ports/object_store.ts";
import { S3ObjectStore } from "../../infra/deno/s3_object_store.ts";

const TOKEN = "e2e-s3-token";
const NAME = "real_fmri_17x21x3x20.nii.gz";

/** The CLI's `_rp.txt` for the sample with `--ref mean`. */
async function cliRp(dir: string): Promise<Uint8Array> {
  await Deno.copyFile(SAMPLE, `${dir}/${NAME}`);
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--unstable-kv", `${ROOT}/infra/deno/main.ts`, NAME, "--ref", "mean"]
      .concat(["--workers", "1", "--out", "out", "--store", "s", "--json"]),
    cwd: ROOT,
    env: { NO_COLOR: "1", INIT_CWD: dir },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  assertEquals(r.code, 0, dec.decode(r.stderr));
  return await Deno.readFile(JSON.parse(dec.decode(r.stdout)).outputs.rp);
}

Deno.test("serve with an S3 bucket: upload, done, download → the CLI's parameters; objects in S3", async () => {
  const dir = await tempDir("realign-serve-s3-");
  const s3 = await startS3Server();
  const peek = new S3ObjectStore(s3.config("svc/realign"));
  let server: Awaited<ReturnType<typeof startServer>> | null = null;
  try {
    const [ref] = await Promise.all([
      cliRp(dir),
      startServer(
        "infra/deno/serve.ts",
        ["--store", `${dir}/store`, "--bucket", `s3://${s3.bucket}/svc/realign`]
          .concat(["--workers", "2", "--no-watch", "--cron", "off"]),
        { REALIGN_TOKEN: TOKEN, ...s3.env() },
      ).then((s) => (server = s)),
    ]);
    const s = server!;
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${s.url}${path}`, { ...init, headers: { authorization: `Bearer ${TOKEN}` } });

    const sample = await Deno.readFile(SAMPLE);
    const put = await api(`/v1/inbox/${NAME}?ref=mean`, { method: "PUT", body: sample });
    assertEquals(put.status, 202, s.log());
    const { job } = await put.json();
    let st: JobStatus;
    const until = Date.now() + 60000;
    for (;;) {
      st = await (await api(`/v1/jobs/${job}`)).json();
      if (st.state === "done" || st.state === "failed") break;
      if (Date.now() > until) throw new Error(`job ${job} still ${st.state}:\n${s.log()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    assertEquals(st.state, "done", JSON.stringify(st.error));

    const rp = await api(`/v1/objects/${st.outputs.rp}`);
    assertEquals(rp.status, 200);
    const got = parseRpText(await rp.text());
    const want = parseRpText(new TextDecoder().decode(ref));
    assertEquals(got.length, 20);
    assertEquals(want.length, 20);
    for (let t = 0; t < 20; t++) {
      for (let k = 0; k < 6; k++) {
        assertClose(got[t]![k]!, want[t]![k]!, 1e-4, `frame ${t} [${k}]`);
      }
    }
    // the sample really moves: the comparison is not of zeros with zeros
    assert(want.some((row) => Math.abs(row[0]!) > 1e-3), "the sample moves");

    // the bytes served are the bytes in the S3 bucket; the local folder holds none
    const realigned = await api(`/v1/objects/${st.outputs.realigned}`);
    assertEquals(realigned.status, 200);
    assertSameBytes(
      new Uint8Array(await realigned.arrayBuffer()),
      (await peek.get(st.outputs.realigned!))!,
      "realigned image from S3",
    );
    const keys = (await listAll(peek, "")).map((o) => o.key);
    assert(keys.includes(`inbox/${NAME}`), `input in S3: ${keys.join(" ")}`);
    assert(keys.includes(st.outputs.rp!), "rp in S3");
    assert(keys.some((k) => k.startsWith(`jobs/${job}/`)), "job data in S3");
    const local = await Array.fromAsync(Deno.readDir(`${dir}/store/objects`)).catch(() => []);
    assertEquals(local.map((e) => e.name), []);
  } finally {
    peek.close();
    await (server as Awaited<ReturnType<typeof startServer>> | null)?.stop();
    await s3.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
