/**
 * Path helpers for the CLI: paths on the command line are the caller's
 * (`INIT_CWD` under `deno task`), not the project folder's.
 *
 * @module
 */

/** `p` made absolute against `cwd`, with `.` and `..` segments resolved. */
export function absolutePath(cwd: string, p: string): string {
  const joined = p.startsWith("/") ? p : `${cwd.replace(/\/+$/, "")}/${p}`;
  const out: string[] = [];
  for (const seg of joined.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") out.pop();
    else out.push(seg);
  }
  return `/${out.join("/")}`;
}

/** The folder part of an absolute path. */
export function dirnameOf(p: string): string {
  const i = p.lastIndexOf("/");
  return i <= 0 ? "/" : p.slice(0, i);
}
