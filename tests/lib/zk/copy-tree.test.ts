import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { PreconditionFailed } from "../../../lib/errors.ts";
import { CreateFlags, copyTree, parseDigest, type ZkSession } from "../../../lib/zk/index.ts";
import { startZooKeepers, stopZooKeepers, type ZooKeeperServer } from "../../harness/zookeeper.ts";
import {
  cli,
  holdEphemeral,
  node,
  readWithSecondClient,
  resultOf,
  seed,
  session,
} from "./helpers.ts";

const alice = "alice:secret";
const aliceId = parseDigest(alice).id;
const auth = { PZM_SOURCE_ZK_DIGEST: alice, PZM_TARGET_ZK_DIGEST: alice };
const big = randomBytes(1_000_000);

let source: ZooKeeperServer;
let target: ZooKeeperServer;
let holder: ZkSession;

beforeAll(async () => {
  [source, target] = (await startZooKeepers(2)) as [ZooKeeperServer, ZooKeeperServer];
  holder = await session(source.connectString, { digest: parseDigest(alice) });
  await seed(holder, [
    node("/t1", "root data"),
    node("/t1/big", big),
    node("/t1/binary", Buffer.from(Array.from({ length: 256 }, (_, i) => i))),
    node("/t1/empty"),
    node("/t1/readonly"),
    node("/t1/readonly/kid", "under a read-only parent"),
    node("/t1/lock"),
    {
      type: "create",
      path: "/t1/private",
      data: Buffer.from("alice only"),
      acl: [
        { perms: 31, scheme: "digest", id: aliceId },
        { perms: 1, scheme: "world", id: "anyone" },
      ],
      flags: 0,
    },
    node("/t1/container", "", CreateFlags.container),
    node("/t1/container/item", "keeps the container alive"),
    node("/t1/ttl", "expires", CreateFlags.persistentWithTtl, 3_600_000),
  ]);
  await holder.setAcl("/t1/readonly", [{ perms: 1, scheme: "world", id: "anyone" }], 0);
  await holdEphemeral(holder, "/t1/lock/LOCKNODE", "meta1:34601");
});

afterAll(async () => {
  await holder?.close();
  await stopZooKeepers();
});

describe("zk copy", () => {
  test("zk copy copies 1 MB data, ACLs, container and TTL nodes with their subtrees, skips the ephemeral; diff and a second client agree", async () => {
    const src = `${source.connectString}/t1`;
    const dst = `${target.connectString}/copied/t1`;
    const copy = await cli(["zk", "copy", src, dst, "--json"], auth);
    expect(copy.exitCode).toBe(0);
    const result = resultOf(copy);
    expect(result.createdParents).toEqual(["/copied"]);
    expect(result.created).toBe(11);
    expect(result.skippedEphemerals).toEqual([
      {
        path: "/t1/lock/LOCKNODE0000000000",
        owner: expect.stringMatching(/^0x[0-9a-f]{16}$/),
        data: "meta1:34601",
      },
    ]);

    const diff = await cli(["zk", "diff", src, dst, "--json"], auth);
    expect(diff.exitCode).toBe(0);
    const compared = resultOf(diff);
    expect(compared.identical).toBe(true);
    expect(compared.sourceNodes).toBe(11);
    expect((compared.skippedEphemerals as { source: unknown[] }).source).toHaveLength(1);

    const before = await readWithSecondClient(source.connectString, "/t1", alice);
    const after = await readWithSecondClient(target.connectString, "/copied/t1", alice);
    const relative = (m: Map<string, unknown>, prefix: string) =>
      [...m.keys()].map((p) => p.slice(prefix.length) || "/");
    expect(relative(after, "/copied/t1")).toEqual(
      relative(before, "/t1").filter((p) => !p.startsWith("/lock/LOCKNODE")),
    );
    for (const [path, seen] of after) {
      const original = before.get(path.replace("/copied/t1", "/t1"));
      expect(seen.data.equals(original?.data ?? Buffer.alloc(1))).toBe(true);
      expect(seen.acl).toEqual(original?.acl ?? []);
      expect(seen.ephemeralOwner).toBe(original?.ephemeralOwner ?? -1n);
    }
    expect(after.get("/copied/t1/big")?.data.length).toBe(1_000_000);
    // ZooKeeper ≥ 3.5.4 reports ephemeralOwner 0 for containers and TTL nodes, so they read (and
    // are copied) as persistent; what matters is that the container's subtree is not dropped.
    expect(after.get("/copied/t1/container/item")?.data.toString()).toBe(
      "keeps the container alive",
    );
    expect(before.get("/t1/container")?.ephemeralOwner).toBe(0n);
    expect(after.get("/copied/t1/readonly")?.acl).toEqual(["world:anyone:1"]);
    expect(after.get("/copied/t1/private")?.acl).toEqual([
      `digest:${aliceId}:31`,
      "world:anyone:1",
    ]);
  });

  test("zk copy into a non-empty target without --overwrite exits 1 and changes nothing", async () => {
    const dst = `${target.connectString}/busy`;
    const setup = await session(target.connectString);
    await seed(setup, [node("/busy", "x"), node("/busy/a", "keep me")]);
    await setup.close();
    const before = await readWithSecondClient(target.connectString, "/busy");

    const run = await cli(["zk", "copy", `${source.connectString}/t1`, dst], auth);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain("Cannot copy to /busy on target");
    expect(run.stderr).toContain("already holds 2 znode(s); nothing was written");
    expect(run.stderr).toContain("hint: Use --overwrite");
    expect(await readWithSecondClient(target.connectString, "/busy")).toEqual(before);
  });

  test("zk copy --overwrite rewrites only differing nodes; --mirror also deletes extra ones", async () => {
    const src = await session(source.connectString);
    await seed(src, [node("/o", "o"), node("/o/a", "a"), node("/o/b", "b")]);
    await src.close();
    const from = `${source.connectString}/o`;
    const to = `${target.connectString}/o`;
    expect((await cli(["zk", "copy", from, to])).exitCode).toBe(0);
    const dst = await session(target.connectString);
    await dst.multi(
      [{ type: "setData", path: "/o/b", data: Buffer.from("changed"), version: 0 }],
      0,
    );
    await seed(dst, [node("/o/extra", "not in the source")]);
    await dst.close();
    const before = await readWithSecondClient(target.connectString, "/o");

    const overwrite = await cli(["zk", "copy", from, to, "--overwrite", "--json"]);
    expect(overwrite.exitCode).toBe(0);
    expect(resultOf(overwrite)).toMatchObject({ created: 0, updated: 1, deleted: 0, unchanged: 2 });
    const after = await readWithSecondClient(target.connectString, "/o");
    expect(after.get("/o/a")?.mzxid).toBe(before.get("/o/a")?.mzxid as bigint);
    expect(after.get("/o/b")?.data.toString()).toBe("b");
    expect(after.has("/o/extra")).toBe(true);
    expect((await cli(["zk", "diff", from, to])).exitCode).toBe(1);

    const mirror = await cli(["zk", "copy", from, to, "--mirror", "--json"]);
    expect(mirror.exitCode).toBe(0);
    expect(resultOf(mirror)).toMatchObject({ created: 0, updated: 0, deleted: 1 });
    expect((await cli(["zk", "diff", from, to])).exitCode).toBe(0);
  });

  test("zk copy --dry-run reads everything, prints the writes and writes nothing", async () => {
    const run = await cli(
      ["zk", "copy", `${source.connectString}/t1`, `${target.connectString}/dry/t1`, "--dry-run"],
      auth,
    );
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain("[dry-run] zk target: would create 1 (1.0 MB): /dry/t1/big\n");
    expect(run.stdout).toContain("[dry-run] zk target: would set ACL 1 (16 B): /dry/t1/readonly\n");
    expect(run.stdout).toContain("copy (dry run) would write");
    expect(run.stdout).toContain("  created 11, data updated 0,");
    const check = await session(target.connectString);
    expect(await check.exists("/dry")).toBeNull();
    await check.close();
  });

  test("copyTree() reports a znode too large for the target before writing anything", async () => {
    const src = await session(`${source.connectString}/t1`, { digest: parseDigest(alice) });
    const dst = await session(`${target.connectString}/small/t1`);
    const copying = copyTree(src, dst, { maxRequestBytes: 500_000 });
    expect(copying).rejects.toThrow(PreconditionFailed);
    expect(copying).rejects.toThrow(
      /1 znode\(s\) do not fit .*nothing was written:\n {2}\/small\/t1\/big \(/,
    );
    await copying.catch(() => {});
    expect(await dst.exists("/small")).toBeNull();
    await Promise.all([src.close(), dst.close()]);
  });

  test("zk copy without the credentials cannot read a digest-protected ACL and exits 1", async () => {
    const run = await cli([
      "zk",
      "copy",
      `${source.connectString}/t1`,
      `${target.connectString}/noauth`,
    ]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain("Cannot read the ACL of /t1/private");
    const check = await session(target.connectString);
    expect(await check.exists("/noauth")).toBeNull();
    await check.close();
  });
});
