import { describe, expect, test } from "bun:test";
import { compareStamps, type Stamp, TreeStamps } from "../../../lib/zk/index.ts";

const stamp = (n: number, type: Stamp["type"] = "persistent"): Stamp => ({
  czxid: BigInt(n),
  mzxid: BigInt(n + 1),
  version: n % 7,
  aversion: n % 3,
  type,
});

/** A Pegasus-shaped list of paths: tables × partitions under `root`. */
function paths(root: string, tables: number, partitions: number): string[] {
  const list = [root, `${root}/apps`];
  for (let t = 1; t <= tables; t++) {
    list.push(`${root}/apps/${t}`);
    for (let p = 0; p < partitions; p++) list.push(`${root}/apps/${t}/${p}`);
  }
  return list;
}

describe("TreeStamps", () => {
  test("TreeStamps keeps 20,000 nodes through several rehashes and finds each by path", () => {
    const all = paths("/pegasus/c1", 78, 256);
    const stamps = new TreeStamps("/pegasus/c1");
    for (const [i, path] of all.entries()) stamps.set(path, stamp(i));
    expect(stamps.size).toBe(all.length);
    for (const [i, path] of all.entries()) expect(stamps.get(path)).toEqual(stamp(i));
    expect([...stamps.entries()].map(([path]) => path)).toEqual(all);
  });

  test("TreeStamps answers undefined for paths it lacks, outside its root or sharing a prefix", () => {
    const stamps = new TreeStamps("/pegasus/c1");
    for (const path of paths("/pegasus/c1", 3, 4)) stamps.set(path, stamp(1));
    for (const path of [
      "/pegasus/c10",
      "/pegasus/c1/apps/1/4",
      "/pegasus/c1/apps/12",
      "/",
      "/pegasus",
      "/pegasus/c1/app",
    ]) {
      expect(stamps.has(path)).toBe(false);
    }
    expect(stamps.has("/pegasus/c1/apps/3/3")).toBe(true);
  });

  test("TreeStamps rooted at / and nodes added before their parent", () => {
    const stamps = new TreeStamps("/");
    stamps.set("/a/b/c", stamp(3));
    stamps.set("/", stamp(0));
    stamps.set("/a", stamp(1));
    stamps.set("/a/b", stamp(2));
    expect(stamps.get("/a/b/c")).toEqual(stamp(3));
    expect(stamps.get("/")).toEqual(stamp(0));
    expect([...stamps.entries()].map(([p]) => p)).toEqual(["/a/b/c", "/", "/a", "/a/b"]);
  });

  test("compareStamps() maps one root onto another and names every kind of change", () => {
    const before = new TreeStamps("/old");
    const now = new TreeStamps("/new");
    for (const [i, rel] of ["", "/same", "/data", "/acl", "/gone", "/again"].entries()) {
      before.set(`/old${rel}`, stamp(i));
    }
    now.set("/new", stamp(0));
    now.set("/new/same", stamp(1));
    now.set("/new/data", { ...stamp(2), mzxid: 99n, version: 5 });
    now.set("/new/acl", { ...stamp(3), aversion: 9 });
    now.set("/new/again", { ...stamp(5), czxid: 77n });
    now.set("/new/born", stamp(6));
    expect(compareStamps(before, now)).toEqual([
      { path: "/old/acl", change: "acl" },
      { path: "/old/again", change: "recreated" },
      { path: "/old/born", change: "added" },
      { path: "/old/data", change: "data" },
      { path: "/old/gone", change: "removed" },
    ]);
  });
});
