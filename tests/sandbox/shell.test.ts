/**
 * The simulated shell of a 2.5 cluster (reference §4): banner, no prompt, exit status 0, several
 * commands per process, the 2.5 formats (no `atomic_idempotent`, one-line
 * `balance_operation_count`, `server_info` on stderr, `ip:port` only), `-o` files, usage and
 * error lines; and the 2.5 znode encodings without `hp_*` fields.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Sandbox, startSandbox } from "./sandbox.ts";
import { openSession } from "./zk.ts";

let sandbox: Sandbox;
/** stdout after the banner (its last line names the meta list). */
const body = (stdout: string) =>
  stdout.slice(stdout.indexOf("The cluster meta list is:")).split("\n").slice(1).join("\n");

beforeAll(async () => {
  sandbox = await startSandbox({ version: "2.5", metas: 2, replicas: 3, tables: 1 });
}, 120_000);

afterAll(() => sandbox?.stop());

describe("the simulated shell, 2.5", () => {
  test("prints the banner, no prompt, runs several commands in one process and exits 0", async () => {
    const out = await sandbox.shell(["get_meta_level", "get_meta_level"]);
    expect(out.exitCode).toBe(0);
    expect(out.stdout).toMatch(
      new RegExp(
        `^Pegasus Shell 2\\.5\\.0\\nType "help" for more information\\.\\nType "Ctrl-D" or "Ctrl-C" to exit the shell\\.\\n\\nThe config file is: ${sandbox.dir}/config-shell\\.ini\\.\\d+\\nThe cluster name is: sandbox\\nThe cluster meta list is: ${sandbox.metaList}\\n`,
      ),
    );
    expect(body(out.stdout)).toBe(
      "current meta level is fl_steady\ncurrent meta level is fl_steady\n",
    );
    expect(out.stdout).not.toContain(">>>");
    expect(readdirSync(sandbox.dir).filter((f) => f.startsWith("config-shell.ini."))).toEqual([]);
  });

  test("ls, cluster_info and nodes print the 2.5 formats", async () => {
    const out = body((await sandbox.shell(["ls", "cluster_info", "nodes -s alive"])).stdout);
    expect(out).toContain("envs_count  \n1       AVAILABLE  stat ");
    expect(out).not.toContain("atomic_idempotent");
    expect(out).toMatch(/^balance_operation_count +: move_pri=0,copy_pri=0,copy_sec=0,total=0 *$/m);
    expect(out).toMatch(/^meta_function_level +: steady +$/m);
    expect(out).toContain(
      "[parameters]\nstatus  : alive\n\n[details]\naddress          status  \n127.0.0.1:",
    );
  });

  test("server_info writes text on stderr and nothing on stdout", async () => {
    const out = await sandbox.shell("server_info\n");
    expect(body(out.stdout)).toBe("");
    expect(out.stderr).toStartWith("COMMAND: server-info\n\nCALL [meta-server] [");
    expect(out.stderr).toMatch(
      /^CALL \[replica-server\] \[127\.0\.0\.1:\d+\] succeed: Pegasus Server 2\.5\.0 \(sandbox\) Release, Started at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/m,
    );
    expect(out.stderr).toEndWith("\nSucceed count: 5\nFailed count: 0\n");
  });

  test("-o writes the file instead of stdout; nodes adds [parameters], ls does not", async () => {
    const out = await sandbox.shell([
      "ls -o apps.list",
      "nodes -d -o nodes.list",
      "cluster_info -o info.txt",
    ]);
    expect(body(out.stdout)).toBe("");
    expect(readFileSync(join(sandbox.dir, "apps.list"), "utf8")).toStartWith(
      "[general_info]\napp_id  ",
    );
    expect(readFileSync(join(sandbox.dir, "nodes.list"), "utf8")).toStartWith(
      "[parameters]\nout_file  : nodes.list\n\n[details]\naddress          status    replica_count",
    );
    expect(readFileSync(join(sandbox.dir, "info.txt"), "utf8")).toStartWith(
      "[cluster_info]\nmeta_servers ",
    );
  });

  test("unknown commands and bad arguments print the upstream error and usage lines", async () => {
    const out = await sandbox.shell([
      "foo",
      "set_meta_level",
      "set_meta_level bogus",
      "ls -x",
      "get_app_envs",
      'ls "open',
    ]);
    const text = body(out.stdout);
    expect(text).toStartWith("ERROR: invalid subcommand 'foo'\nUsage:\n\thelp ");
    expect(text).toContain(
      "USAGE: \tset_meta_level          <stopped|blind|freezed|steady|lively>\nUSAGE: \tset_meta_level ",
    );
    expect(text).toContain(
      "USAGE: \tls                      [-a|-all] [-d|--detailed] [-j|--json]\n",
    );
    expect(text).toEndWith("Invalid argument(s)\n");
    expect(out.stderr).toBe(
      "parse bogus as meta function level failed\nls: invalid option -- 'x'\nNo app is using now\nUSAGE: use [app_name]\n",
    );
  });

  test("use, set_app_envs and get_app_envs work on the current table", async () => {
    const out = await sandbox.shell([
      "use table01",
      "set_app_envs default_ttl 86400",
      "get_app_envs",
      "get_app_envs -j",
    ]);
    expect(out.stderr).toBe("OK\n");
    expect(body(out.stdout)).toBe(
      `set app envs succeed\n[app_envs]\ndefault_ttl  : 86400\n{\n    "app_envs": {\n        "default_ttl": "86400"\n    }\n}\n`,
    );
  });

  test("recover checks its arguments like 2.5 (ip:port only) and a serving meta refuses it", async () => {
    const nodes = sandbox.layout.replicas.map((r) => r.address).join(",");
    const out = await sandbox.shell([
      "recover",
      "recover -s localhost:34801",
      "recover -f missing.list",
      `recover -s ${nodes} -w 3`,
      `recover -s ${nodes} -w 3 -o recover.out`,
    ]);
    expect(out.stderr).toBe(
      "should specify one of node_list_file/node_list_str\nparse localhost:34801 as a ip:port node failed\nopen file missing.list failed\n",
    );
    expect(body(out.stdout)).toStartWith("USAGE: \trecover ");
    expect(body(out.stdout)).toContain(
      "Wait seconds: 3\nSkip bad nodes: false\nSkip lost partitions: false\nNode list:\n",
    );
    expect(body(out.stdout)).toEndWith(
      "=============================\nRecover result: ERR_SERVICE_ALREADY_RUNNING\nrecover complete with err = ERR_SERVICE_ALREADY_RUNNING\n",
    );
    expect(readFileSync(join(sandbox.dir, "recover.out"), "utf8")).toEndWith(
      "Recover result: ERR_SERVICE_ALREADY_RUNNING\n",
    );
  });

  test("drop writes the table node at once; ls -a shows it DROPPED with its times", async () => {
    const out = await sandbox.shell(["drop table01", "ls -a"]);
    expect(body(out.stdout)).toStartWith("drop app table01 succeed\n");
    expect(body(out.stdout)).toMatch(
      /^2 +DROPPED +table01 +pegasus +4 +3 +true +\S+ +\d{4}-\d\d-\d\d_\d\d:\d\d:\d\d +\d{4}-\d\d-\d\d_\d\d:\d\d:\d\d +1 +$/m,
    );
  });
});

describe("2.5 znodes", () => {
  test("carry no hp_* fields nor atomic_idempotent; lock nodes hold ip:port", async () => {
    const zk = openSession(sandbox.source, 10_000);
    await zk.connected;
    const app = (await zk.get(`${sandbox.root}/apps/2`))?.data as string;
    expect(JSON.parse(app)).toMatchObject({
      status: "app_status::AS_DROPPED",
      app_name: "table01",
    });
    expect(app).not.toContain("atomic_idempotent");
    const partition = (await zk.get(`${sandbox.root}/apps/1/0`))?.data as string;
    expect(Object.keys(JSON.parse(partition))).toEqual([
      "pid",
      "ballot",
      "max_replica_count",
      "primary",
      "secondaries",
      "last_drops",
      "last_committed_decree",
      "partition_flags",
    ]);
    const lockDir = `${sandbox.root}/lock/dsn.meta.server.leader`;
    for (const child of (await zk.children(lockDir)) ?? []) {
      expect((await zk.get(`${lockDir}/${child}`))?.data).toMatch(/^127\.0\.0\.1:\d+$/);
    }
    zk.close();
  });
});
