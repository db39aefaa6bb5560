import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Acl,
  copyTree,
  diffTrees,
  KnownAcls,
  VerifiedTarget,
  verifyCopy,
  walkContent,
  type ZkSession,
  type ZNode,
} from "../../../lib/zk/index.ts";
import { startZooKeepers, stopZooKeepers, type ZooKeeperServer } from "../../harness/zookeeper.ts";
import { node, seed, session } from "./helpers.ts";

const readOnly: Acl[] = [{ perms: 1, scheme: "world", id: "anyone" }];
const readWrite: Acl[] = [{ perms: 15, scheme: "world", id: "anyone" }];
const fake: Acl[] = [{ perms: 31, scheme: "ip", id: "10.9.8.7" }];

let servers: [ZooKeeperServer, ZooKeeperServer];
let source: ZkSession;
let target: ZkSession;

async function seedTree(root: string): Promise<void> {
  await seed(source, [
    node(root, "cluster"),
    node(`${root}/apps`, "unlock"),
    { ...node(`${root}/apps/t1`, '{"app_name":"t1"}'), acl: readWrite },
    node(`${root}/apps/t1/0`, '{"pid":"1.0"}'),
    node(`${root}/apps/t1/1`, '{"pid":"1.1"}'),
    node(`${root}/apps/t2`, '{"app_name":"t2"}'),
  ]);
}

async function readAll(zk: ZkSession, root: string, known?: KnownAcls) {
  const nodes: Record<string, { data: string; acl: Acl[] }> = {};
  await walkContent(
    zk,
    root,
    (n: ZNode) => {
      nodes[n.path] = { data: n.data.toString(), acl: n.acl };
    },
    { knownAcls: known },
  );
  return nodes;
}

beforeAll(async () => {
  servers = (await startZooKeepers(2)) as [ZooKeeperServer, ZooKeeperServer];
  source = await session(servers[0].connectString);
  target = await session(servers[1].connectString);
});

afterAll(async () => {
  await source?.close();
  await target?.close();
  await stopZooKeepers();
});

describe("KnownAcls", () => {
  test("a walk uses a known ACL only while the node's czxid and aversion pin it", async () => {
    await seedTree("/k1");
    const copy = await copyTree(source, target, { from: "/k1", to: "/k1" });
    const known = copy.sourceAcls;
    // A recorded ACL that differs from the server's shows which one the walk delivered.
    const row = known.stamps.rowOf("/k1/apps/t1/0");
    known.record(row, fake);
    expect((await readAll(source, "/k1", known))["/k1/apps/t1/0"]?.acl).toEqual(fake);
    await source.setAcl("/k1/apps/t1/0", readOnly, -1);
    expect((await readAll(source, "/k1", known))["/k1/apps/t1/0"]?.acl).toEqual(readOnly);

    known.record(row, fake);
    known.stamps.set("/k1/apps/t1/0", {
      ...(known.stamps.get("/k1/apps/t1/0") as NonNullable<ReturnType<typeof known.stamps.get>>),
      aversion: 1,
    });
    expect((await readAll(source, "/k1", known))["/k1/apps/t1/0"]?.acl).toEqual(fake);
    await source.delete("/k1/apps/t1/0", -1);
    await seed(source, [{ ...node("/k1/apps/t1/0", "again"), acl: readWrite }]);
    // Re-created: a new czxid, so the server is asked even though the aversion is 0 again.
    expect((await readAll(source, "/k1", known))["/k1/apps/t1/0"]).toEqual({
      data: "again",
      acl: readWrite,
    });
  });

  test("with every ACL known, a walk delivers exactly what a full walk delivers after changes", async () => {
    await seedTree("/k2");
    const copy = await copyTree(source, target, { from: "/k2", to: "/k2" });
    await source.setAcl("/k2/apps/t2", readOnly, -1);
    await source.multi(
      [
        { type: "setData", path: "/k2/apps/t1/1", data: Buffer.from("new data"), version: -1 },
        { ...node("/k2/apps/t1/2", "added"), acl: readWrite, type: "create" },
      ],
      1000,
    );
    expect(await readAll(source, "/k2", copy.sourceAcls)).toEqual(await readAll(source, "/k2"));
  });

  test("a re-copy and verification with known ACLs carry every change and prove the trees identical", async () => {
    await seedTree("/k3");
    const first = await copyTree(source, target, { from: "/k3", to: "/k3" });
    const verified = await verifyCopy(source, target, first, { to: "/k3" });
    expect(verified.identical && verified.unchanged?.unchanged).toBe(true);
    await source.setAcl("/k3/apps/t2", readOnly, -1);
    await source.setAcl("/k3/apps", readWrite, -1);
    await source.delete("/k3/apps/t1/0", -1);
    await seed(source, [{ ...node("/k3/apps/t1/0", "re-created"), acl: readWrite }]);
    await source.multi(
      [
        { type: "setData", path: "/k3/apps/t1/1", data: Buffer.from("new data"), version: -1 },
        { ...node("/k3/apps/t3", "added"), acl: readOnly, type: "create" },
      ],
      1000,
    );
    const again = await copyTree(source, target, {
      from: "/k3",
      to: "/k3",
      overwrite: true,
      mirror: true,
      knownAcls: { source: first.sourceAcls, target: verified.targetAcls },
    });
    expect(again.created).toBe(1);
    const check = await verifyCopy(source, target, again, {
      to: "/k3",
      knownAcls: verified.targetAcls,
    });
    expect(check.differences).toEqual([]);
    expect(check.unchanged?.unchanged).toBe(true);
    const independent = await diffTrees(source, target, { from: "/k3", to: "/k3" });
    expect(independent.differences).toEqual([]);
    expect((await target.acl("/k3/apps/t2"))?.acl).toEqual(readOnly);
  });

  test("saved and loaded, they answer the same; another ensemble or root cannot use them", async () => {
    await seedTree("/k4");
    const copy = await copyTree(source, target, { from: "/k4", to: "/k4" });
    const file = join(mkdtempSync(join(tmpdir(), "known-acls-")), "source.txt");
    copy.sourceAcls.save(file);
    const loaded = KnownAcls.load(file);
    expect(loaded.stamps.size).toBe(copy.sourceStamps.size);
    for (const [path, stamp] of copy.sourceStamps.entries()) {
      const stat = { czxid: stamp.czxid, aversion: stamp.aversion } as Parameters<
        KnownAcls["aclOf"]
      >[1];
      expect(loaded.aclOf(path, stat)).toEqual(copy.sourceAcls.aclOf(path, stat) as Acl[]);
    }
    expect(loaded.aclOf("/k4/apps/t1", { czxid: 1n, aversion: 0 } as never)).toBeUndefined();
    expect(loaded.usableFor(source, "/k4")).toBe(loaded);
    expect(loaded.usableFor(target, "/k4")).toBeUndefined();
    expect(loaded.usableFor(source, "/k4/apps")).toBeUndefined();
    await Bun.write(file, "not a known-ACLs file\n");
    expect(() => KnownAcls.load(file)).toThrow(/not a known-ACLs file/);
  });
});

/** Copies and verifies `root`, changes the source, then copies again over the verified target. */
async function recopy(root: string, useVerified: boolean) {
  await seedTree(root);
  const first = await copyTree(source, target, { from: root, to: root });
  const check = await verifyCopy(source, target, first, { to: root });
  expect(check.identical).toBe(true);
  const verified = VerifiedTarget.of({ ...first, targetAcls: check.targetAcls });
  expect(verified).not.toBeNull();
  await source.multi(
    [
      { type: "setData", path: `${root}/apps/t1/1`, data: Buffer.from("moved"), version: -1 },
      { type: "delete", path: `${root}/apps/t2`, version: -1 },
      { ...node(`${root}/apps/t3`, "new"), type: "create" },
    ],
    1000,
  );
  await source.setAcl(`${root}/apps/t1/0`, readOnly, -1);
  const again = await copyTree(source, target, {
    from: root,
    to: root,
    overwrite: true,
    mirror: true,
    ...(useVerified ? { targetNodes: verified as VerifiedTarget } : {}),
  });
  const diff = await diffTrees(source, target, { from: root, to: root });
  return { again, diff };
}

describe("VerifiedTarget", () => {
  test("a copy over the target a verification described writes what a copy reading the target writes", async () => {
    const known = await recopy("/vt1", true);
    const read = await recopy("/vt2", false);
    expect(known.diff.differences).toEqual([]);
    expect(read.diff.differences).toEqual([]);
    const counts = (r: typeof known.again) => [
      r.created,
      r.updated,
      r.aclsSet,
      r.deleted,
      r.unchanged,
    ];
    expect(counts(known.again)).toEqual([1, 1, 1, 1, 3]);
    expect(counts(known.again)).toEqual(counts(read.again));
  });
});
