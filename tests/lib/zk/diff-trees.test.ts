import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { parseDigest, type ZkSession } from "../../../lib/zk/index.ts";
import { startZooKeepers, stopZooKeepers, type ZooKeeperServer } from "../../harness/zookeeper.ts";
import { cli, node, seed, session } from "./helpers.ts";

const alice = "alice:secret";
const aliceOnly = [{ perms: 31, scheme: "digest", id: parseDigest(alice).id }];

let source: ZooKeeperServer;
let target: ZooKeeperServer;
let owner: ZkSession;

beforeAll(async () => {
  [source, target] = (await startZooKeepers(2)) as [ZooKeeperServer, ZooKeeperServer];
  owner = await session(target.connectString, { digest: parseDigest(alice) });
  const plain = await session(source.connectString);
  const tree = [node("/d"), node("/d/a", "one"), node("/d/a/deep", "two"), node("/d/b", "three")];
  await seed(plain, tree);
  await plain.close();
  await seed(owner, tree);
  // Only alice may read /d/a on the target: an anonymous reader gets NoAuth there.
  await owner.setAcl("/d/a", aliceOnly, 0);
});

afterAll(async () => {
  await owner?.close();
  await stopZooKeepers();
});

describe("zk diff", () => {
  test("zk diff exits 2 naming the path and the side when one side answers NoAuth (it used to hang)", async () => {
    const run = await cli([
      "zk",
      "diff",
      `${source.connectString}/d`,
      `${target.connectString}/d`,
      "--timeout",
      "20s",
    ]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain("/d/a");
    expect(run.stderr).toContain("target");
    expect(run.stderr).toMatch(/not authori[sz]ed|NoAuth|no auth/i);
    expect(run.stderr).toContain("PZM_TARGET_ZK_DIGEST");
  });

  test("zk diff with the target's credentials compares the protected node", async () => {
    const run = await cli(
      ["zk", "diff", `${source.connectString}/d`, `${target.connectString}/d`],
      { PZM_TARGET_ZK_DIGEST: alice },
    );
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain("acl     /a");
  });
});
