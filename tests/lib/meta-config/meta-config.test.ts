import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  configValue,
  isLiveConfig,
  MetaConfigEditRefused,
  MetaConfigInvalid,
  parseMetaConfig,
  readMetaSettings,
  scanLine,
  setConfigValue,
  setConfigValues,
  splitRawLines,
  verifyConfigIsLive,
} from "../../../lib/meta-config/index.ts";

/** An upstream-shaped production config.ini (indentation, comments, literal dotted sections). */
const live = readFileSync(join(import.meta.dir, "config.ini"), "utf8");
const crlf = live.replaceAll("\n", "\r\n");
/** The same file before minos filled it in. */
const template = live
  .replaceAll("10.0.0.1:34601,10.0.0.2:34601,10.0.0.3:34601", "%{meta.server.list}")
  .replace("zk1:2181,zk2:2181,zk3:2181", "%{zk.server.list}")
  .replaceAll("/pegasus/c1", "/pegasus/%{cluster.name}")
  .replace("c1 = ", "%{cluster.name} = ")
  .replace("[uri-resolver.dsn://c1]", "[uri-resolver.dsn://%{cluster.name}]")
  .replace("ports = 34601", "ports = @META_PORT@");
const file = "/home/work/meta/config.ini";

/** Lines of `text` that differ from `original`, as [number, before, after]. */
function changedLines(original: string, text: string) {
  const a = original.split("\n");
  const b = text.split("\n");
  const out: [number, string | undefined, string | undefined][] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) out.push([i + 1, a[i], b[i]]);
  }
  return out;
}

describe("parseMetaConfig()", () => {
  test("parseMetaConfig() reads values the rDSN way from an upstream-shaped file", () => {
    const config = parseMetaConfig(live, file);
    expect(configValue(config, "zookeeper", "hosts_list")).toBe("zk1:2181,zk2:2181,zk3:2181");
    expect(configValue(config, "meta_server", "distributed_lock_service_parameters")).toBe(
      "/pegasus/c1/lock",
    );
    expect(configValue(config, "meta_server", "meta_state_service_parameters")).toBe("");
    expect(configValue(config, "apps..default", "run")).toBe("true");
    expect(configValue(config, "threadpool..default", "worker_count")).toBe("4");
    expect(configValue(config, "meta_server.apps.stat", "app_name")).toBe("stat");
    expect(configValue(config, "meta_server", "app_name")).toBeUndefined();
    expect(configValue(config, "uri-resolver.dsn://c1", "factory")).toBe(
      "partition_resolver_simple",
    );
    expect(configValue(config, "task.RPC_RRDB_RRDB_PUT", "profiler::size.request.server")).toBe(
      "true",
    );
    expect(configValue(config, "pegasus.server", "rocksdb_usage_scenario_pattern")).toBe("a;b#c");
    expect(configValue(config, "replication", "fd_check_interval_seconds")).toBe("2");
    expect(configValue(config, "core", "toollets")).toBe("profiler");
    expect(config.sectionLines.get("zookeeper")).toBe(70);
    expect(config.duplicates).toEqual([]);
  });

  test("parseMetaConfig() reads a CRLF file exactly like the LF one", () => {
    const a = parseMetaConfig(live, file);
    const b = parseMetaConfig(crlf, file);
    expect([...b.sections.keys()]).toEqual([...a.sections.keys()]);
    for (const [name, entries] of a.sections) expect(b.sections.get(name)).toEqual(entries);
  });

  test("parseMetaConfig() keeps the first of duplicate keys and reports the others", () => {
    const text = "[zookeeper]\n  hosts_list = first:2181\n  hosts_list = second:2181\n";
    const config = parseMetaConfig(text, file);
    expect(configValue(config, "zookeeper", "hosts_list")).toBe("first:2181");
    expect(config.duplicates).toEqual([
      { section: "zookeeper", key: "hosts_list", line: 3, firstLine: 2 },
    ]);
  });

  test("parseMetaConfig() applies rDSN's line rules: bare keys, comments anywhere, escapes, %arg%", () => {
    const text =
      "\t\r [ s.x..y ]  trailing text\n" +
      "bare_key\n" +
      "a = b # c\n" +
      "d = e;f\n" +
      "g = ^#h^;i\n" +
      "port = %port%\n" +
      "pct = 50%\n" +
      "# whole-line comment = ignored\n";
    const config = parseMetaConfig(text, file);
    expect(
      Object.fromEntries(
        [...(config.sections.get("s.x..y")?.values() ?? [])].map((e) => [e.key, e.value]),
      ),
    ).toEqual({
      bare_key: "",
      a: "b",
      d: "e",
      g: "#h;i",
      port: "",
      pct: "50%",
    });
  });

  const invalid: [string, string, number, string][] = [
    [
      "key before any section",
      "hosts_list = a:2181\n[zookeeper]\n",
      1,
      "a key before any [section]",
    ],
    [
      "repeated section",
      "[a]\nx = 1\n\n[a]\n",
      4,
      "section [a] is defined again (first on line 1)",
    ],
    ["unclosed header", "[zookeeper\n", 1, "a section header needs a closing ']'"],
    ["= in a header", "[a = b]\n", 1, "a section header cannot contain '='"],
    ["empty section name", "[  ]\n", 1, "the section name is empty"],
    ["empty key", "[a]\n  = value\n", 2, "the key before '=' is empty"],
  ];
  for (const [name, text, line, reason] of invalid) {
    test(`parseMetaConfig() refuses a ${name}, naming file and line`, () => {
      let error: unknown;
      try {
        parseMetaConfig(text, file);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(MetaConfigInvalid);
      expect((error as MetaConfigInvalid).line).toBe(line);
      expect((error as Error).message).toStartWith(
        `Cannot read meta config ${file}: line ${line}: ${reason}: `,
      );
      expect((error as MetaConfigInvalid).hint).toContain("Fix that line");
    });
  }
});

describe("readMetaSettings()", () => {
  test("readMetaSettings() returns the values of interest, typed", () => {
    expect(readMetaSettings(parseMetaConfig(live, file))).toEqual({
      zookeeperHosts: "zk1:2181,zk2:2181,zk3:2181",
      clusterRoot: "/pegasus/c1",
      lockRoot: "/pegasus/c1/lock",
      recoverFromReplicaServer: undefined,
      metaFunctionLevelOnStart: "steady",
      serverList: ["10.0.0.1:34601", "10.0.0.2:34601", "10.0.0.3:34601"],
      fdLeaseSeconds: 20,
      fdCheckIntervalSeconds: 2,
      clusterName: "c1",
      defaultApps: [
        {
          section: "meta_server.apps.stat",
          values: {
            app_name: "stat",
            app_type: "pegasus",
            partition_count: "4",
            max_replica_count: "3",
          },
        },
      ],
    });
  });

  test("readMetaSettings() refuses a non-boolean recovery flag and a non-integer lease", () => {
    const flag = "[meta_server]\nrecover_from_replica_server = yes\n";
    expect(() => readMetaSettings(parseMetaConfig(flag, file))).toThrow(
      `Cannot read meta config ${file}: line 2: [meta_server] recover_from_replica_server must be true or false: "yes"`,
    );
    const lease = "[replication]\nfd_lease_seconds = 20s\n";
    expect(() => readMetaSettings(parseMetaConfig(lease, file))).toThrow(
      "line 2: [replication] fd_lease_seconds must be an integer",
    );
    const on = "[meta_server]\nrecover_from_replica_server = TRUE\n";
    expect(readMetaSettings(parseMetaConfig(on, file)).recoverFromReplicaServer).toBe(true);
  });
});

describe("placeholders", () => {
  test("isLiveConfig() is true for a deployed file, false for the template", () => {
    expect(isLiveConfig(parseMetaConfig(live, file))).toBe(true);
    const config = parseMetaConfig(template, file);
    expect(isLiveConfig(config)).toBe(false);
    expect(config.placeholders.map((p) => p.text)).toContain("%{zk.server.list}");
    expect(config.placeholders).toContainEqual({ line: 12, text: "@META_PORT@" });
    expect(config.placeholders).toContainEqual({ line: 66, text: "%{cluster.name}" });
  });

  test("placeholders in comments do not count", () => {
    const text = "[apps.meta]\n  ports = 34601 ; onebox: @META_PORT@, minos: %{meta.port}\n";
    expect(isLiveConfig(parseMetaConfig(text, file))).toBe(true);
  });

  test("verifyConfigIsLive() names every placeholder and its line", () => {
    const text =
      "[zookeeper]\n  hosts_list = %{zk.server.list}\n[meta_server]\n  cluster_root = /pegasus/onebox/@LOCAL_HOSTNAME@\n";
    expect(() => verifyConfigIsLive(parseMetaConfig(text, file))).toThrow(
      `Cannot use meta config ${file} as it is a template, not a live config: placeholders %{zk.server.list} (line 2), @LOCAL_HOSTNAME@ (line 4)`,
    );
  });
});

describe("splitRawLines()", () => {
  test("splitRawLines() round-trips LF, CRLF, mixed endings and a missing final newline", () => {
    for (const text of [live, crlf, "a\r\nb\nc", "\n\n", "", "x\r", "[a]\r\n  k = v\r\n\r\n"]) {
      expect(
        splitRawLines(text)
          .map((l) => l.content + l.eol)
          .join(""),
      ).toBe(text);
    }
  });

  test("scanLine() records the raw value span for the editor", () => {
    const line = "  hosts_list = zk1:2181   ; comment";
    expect(scanLine(line)).toMatchObject({
      kind: "key",
      key: "hosts_list",
      value: "zk1:2181",
      keyStart: 2,
      keyEnd: 12,
      equals: 13,
      valueStart: 15,
      valueEnd: 23,
      commentStart: 26,
    });
  });
});

describe("setConfigValue()", () => {
  const hosts = { section: "zookeeper", key: "hosts_list", value: "nzk1:2181,nzk2:2181" };

  test("setConfigValue() rewrites only the key's line, keeping indentation and the comment column", () => {
    const edit = setConfigValue(live, hosts, file);
    expect(edit.changed).toBe(true);
    expect(edit.line).toBe(71);
    expect(changedLines(live, edit.text)).toEqual([
      [
        71,
        "  hosts_list = zk1:2181,zk2:2181,zk3:2181        ; THE ZooKeeper address list",
        "  hosts_list = nzk1:2181,nzk2:2181               ; THE ZooKeeper address list",
      ],
    ]);
    expect(edit.after.indexOf(";")).toBe((edit.before as string).indexOf(";"));
    expect(edit.diff).toBe(
      `--- ${file}\n+++ ${file}\n@@ -71 +71 @@ [zookeeper]\n` +
        "-  hosts_list = zk1:2181,zk2:2181,zk3:2181        ; THE ZooKeeper address list\n" +
        "+  hosts_list = nzk1:2181,nzk2:2181               ; THE ZooKeeper address list\n",
    );
    expect(configValue(parseMetaConfig(edit.text, file), "zookeeper", "hosts_list")).toBe(
      hosts.value,
    );
  });

  test("setConfigValue() keeps CRLF endings and every other byte of a CRLF file", () => {
    const edit = setConfigValue(crlf, hosts, file);
    expect(edit.text).toBe(setConfigValue(live, hosts, file).text.replaceAll("\n", "\r\n"));
  });

  test("setConfigValue() moves a comment only as far as a longer value needs", () => {
    const long = "z".repeat(60);
    const edit = setConfigValue(live, { ...hosts, value: long }, file);
    expect(edit.after).toBe(`  hosts_list = ${long} ; THE ZooKeeper address list`);
  });

  test("setConfigValue() inserts a missing key after the section's last key line, in its style", () => {
    const change = { section: "meta_server", key: "recover_from_replica_server", value: "true" };
    const edit = setConfigValue(live, change, file);
    expect(edit.before).toBeNull();
    expect(edit.line).toBe(42);
    const lines = live.split("\n");
    lines.splice(41, 0, "  recover_from_replica_server = true");
    expect(edit.text).toBe(lines.join("\n"));
    expect(edit.diff).toBe(
      `--- ${file}\n+++ ${file}\n@@ -41,0 +42 @@ [meta_server]\n+  recover_from_replica_server = true\n`,
    );
  });

  test("setConfigValue() inserts into a CRLF file with CRLF", () => {
    const change = { section: "meta_server", key: "recover_from_replica_server", value: "false" };
    const edit = setConfigValue(crlf, change, file);
    expect(edit.text).toBe(setConfigValue(live, change, file).text.replaceAll("\n", "\r\n"));
  });

  test("setConfigValue() inserts into a last section without a final newline", () => {
    const text = "[meta_server]\n  cluster_root = /pegasus/c1";
    const change = { section: "meta_server", key: "recover_from_replica_server", value: "true" };
    expect(setConfigValue(text, change, file).text).toBe(
      "[meta_server]\n  cluster_root = /pegasus/c1\n  recover_from_replica_server = true",
    );
  });

  test("setConfigValue() inserts right after the header of an empty section", () => {
    const text = "[zookeeper]\n\n[meta_server]\n  x = 1\n";
    expect(setConfigValue(text, hosts, file).text).toBe(
      "[zookeeper]\n  hosts_list = nzk1:2181,nzk2:2181\n\n[meta_server]\n  x = 1\n",
    );
  });

  test("setConfigValue() is a no-op when the value is already set", () => {
    const change = { ...hosts, value: "zk1:2181,zk2:2181,zk3:2181" };
    expect(setConfigValue(live, change, file)).toEqual({
      text: live,
      changed: false,
      line: 71,
      before: "  hosts_list = zk1:2181,zk2:2181,zk3:2181        ; THE ZooKeeper address list",
      after: "  hosts_list = zk1:2181,zk2:2181,zk3:2181        ; THE ZooKeeper address list",
      diff: "",
    });
  });

  test("setConfigValue() keeps each line's own spacing style and trailing spaces", () => {
    const text = "[a]\nk=old\nm =\nn\t=  old  \nbare\n";
    const set = (key: string) =>
      setConfigValue(text, { section: "a", key, value: "new" }, file).after;
    expect(set("k")).toBe("k=new");
    expect(set("m")).toBe("m = new");
    expect(set("n")).toBe("n\t=  new  ");
    expect(set("bare")).toBe("bare = new");
    const tab = setConfigValue(
      live,
      { section: "replication", key: "fd_check_interval_seconds", value: "3" },
      file,
    );
    expect(tab.after).toBe("\tfd_check_interval_seconds = 3");
    const trailing = setConfigValue(
      live,
      { section: "replication", key: "fd_lease_seconds", value: "9" },
      file,
    );
    expect(trailing.after).toBe("  fd_lease_seconds = 9   ");
  });

  test("setConfigValue() escapes # and ; so rDSN reads them as part of the value", () => {
    const edit = setConfigValue("[a]\nk = v\n", { section: "a", key: "k", value: "x;y#z" }, file);
    expect(edit.after).toBe("k = x^;y^#z");
    expect(configValue(parseMetaConfig(edit.text, file), "a", "k")).toBe("x;y#z");
  });

  test("setConfigValue() refuses a key that occurs twice in its section", () => {
    const text = `${live}\n[zookeeper2]\n`.replace(
      "  logfile = zoo.log\n",
      "  logfile = zoo.log\n  hosts_list = other:2181\n",
    );
    expect(() => setConfigValue(text, hosts, file)).toThrow(MetaConfigEditRefused);
    expect(() => setConfigValue(text, hosts, file)).toThrow(
      `Cannot set [zookeeper] hosts_list in ${file} as the key occurs 2 times in the section (lines 71, 74)`,
    );
  });

  test("setConfigValue() ignores the same key in other sections and in comments", () => {
    const text =
      "[meta_server]\n  hosts_list = wrong:2181\n[zookeeper]\n  ;hosts_list = old\n  hosts_list = a:2181\n";
    expect(setConfigValue(text, hosts, file).line).toBe(5);
  });

  test("setConfigValue() refuses a missing section with a hint", () => {
    let error: unknown;
    try {
      setConfigValue("[meta_server]\n  x = 1\n", hosts, file);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MetaConfigEditRefused);
    expect((error as Error).message).toBe(
      `Cannot set [zookeeper] hosts_list in ${file} as the file has no [zookeeper] section`,
    );
    expect((error as MetaConfigEditRefused).hint).toContain("Add a [zookeeper] section");
  });

  test("setConfigValue() refuses values rDSN cannot read back", () => {
    for (const value of ["a\nb", " padded", "%arg%"]) {
      expect(() => setConfigValue(live, { ...hosts, value }, file)).toThrow(MetaConfigEditRefused);
    }
  });

  test("setConfigValue() refuses a file rDSN would not load", () => {
    expect(() => setConfigValue("[a]\n[a]\n", hosts, file)).toThrow(MetaConfigInvalid);
  });

  test("setConfigValues() applies changes in order and reports each diff", () => {
    const { text, results } = setConfigValues(
      live,
      [hosts, { section: "meta_server", key: "recover_from_replica_server", value: "true" }],
      file,
    );
    expect(results.map((r) => r.line)).toEqual([71, 42]);
    expect(changedLines(live, text).length).toBeGreaterThan(0);
    const config = parseMetaConfig(text, file);
    expect(readMetaSettings(config)).toMatchObject({
      zookeeperHosts: hosts.value,
      recoverFromReplicaServer: true,
    });
    expect(text.split("\n").length).toBe(live.split("\n").length + 1);
  });
});
