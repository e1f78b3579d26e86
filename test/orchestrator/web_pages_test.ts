/**
 * The web pages as pure functions: escaping, the routes they answer, the
 * Content-Security-Policy nonce that lets only the page's own script run.
 * (The pages in a real browser: test/browser/web_page_test.ts.)
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { escapeHtml, indexPage, jobPage, webPage } from "../../orchestrator/web_pages.ts";

const get = (path: string, method = "GET") => webPage(new Request(`http://x${path}`, { method }));

Deno.test("escapeHtml replaces the five HTML metacharacters and nothing else", () => {
  assertEquals(
    escapeHtml(`<a href="x">'&'</a>`),
    "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;",
  );
  assertEquals(escapeHtml("sub-01_task-rest_bold.nii.gz ü €"), "sub-01_task-rest_bold.nii.gz ü €");
  assertEquals(escapeHtml("&amp;"), "&amp;amp;");
});

Deno.test("a hostile job id is text on the job page, never markup", () => {
  const id = `"><script>alert(1)</script><img src=x onerror=alert(2)>`;
  const html = jobPage(id, "n0nce");
  assertEquals(html.split("<script").length - 1, 1); // the page's own script only
  assert(html.includes(`<script nonce="n0nce">`), "the script carries the nonce");
  assert(!html.includes("<img"), "no tag from the id");
  assert(!html.includes("alert(1)</script>"), "no script from the id");
  const escaped = escapeHtml(id);
  assertEquals(html.split(escaped).length - 1, 4); // title, heading, job id, data-job
  assert(html.includes(`data-job="${escaped}"`), "the id reaches the script as an attribute");
});

Deno.test("the list page has the upload input, the jobs table and no outside URL", () => {
  const html = indexPage("abc");
  for (const id of ["file", "drop", "up-bar", "up-msg", "jobs-body", "token", "token-form"]) {
    assert(html.includes(`id="${id}"`), `element #${id}`);
  }
  assert(!/(?:src|href)="(?:https?:)?\/\//.test(html), "nothing loaded from elsewhere");
  assert(!/https?:\/\//.test(html), "no absolute URL at all");
});

Deno.test("webPage answers / and /jobs/<id>, with a fresh nonce in the CSP and the script", async () => {
  const a = get("/")!;
  const b = get("/")!;
  assertEquals(a.status, 200);
  assertEquals(a.headers.get("content-type"), "text/html; charset=utf-8");
  const nonceOf = (r: Response) =>
    /script-src 'nonce-([A-Za-z0-9+/=]+)'/.exec(r.headers.get("content-security-policy") ?? "")
      ?.[1];
  const na = nonceOf(a)!, nb = nonceOf(b)!;
  assertEquals(na.length, 24); // 16 bytes, base64
  assert(na !== nb, "a new nonce per response");
  assert((await a.text()).includes(`<script nonce="${na}">`), "the script has the CSP's nonce");
  assert(
    (a.headers.get("content-security-policy") ?? "").includes("default-src 'none'"),
    "everything else is denied by default",
  );

  const job = get("/jobs/0123abcd")!;
  assertEquals(job.status, 200);
  assert((await job.text()).includes(`data-job="0123abcd"`), "the job page names its job");
  const encoded = get(`/jobs/${encodeURIComponent("a<b")}`)!;
  assert((await encoded.text()).includes(`data-job="a&lt;b"`), "decoded, then escaped");

  assertEquals(get("/v1/jobs"), null);
  assertEquals(get("/nope"), null);
  assertEquals(get("/", "POST")!.status, 405);
  assertEquals(get("/jobs/%E0%A4%A")!.status, 404); // not valid URL encoding
  assertEquals(get("/jobs/")!.status, 404);
  assertEquals(get("/jobs/a/b")!.status, 404);
  assertEquals(get("/favicon.ico")!.status, 204);
  await b.body?.cancel();
});
