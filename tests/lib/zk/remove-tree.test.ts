import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { count, TreeWriter, type ZkSession } from "../../../lib/zk/index.ts";
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

let server: ZooKeeperServer;
let zk: ZkSession;
const dir = mkdtempSync(join(tmpdir(), "pzm-rmr-"));

/** A small Pegasus-like tree at `root`: 2 tables × 4 partitions and a lock directory. */
function tree(root: string) {
  const ops = [node(root), node(`${root}/apps`, "unlock")];
  for (let t = 1; t <= 2; t++) {
    ops.push(node(`${root}/apps/${t}`, `{"app_id":${t}}`));
    for (let p = 0; p < 4; p++) ops.push(node(`${root}/apps/${t}/${p}`, `{"pid":"${t}.${p}"}`));
  }
  ops.push(node(`${root}/lock`), node(`${root}/lock/dsn.meta.server.leader`));
  return ops;
}

beforeAll(async () => {
  [server] = (await startZooKeepers(1)) as [ZooKeeperServer];
  zk = await session(server.connectString);
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await zk?.close();
  await stopZooKeepers();
});

describe("zk rmr", () => {
  test("zk rmr refuses while a live ephemeral exists under the path and deletes nothing; --force deletes it all", async () => {
    await seed(zk, tree("/r1"));
    const meta = await session(server.connectString);
    await holdEphemeral(meta, "/r1/lock/dsn.meta.server.leader/LOCKNODE", "meta1:34601");
    const before = await readWithSecondClient(server.connectString, "/r1");

    const refused = await cli(["zk", "rmr", `${server.connectString}/r1`]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain(
      "Cannot remove /r1 as 1 live ephemeral node(s) exist under it; nothing was deleted:\n  /r1/lock/dsn.meta.server.leader/LOCKNODE0000000000 (owner 0x",
    );
    expect(refused.stderr).toContain(
      `, data "meta1:34601")\nhint: A process still holds a session`,
    );
    expect(await readWithSecondClient(server.connectString, "/r1")).toEqual(before);

    const forced = await cli(["zk", "rmr", `${server.connectString}/r1`, "--force", "--json"]);
    expect(forced.exitCode).toBe(0);
    expect(resultOf(forced)).toMatchObject({ deleted: 15, rounds: 1 });
    expect(await zk.exists("/r1")).toBeNull();
    await meta.close();
  });

  test("zk rmr --expect-snapshot refuses after a concurrent change and deletes nothing", async () => {
    await seed(zk, tree("/r2"));
    const file = join(dir, "r2.zksnap");
    expect((await cli(["zk", "snapshot", `${server.connectString}/r2`, "-o", file])).exitCode).toBe(
      0,
    );
    await zk.multi(
      [{ type: "setData", path: "/r2/apps/2/3", data: Buffer.from("moved"), version: 0 }],
      0,
    );
    await seed(zk, [node("/r2/apps/3", "a new table")]);

    const run = await cli(["zk", "rmr", `${server.connectString}/r2`, "--expect-snapshot", file]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain(
      `Cannot remove /r2 as it changed since snapshot ${file} (2 change(s)); nothing was deleted:\n  /r2/apps/2/3 (data)\n  /r2/apps/3 (added)`,
    );
    expect(await count(zk, "/r2")).toBe(15);
  });

  test("zk rmr --expect-snapshot deletes an unchanged tree at the snapshot's versions", async () => {
    await seed(zk, tree("/r3"));
    await zk.multi(
      [{ type: "setData", path: "/r3/apps", data: Buffer.from("unlock"), version: 0 }],
      0,
    );
    const file = join(dir, "r3.zksnap");
    expect((await cli(["zk", "snapshot", `${server.connectString}/r3`, "-o", file])).exitCode).toBe(
      0,
    );
    const run = await cli(["zk", "rmr", `${server.connectString}/r3`, "--expect-snapshot", file]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain(`deleted 14 znodes under ${server.connectString}/r3`);
    expect(run.stdout).toContain(`checked unchanged since snapshot ${file}`);
    expect(await zk.exists("/r3")).toBeNull();
  });

  test("zk rmr --dry-run counts and deletes nothing; zk rmr / is refused with exit 2", async () => {
    await seed(zk, tree("/r4"));
    const dry = await cli(["zk", "rmr", `${server.connectString}/r4`, "--dry-run"]);
    expect(dry.exitCode).toBe(0);
    expect(dry.stdout).toContain("[dry-run] zk source: would delete 14 (");
    expect(dry.stdout).toContain(`would delete 14 znodes under ${server.connectString}/r4`);
    expect(await count(zk, "/r4")).toBe(14);

    const root = await cli(["zk", "rmr", server.connectString]);
    expect(root.exitCode).toBe(2);
    expect(root.stderr).toContain("Cannot remove / as it is the whole tree");
  });

  test("TreeWriter treats nodes already deleted by someone else as done (NoNode is tolerated)", async () => {
    await seed(zk, tree("/r5"));
    await zk.delete("/r5/apps/1/2", 0);
    await zk.delete("/r5/apps/1/3", 0);
    const writer = new TreeWriter(zk);
    for (const path of ["/r5/apps/1/0", "/r5/apps/1/1", "/r5/apps/1/2", "/r5/apps/1/3"]) {
      await writer.add({ type: "delete", path, version: 0 });
    }
    await writer.add({ type: "delete", path: "/r5/apps/1", version: 0 });
    const summary = await writer.finish();
    expect(summary).toMatchObject({ ops: 5, reconciled: 1, foundApplied: 2 });
    expect(await zk.exists("/r5/apps/1")).toBeNull();
    expect(await count(zk, "/r5")).toBe(9);
  });
});
