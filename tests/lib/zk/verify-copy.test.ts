import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import {
  type CopyResult,
  copyTree,
  diffTrees,
  parseDigest,
  verifyCopy,
  type ZkSession,
} from "../../../lib/zk/index.ts";
import { startZooKeepers, stopZooKeepers, type ZooKeeperServer } from "../../harness/zookeeper.ts";
import { holdEphemeral, node, seed, session } from "./helpers.ts";

const readOnly = [{ perms: 1, scheme: "world", id: "anyone" }];
const alice = "alice:secret";

let servers: [ZooKeeperServer, ZooKeeperServer];
let source: ZkSession;
let target: ZkSession;

/** A small Pegasus-like tree under `root` on the source, with a held lock, copied to the target. */
async function copied(root: string): Promise<CopyResult> {
  await seed(source, [
    node(root, "cluster"),
    node(`${root}/apps`, "unlock"),
    node(`${root}/apps/t1`, '{"app_name":"t1"}'),
    node(`${root}/apps/t1/0`, '{"pid":"1.0"}'),
    node(`${root}/apps/t1/1`, '{"pid":"1.1"}'),
    node(`${root}/big`, randomBytes(300_000)),
    node(`${root}/empty`),
    node(`${root}/lock`),
  ]);
  await holdEphemeral(source, `${root}/lock/LOCKNODE`, "meta1:34601");
  return copyTree(source, target, { from: root, to: root });
}

beforeAll(async () => {
  servers = (await startZooKeepers(2)) as [ZooKeeperServer, ZooKeeperServer];
  source = await session(servers[0].connectString);
  target = await session(servers[1].connectString, { digest: parseDigest(alice) });
});

afterAll(async () => {
  await source?.close();
  await target?.close();
  await stopZooKeepers();
});

describe("verifyCopy", () => {
  test("a fresh copy verifies identical and the source unchanged, as diffTrees finds it", async () => {
    const copy = await copied("/v1");
    const check = await verifyCopy(source, target, copy, { to: "/v1" });
    const diff = await diffTrees(source, target, { from: "/v1", to: "/v1" });
    expect(check.identical).toBe(true);
    expect(check.unchanged?.unchanged).toBe(true);
    expect(check.unchanged?.nodes).toBe(diff.sourceNodes);
    expect(check.sourceNodes).toBe(diff.sourceNodes);
    expect(check.targetNodes).toBe(diff.targetNodes);
    expect(check.skippedEphemerals.source.map((e) => e.path)).toEqual([
      "/v1/lock/LOCKNODE0000000000",
    ]);
    expect(check.stamps?.target.size).toBe(diff.targetNodes);
  });

  test("target nodes changed after the copy (data, ACL, missing, extra) are reported as zk diff reports them", async () => {
    const copy = await copied("/v2");
    await target.multi(
      [
        { type: "setData", path: "/v2/apps/t1/0", data: Buffer.from('{"pid":"9.9"}'), version: -1 },
        { type: "setData", path: "/v2/big", data: Buffer.from("short"), version: -1 },
        { type: "delete", path: "/v2/apps/t1/1", version: -1 },
        { ...node("/v2/extra", "left over"), type: "create" },
      ],
      1000,
    );
    await target.setAcl("/v2/apps", readOnly, -1);
    const check = await verifyCopy(source, target, copy, { to: "/v2" });
    const diff = await diffTrees(source, target, { from: "/v2", to: "/v2" });
    expect(check.identical).toBe(false);
    expect(check.differences.map((d) => `${d.kind} ${d.path}`)).toEqual([
      "acl /apps",
      "data /apps/t1/0",
      "missing /apps/t1/1",
      "data /big",
      "extra /extra",
    ]);
    expect(check.differences).toEqual(diff.differences);
    expect(check.unchanged?.unchanged).toBe(true);
  });

  test("a target node whose ACL alone changed after the copy is reported (ACLs compared exactly, not by version)", async () => {
    const copy = await copied("/v3");
    const aliceAll = [{ perms: 31, scheme: "digest", id: parseDigest(alice).id }];
    await target.setAcl("/v3/empty", aliceAll, -1);
    const check = await verifyCopy(source, target, copy, { to: "/v3" });
    const diff = await diffTrees(source, target, { from: "/v3", to: "/v3" });
    expect(check.differences).toEqual(diff.differences);
    expect(check.differences.map((d) => `${d.kind} ${d.path}`)).toEqual(["acl /empty"]);
  });

  test("source nodes changed after the copy fail the proof, naming each path and change", async () => {
    const copy = await copied("/v4");
    await source.multi(
      [
        { type: "setData", path: "/v4/apps/t1/0", data: Buffer.from('{"pid":"1.0"}'), version: -1 },
        { type: "delete", path: "/v4/empty", version: -1 },
        { ...node("/v4/apps/t2", "new table"), type: "create" },
      ],
      1000,
    );
    await source.setAcl("/v4/apps/t1/1", readOnly, -1);
    const check = await verifyCopy(source, target, copy, { to: "/v4" });
    // The target still holds what was copied: the copy itself is right, the source moved on.
    expect(check.identical).toBe(true);
    expect(check.unchanged?.unchanged).toBe(false);
    expect(check.unchanged?.changes).toEqual([
      { path: "/v4/apps/t1/0", change: "data" },
      { path: "/v4/apps/t1/1", change: "acl" },
      { path: "/v4/apps/t2", change: "added" },
      { path: "/v4/empty", change: "removed" },
    ]);
  });

  test("a source node re-created with the same data after the copy fails the proof", async () => {
    const copy = await copied("/v5");
    await source.multi(
      [
        { type: "delete", path: "/v5/apps/t1/1", version: -1 },
        { ...node("/v5/apps/t1/1", '{"pid":"1.1"}'), type: "create" },
      ],
      1000,
    );
    const check = await verifyCopy(source, target, copy, { to: "/v5" });
    expect(check.identical).toBe(true);
    expect(check.unchanged?.changes).toEqual([{ path: "/v5/apps/t1/1", change: "recreated" }]);
  });
});
