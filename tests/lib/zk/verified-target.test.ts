import { afterAll, beforeAll, expect, test } from "bun:test";
import {
  type Acl,
  copyTree,
  diffTrees,
  VerifiedTarget,
  verifyCopy,
  type ZkSession,
} from "../../../lib/zk/index.ts";
import { startZooKeepers, stopZooKeepers, type ZooKeeperServer } from "../../harness/zookeeper.ts";
import { node, seed, session } from "./helpers.ts";

const readOnly: Acl[] = [{ perms: 1, scheme: "world", id: "anyone" }];

let servers: [ZooKeeperServer, ZooKeeperServer];
let source: ZkSession;
let target: ZkSession;

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

/** Copies and verifies `root`, changes the source, then copies again over the verified target. */
async function recopy(root: string, useVerified: boolean) {
  await seed(source, [
    node(root, "cluster"),
    node(`${root}/apps`, "unlock"),
    node(`${root}/apps/t1`, '{"app_name":"t1"}'),
    node(`${root}/apps/t1/0`, '{"pid":"1.0"}'),
    node(`${root}/apps/t1/1`, '{"pid":"1.1"}'),
    node(`${root}/apps/t2`, '{"app_name":"t2"}'),
    node(`${root}/apps/t2/0`, '{"pid":"2.0"}'),
  ]);
  const first = await copyTree(source, target, { from: root, to: root });
  const check = await verifyCopy(source, target, first, { to: root });
  expect(check.identical).toBe(true);
  const verified = VerifiedTarget.of({ ...first, targetAcls: check.targetAcls });
  expect(verified).not.toBeNull();
  await source.multi(
    [
      { type: "setData", path: `${root}/apps/t1/1`, data: Buffer.from("moved"), version: -1 },
      { type: "delete", path: `${root}/apps/t2/0`, version: -1 },
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
  expect(counts(known.again)).toEqual([1, 1, 1, 2, 3]);
  expect(counts(known.again)).toEqual(counts(read.again));
});
