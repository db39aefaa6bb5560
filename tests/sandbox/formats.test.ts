/**
 * The simulator's byte formats against the reference's literal examples: znode JSON (§6.7),
 * shell tables and JSON (§4.5–§4.7), help wrapping, and the rDSN INI rules (§5.5).
 */
import { describe, expect, test } from "bun:test";
import {
  encodeAppInfo,
  encodePartition,
  newAppInfo,
  newPartition,
  type PartitionConfig,
} from "./encoding.ts";
import { parseRdsnIni, RdsnConfigError } from "./rdsn-ini.ts";
import { parseOptions, splitArgs } from "./shell/args.ts";
import { helpLines } from "./shell/context.ts";
import { printTable, printTables, TablePrinter } from "./table-printer.ts";
import { type AppView, appsTables, clusterInfoTable, nodesTables } from "./views.ts";

const second = (y: number, mo: number, d: number, h: number, mi: number, s: number) =>
  new Date(y, mo - 1, d, h, mi, s).getTime() / 1000;

describe("znode encodings (reference §6.7)", () => {
  const temp = newAppInfo({
    app_id: 2,
    app_name: "temp",
    partition_count: 8,
    create_second: 1700000000,
  });

  test("encodeAppInfo() writes the 2.6 table node byte for byte (299 bytes)", () => {
    const text = encodeAppInfo(temp, "2.6");
    expect(text).toBe(
      '{"status":"app_status::AS_AVAILABLE","app_type":"pegasus","app_name":"temp","app_id":2,"partition_count":8,"envs":{},"is_stateful":1,"max_replica_count":3,"expire_second":0,"create_second":1700000000,"drop_second":0,"duplicating":0,"init_partition_count":8,"is_bulk_loading":0,"atomic_idempotent":0}',
    );
    expect(text.length).toBe(299);
  });

  test("encodeAppInfo() leaves atomic_idempotent out of the 2.5 format and sorts envs", () => {
    const text = encodeAppInfo({ ...temp, envs: { rocksdb: "x", default_ttl: "86400" } }, "2.5");
    expect(text).not.toContain("atomic_idempotent");
    expect(text).toContain('"envs":{"default_ttl":"86400","rocksdb":"x"}');
    expect(text.endsWith('"is_bulk_loading":0}')).toBe(true);
  });

  test("encodePartition() writes a fresh 2.6 partition byte for byte (225 bytes)", () => {
    const text = encodePartition(newPartition(temp, 0), "2.6");
    expect(text).toBe(
      '{"pid":"2.0","ballot":0,"max_replica_count":3,"primary":"invalid address","secondaries":[],"last_drops":[],"last_committed_decree":0,"partition_flags":0,"hp_primary":"invalid host_port","hp_secondaries":[],"hp_last_drops":[]}',
    );
    expect(text.length).toBe(225);
  });

  test("encodePartition() writes 8 fields in 2.5 and the hp_* mirror in 2.6", () => {
    const pc: PartitionConfig = {
      ...newPartition(temp, 5),
      ballot: 1234,
      primary: "10.132.5.1:34801",
      secondaries: ["10.132.5.2:34801", "10.132.5.3:34801"],
      last_drops: ["10.132.5.4:34801"],
      last_committed_decree: 12345678,
    };
    expect(encodePartition(pc, "2.5")).toBe(
      '{"pid":"2.5","ballot":1234,"max_replica_count":3,"primary":"10.132.5.1:34801","secondaries":["10.132.5.2:34801","10.132.5.3:34801"],"last_drops":["10.132.5.4:34801"],"last_committed_decree":12345678,"partition_flags":0}',
    );
    expect(encodePartition(pc, "2.6")).toEndWith(
      ',"hp_primary":"10.132.5.1:34801","hp_secondaries":["10.132.5.2:34801","10.132.5.3:34801"],"hp_last_drops":["10.132.5.4:34801"]}',
    );
  });
});

/** The tables of reference §4.5: `stat` (4 partitions) and `temp` (8, one with a primary only). */
function referenceApps(): AppView[] {
  const created = second(2024, 5, 20, 10, 11, 12);
  const stat = newAppInfo({
    app_id: 1,
    app_name: "stat",
    partition_count: 4,
    create_second: created,
  });
  const temp = newAppInfo({
    app_id: 2,
    app_name: "temp",
    partition_count: 8,
    create_second: created,
  });
  const healthy = (app: typeof stat, pidx: number): PartitionConfig => ({
    ...newPartition(app, pidx),
    primary: "a:1",
    secondaries: ["b:1", "c:1"],
  });
  const tempPartitions = Array.from({ length: 8 }, (_, i) => healthy(temp, i));
  tempPartitions[7] = { ...newPartition(temp, 7), primary: "a:1" };
  return [
    { info: stat, partitions: Array.from({ length: 4 }, (_, i) => healthy(stat, i)) },
    { info: temp, partitions: tempPartitions },
  ];
}

describe("shell tables (reference §4.4–§4.7)", () => {
  test("ls -o prints the 2.6 general_info example byte for byte, trailing spaces included", () => {
    const out = printTables(
      appsTables(referenceApps(), { detailed: false, version: "2.6" }),
      "tabular",
    );
    expect(out).toBe(
      `[general_info]
app_id  status     app_name  app_type  partition_count  replica_count  is_stateful  create_time          drop_time  drop_expire  envs_count  atomic_idempotent  
1       AVAILABLE  stat      pegasus   4                3              true         2024-05-20_10:11:12  -          -            0           false              
2       AVAILABLE  temp      pegasus   8                3              true         2024-05-20_10:11:12  -          -            0           false              

[summary]
total_app_count  : 2

`,
    );
  });

  test("ls -d adds healthy_info and the detailed summary of the example", () => {
    const out = printTables(
      appsTables(referenceApps(), { detailed: true, version: "2.5" }),
      "tabular",
    );
    expect(out).toContain(
      `[healthy_info]
app_id  app_name  partition_count  fully_healthy  unhealthy  write_unhealthy  read_unhealthy  
1       stat      4                4              0          0                0               
2       temp      8                7              1          1                0               

[summary]
total_app_count            : 2
fully_healthy_app_count    : 1
unhealthy_app_count        : 1
write_unhealthy_app_count  : 1
read_unhealthy_app_count   : 0

`,
    );
    expect(out).not.toContain("atomic_idempotent");
  });

  test("ls -j prints the pretty JSON example with every value a string", () => {
    const [stat] = referenceApps();
    const out = printTables(
      appsTables([stat as AppView], { detailed: true, version: "2.6" }),
      "pretty",
    );
    expect(out).toBe(`{
    "general_info": {
        "1": {
            "app_id": "1",
            "status": "AVAILABLE",
            "app_name": "stat",
            "app_type": "pegasus",
            "partition_count": "4",
            "replica_count": "3",
            "is_stateful": "true",
            "create_time": "2024-05-20_10:11:12",
            "drop_time": "-",
            "drop_expire": "-",
            "envs_count": "0",
            "atomic_idempotent": "false"
        }
    },
    "healthy_info": {
        "1": {
            "app_id": "1",
            "app_name": "stat",
            "partition_count": "4",
            "fully_healthy": "4",
            "unhealthy": "0",
            "write_unhealthy": "0",
            "read_unhealthy": "0"
        }
    },
    "summary": {
        "total_app_count": "1",
        "fully_healthy_app_count": "1",
        "unhealthy_app_count": "0",
        "write_unhealthy_app_count": "0",
        "read_unhealthy_app_count": "0"
    }
}
`);
  });

  /** Nodes of the `nodes -d -o onebox.nodes` example: 12 replicas (4 primaries) on each alive node. */
  function referenceNodes() {
    const app = newAppInfo({ app_id: 1, app_name: "t", partition_count: 12 });
    const [a, b] = ["127.0.0.1:34801", "127.0.0.1:34802"];
    const partitions = Array.from({ length: 12 }, (_, i): PartitionConfig => {
      const pc = newPartition(app, i);
      if (i < 4) return { ...pc, primary: a, secondaries: [b] };
      if (i < 8) return { ...pc, primary: b, secondaries: [a] };
      return { ...pc, secondaries: [a, b] };
    });
    const nodes = [
      { address: a, status: "ALIVE" as const },
      { address: b, status: "ALIVE" as const },
      { address: "127.0.0.1:34803", status: "UNALIVE" as const },
    ];
    return { nodes, apps: [{ info: app, partitions }] };
  }

  test("nodes -d -o prints the example file byte for byte: [parameters], right-aligned counts", () => {
    const { nodes, apps } = referenceNodes();
    const parameters = new TablePrinter("parameters").addPair("out_file", "onebox.nodes");
    expect(printTables([parameters, ...nodesTables(nodes, apps)], "tabular")).toBe(`[parameters]
out_file  : onebox.nodes

[details]
address          status     replica_count  primary_count  secondary_count
127.0.0.1:34801  ALIVE                 12              4                8
127.0.0.1:34802  ALIVE                 12              4                8
127.0.0.1:34803  UNALIVE                0              0                0

[summary]
total_node_count    : 3
alive_node_count    : 2
unalive_node_count  : 1

`);
  });

  test("nodes -d -j prints the JSON example shape", () => {
    const { nodes, apps } = referenceNodes();
    const json = JSON.parse(printTables(nodesTables(nodes, apps), "pretty"));
    expect(json.details["127.0.0.1:34801"]).toEqual({
      address: "127.0.0.1:34801",
      status: "ALIVE",
      replica_count: "12",
      primary_count: "4",
      secondary_count: "8",
    });
    expect(json.summary).toEqual({
      total_node_count: "3",
      alive_node_count: "2",
      unalive_node_count: "1",
    });
  });

  const clusterPairs = (balance: string): [string, string][] => [
    ["meta_servers", "127.0.0.1:34601,127.0.0.1:34602,127.0.0.1:34603"],
    ["primary_meta_server", "127.0.0.1:34601"],
    ["zookeeper_hosts", "127.0.0.1:22181"],
    ["zookeeper_root", "/pegasus/onebox/127.0.0.1"],
    ["meta_function_level", "steady"],
    ["balance_operation_count", balance],
    ["primary_replica_count_stddev", "0.00"],
    ["total_replica_count_stddev", "0.00"],
    ["cluster_name", "onebox"],
  ];

  test("cluster_info prints the ≤2.5 example, each value padded to the longest one", () => {
    const out = printTable(
      clusterInfoTable(clusterPairs("move_pri=0,copy_pri=0,copy_sec=0,total=0")),
      "tabular",
    );
    const lines = out.split("\n");
    expect(lines.map((l) => l.trimEnd()).join("\n")).toBe(`[cluster_info]
meta_servers                  : 127.0.0.1:34601,127.0.0.1:34602,127.0.0.1:34603
primary_meta_server           : 127.0.0.1:34601
zookeeper_hosts               : 127.0.0.1:22181
zookeeper_root                : /pegasus/onebox/127.0.0.1
meta_function_level           : steady
balance_operation_count       : move_pri=0,copy_pri=0,copy_sec=0,total=0
primary_replica_count_stddev  : 0.00
total_replica_count_stddev    : 0.00
cluster_name                  : onebox
`);
    expect(new Set(lines.slice(1, -1).map((l) => l.length)).size).toBe(1);
  });

  test("cluster_info in 2.6 spans several lines for balance_operation_count", () => {
    const balance = JSON.stringify({ copy_pri: 0, copy_sec: 0, move_pri: 0, total: 0 }, null, 2);
    const out = printTable(clusterInfoTable(clusterPairs(balance)), "tabular");
    expect(
      out
        .split("\n")
        .map((l) => l.trimEnd())
        .slice(6, 13)
        .join("\n"),
    ).toBe(`balance_operation_count       : {
  "copy_pri": 0,
  "copy_sec": 0,
  "move_pri": 0,
  "total": 0
}
primary_replica_count_stddev  : 0.00`);
  });

  test("helpLines() wraps a long usage at ] boundaries under a 24-column name", () => {
    expect(helpLines({ name: "get_meta_level", usage: "" })).toBe(
      `\tget_meta_level${" ".repeat(10)}\n`,
    );
    expect(helpLines({ name: "drop", usage: "<app_name> [-r|--reserve_seconds num]" })).toBe(
      `\tdrop${" ".repeat(20)}<app_name> [-r|--reserve_seconds num]\n`,
    );
  });
});

describe("shell argument handling", () => {
  test("splitArgs() honours quotes and rejects unbalanced ones", () => {
    expect(splitArgs(`recover -s "a:1,b:2"  -w 5`)).toEqual([
      "recover",
      "-s",
      "a:1,b:2",
      "-w",
      "5",
    ]);
    expect(splitArgs("use 'x y'")).toEqual(["use", "x y"]);
    expect(splitArgs('ls "unclosed')).toBeNull();
  });

  test("parseOptions() reads bundled flags, attached values and long options like getopt_long", () => {
    const errors: string[] = [];
    const parsed = parseOptions(
      ["nodes", "-dj", "-ofile", "--status=alive"],
      { short: "djo:s:", long: { status: "s" } },
      (e) => errors.push(e),
    );
    expect(parsed?.options).toEqual(
      new Map<string, string | true>([
        ["d", true],
        ["j", true],
        ["o", "file"],
        ["s", "alive"],
      ]),
    );
    expect(parseOptions(["ls", "-x"], { short: "d" }, (e) => errors.push(e))).toBeNull();
    expect(errors).toEqual(["ls: invalid option -- 'x'"]);
  });
});

describe("rDSN INI rules (reference §5.5)", () => {
  const text = `; comment line
[meta_server]
  cluster_root = /pegasus/c1   ; trailing comment
\trecover_from_replica_server = false
  recover_from_replica_server = true
  server_list = a:1^;b
  bare_key
  placeholder = %cluster.name%
[meta_server.apps.stat]
  app_name = stat # hash comment
[zookeeper]
hosts_list = zk1:2181,zk2:2181
`;

  test("parseRdsnIni() skips indentation and comments, keeps the first duplicate, reads literal dotted sections", () => {
    const config = parseRdsnIni(text);
    expect(config.get("meta_server", "cluster_root")).toBe("/pegasus/c1");
    expect(config.get("meta_server", "recover_from_replica_server")).toBe("false");
    expect(config.warnings[0]).toStartWith(
      "WARNING: skip redefinition of option [meta_server] recover_from_replica_server (line 5)",
    );
    expect(config.get("meta_server", "server_list")).toBe("a:1;b");
    expect(config.get("meta_server", "bare_key")).toBe("");
    expect(config.get("meta_server", "placeholder")).toBe("");
    expect(config.get("meta_server.apps.stat", "app_name")).toBe("stat");
    expect(config.get("zookeeper", "hosts_list")).toBe("zk1:2181,zk2:2181");
    expect(config.get("meta_server", "hosts_list")).toBeUndefined();
    expect(config.sections()).toEqual(["meta_server", "meta_server.apps.stat", "zookeeper"]);
  });

  test("parseRdsnIni() refuses a key before any section and a repeated section", () => {
    expect(() => parseRdsnIni("a = 1\n")).toThrow(RdsnConfigError);
    expect(() => parseRdsnIni("[x]\n[x]\n")).toThrow("configuration section '[x]' is redefined");
  });
});
