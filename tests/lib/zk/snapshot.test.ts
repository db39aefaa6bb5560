import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { $ } from "zx";
import { openAcl, SnapshotWriter, type ZkSession } from "../../../lib/zk/index.ts";
import { startZooKeepers, stopZooKeepers, type ZooKeeperServer } from "../../harness/zookeeper.ts";
import {
  cli,
  freshStat,
  holdEphemeral,
  node,
  readWithSecondClient,
  resultOf,
  seed,
  session,
} from "./helpers.ts";

let source: ZooKeeperServer;
let target: ZooKeeperServer;
let holder: ZkSession;
const dir = mkdtempSync(join(tmpdir(), "pzm-snap-"));
const file = join(dir, "c1.zksnap");

beforeAll(async () => {
  [source, target] = (await startZooKeepers(2)) as [ZooKeeperServer, ZooKeeperServer];
  holder = await session(source.connectString);
  const ops = [node("/pegasus"), node("/pegasus/c1"), node("/pegasus/c1/apps", "unlock")];
  for (let t = 1; t <= 3; t++) {
    ops.push(node(`/pegasus/c1/apps/${t}`, `{"app_id":${t}}`));
    for (let p = 0; p < 8; p++) ops.push(node(`/pegasus/c1/apps/${t}/${p}`, `{"pid":"${t}.${p}"}`));
  }
  ops.push(node("/pegasus/c1/lock"), node("/pegasus/c1/lock/dsn.meta.server.leader"));
  await seed(holder, ops);
  await holdEphemeral(holder, "/pegasus/c1/lock/dsn.meta.server.leader/LOCKNODE", "meta1:34601");
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await holder?.close();
  await stopZooKeepers();
});

describe("zk snapshot and zk restore", () => {
  test("zk snapshot → zk restore into an empty server gives an identical tree", async () => {
    const src = `${source.connectString}/pegasus/c1`;
    const snap = await cli(["zk", "snapshot", src, "-o", file, "--json"]);
    expect(snap.exitCode).toBe(0);
    expect(resultOf(snap)).toMatchObject({ root: "/pegasus/c1", nodes: 32 });
    const lines = readFileSync(file, "utf8").trimEnd().split("\n");
    expect(JSON.parse(lines[0] as string)).toMatchObject({ format: "pegasus-zk-migrate/snapshot" });
    expect(JSON.parse(lines.at(-1) as string)).toMatchObject({ end: true, nodes: 32 });

    const restore = await cli(["zk", "restore", file, target.connectString, "--json"]);
    expect(restore.exitCode).toBe(0);
    expect(resultOf(restore)).toMatchObject({ created: 31, createdParents: ["/pegasus"] });
    const diff = await cli(["zk", "diff", src, `${target.connectString}/pegasus/c1`]);
    expect(diff.exitCode).toBe(0);
    expect(diff.stdout).toStartWith("identical:");

    const original = await readWithSecondClient(source.connectString, "/pegasus/c1");
    const restored = await readWithSecondClient(target.connectString, "/pegasus/c1");
    const lock = "/pegasus/c1/lock/dsn.meta.server.leader/LOCKNODE0000000000";
    expect([...restored.keys()]).toEqual([...original.keys()].filter((p) => p !== lock));
    for (const [path, seen] of restored) {
      expect(seen.data.toString()).toBe(original.get(path)?.data.toString() as string);
      expect(seen.acl).toEqual(original.get(path)?.acl as string[]);
    }
  });

  test("zk restore refuses a damaged or truncated snapshot with exit 2 and writes nothing", async () => {
    const text = readFileSync(file, "utf8");
    const damaged = join(dir, "damaged.zksnap");
    expect(text).toContain('"data":"dW5sb2Nr"'); // "unlock", the data of /pegasus/c1/apps
    writeFileSync(damaged, text.replace('"data":"dW5sb2Nr"', '"data":"bG9jaw=="'));
    const run = await cli(["zk", "restore", damaged, `${target.connectString}/elsewhere`]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain("its checksum does not match (the file is damaged or was edited)");

    const truncated = join(dir, "truncated.zksnap");
    writeFileSync(truncated, text.slice(0, text.length - 200));
    const cut = await cli(["zk", "restore", truncated, `${target.connectString}/elsewhere`]);
    expect(cut.exitCode).toBe(2);
    expect(cut.stderr).toContain("is truncated (no trailer)");
    const check = await session(target.connectString);
    expect(await check.exists("/elsewhere")).toBeNull();
    await check.close();
  });

  test("restoreSnapshot() creates the container and TTL nodes a snapshot records as such", async () => {
    const typed = join(dir, "typed.zksnap");
    const writer = new SnapshotWriter(typed, { root: "/typed", ensemble: "test" });
    const stat = freshStat();
    const make = (path: string, type: "persistent" | "container" | "ttl", ttlMs?: number) => ({
      path,
      data: Buffer.from(path),
      acl: [...openAcl],
      stat,
      type,
      ...(ttlMs ? { ttlMs } : {}),
    });
    writer.add(make("/typed", "persistent"));
    writer.add(make("/typed/box", "container"));
    writer.add(make("/typed/box/item", "persistent"));
    writer.add(make("/typed/lease", "ttl", 3_600_000));
    writer.finish();

    const run = await cli(["zk", "restore", typed, target.connectString]);
    expect(run.exitCode).toBe(0);
    const log = await transactionLog(target);
    // The tool prints each multi as `type:record;…` with the records in binary.
    expect(log).toMatch(/createContainer:[^;]*\/typed\/box[^/]/);
    expect(log).toMatch(/createTtl:[^;]*\/typed\/lease/);
    expect(log).toMatch(/;create:[^;]*\/typed\/box\/item/);
  });
});

/** The target's transaction log as ZooKeeper's own TxnLogToolkit prints it. */
async function transactionLog(server: ZooKeeperServer): Promise<string> {
  const logs = join(server.dataDir, "data", "version-2");
  const classpath =
    "/etc/zookeeper/conf:/usr/share/java/zookeeper.jar:/usr/share/java/zookeeper-jute.jar";
  let text = "";
  for (const name of readdirSync(logs).filter((n) => n.startsWith("log."))) {
    const out = await $({
      quiet: true,
    })`java -cp ${classpath} org.apache.zookeeper.server.persistence.TxnLogToolkit ${join(logs, name)}`;
    text += out.stdout;
  }
  return text;
}
