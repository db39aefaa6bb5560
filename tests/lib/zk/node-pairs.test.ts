import { describe, expect, test } from "bun:test";
import { openAcl } from "../../../lib/zk/jute.ts";
import { NodePairs } from "../../../lib/zk/node-pairs.ts";
import type { ZNode } from "../../../lib/zk/node-type.ts";
import { freshStat } from "./helpers.ts";

const node = (path: string, data = `data of ${path}`): ZNode => ({
  path,
  data: Buffer.from(data),
  acl: [...openAcl],
  type: "persistent",
  stat: freshStat(data.length),
});

/** Feeds `count` nodes of one side, under a branch the other side has not reached. */
function feed(pairs: NodePairs, side: "source" | "target", branch: string, to: number, from = 0) {
  for (let i = from; i < to; i++) pairs.see(side, "/a", node(`/a/${branch}/${i}`));
}

describe("NodePairs", () => {
  test("when both walks run far ahead in different branches, exactly one of them is held back", () => {
    const pairs = new NodePairs(200);
    const source = pairs.gate("source");
    const target = pairs.gate("target");
    feed(pairs, "source", "x", 250);
    expect(source.blocked()).toBe(true);
    expect(target.blocked()).toBe(false);
    feed(pairs, "target", "y", 300);
    // Both hold more than their share: the one holding more waits, the other goes on.
    expect(target.blocked()).toBe(true);
    expect(source.blocked()).toBe(false);
    pairs.finished("source");
    expect(target.blocked()).toBe(false);
  });

  test("a held-back walk resumes once the other walk brings the twins of what it holds", async () => {
    const pairs = new NodePairs(200);
    const source = pairs.gate("source");
    feed(pairs, "source", "x", 250);
    let resumed = false;
    const drained = source.drained().then(() => {
      resumed = true;
    });
    feed(pairs, "target", "x", 40);
    await new Promise(setImmediate);
    expect(source.blocked()).toBe(true);
    expect(resumed).toBe(false);
    feed(pairs, "target", "x", 250, 40);
    await drained;
    expect(resumed).toBe(true);
    expect(pairs.finish()).toEqual([]);
  });

  test("nodes compared through their digests still show every difference of data, size and ACL", () => {
    const pairs = new NodePairs();
    pairs.see("source", "/a", node("/a", "same"));
    pairs.see("target", "/b", node("/b", "same"));
    pairs.see("source", "/a", node("/a/data", "one value"));
    pairs.see("target", "/b", node("/b/data", "another v"));
    pairs.see("target", "/b", node("/b/size", "longer data"));
    pairs.see("source", "/a", node("/a/size", "short"));
    pairs.see("source", "/a", { ...node("/a/acl", "x"), acl: [] });
    pairs.see("target", "/b", node("/b/acl", "x"));
    pairs.see("source", "/a", node("/a/missing"));
    pairs.see("target", "/b", node("/b/extra"));
    expect(pairs.finish().map((d) => `${d.kind} ${d.path}`)).toEqual([
      "acl /acl",
      "data /data",
      "extra /extra",
      "missing /missing",
      "data /size",
    ]);
  });
});
