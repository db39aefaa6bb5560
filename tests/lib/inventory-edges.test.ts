/** Hostile inventories (issue 11, item 9): each is refused with exit 2 and a line, quickly. */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InventoryInvalid, loadInventory, parseInventory } from "../../lib/inventory.ts";

const valid = `cluster: c1
zookeeper:
  root: /pegasus/c1
  source: zk1:2181,zk2:2181
  target: nzk1:2181
meta_servers:
  - { address: 10.0.0.1:34601, config: /etc/pegasus/meta/config.ini, task: 0 }
shell:
  command: ./run.sh shell --cluster {meta_list}
meta_control: { kind: systemd, unit: "pegasus-meta@{task}" }
`;

function problems(text: string): string[] {
  try {
    parseInventory(text, "/x/inv.yaml");
  } catch (error) {
    if (!(error instanceof InventoryInvalid)) throw error;
    expect(error.exitCode).toBe(2);
    return error.problems.map(
      (p) => `${p.line} ${p.path}: expected ${p.expected}; found ${p.found}`,
    );
  }
  throw new Error("expected the inventory to be invalid");
}

describe("inventory edges", () => {
  test.each([
    ["/pegasus/../c1", "a path without . or .. segments, e.g. /pegasus/c1"],
    ["/pegasus/./c1", "a path without . or .. segments, e.g. /pegasus/c1"],
    ["/.", "a path without . or .. segments, e.g. /pegasus/c1"],
    ["/zookeeper", "a path outside ZooKeeper's own /zookeeper tree, e.g. /pegasus/c1"],
    ["/zookeeper/quota/c1", "a path outside ZooKeeper's own /zookeeper tree, e.g. /pegasus/c1"],
  ])("root %s is refused", (root, expected) => {
    expect(problems(valid.replace("root: /pegasus/c1", `root: ${root}`))).toEqual([
      `3 zookeeper.root: expected ${expected}; found ${JSON.stringify(root)}`,
    ]);
  });

  test("root /./ is refused on both counts", () => {
    expect(problems(valid.replace("root: /pegasus/c1", "root: /./"))).toEqual([
      '3 zookeeper.root: expected an absolute path without a trailing slash, e.g. /pegasus/c1; found "/./"',
      '3 zookeeper.root: expected a path without . or .. segments, e.g. /pegasus/c1; found "/./"',
    ]);
  });

  test("ports above 65535 are refused in connect strings and addresses", () => {
    const text = valid
      .replace("zk2:2181", "zk2:99999")
      .replace("10.0.0.1:34601", "10.0.0.1:65536")
      .replace("target: nzk1:2181", "target: nzk1:0");
    expect(problems(text)).toEqual([
      '4 zookeeper.source: expected ports from 1 to 65535; found "zk1:2181,zk2:99999"',
      '5 zookeeper.target: expected ports from 1 to 65535; found "nzk1:0"',
      '7 meta_servers[0].address: expected a port from 1 to 65535; found "10.0.0.1:65536"',
    ]);
  });

  test("a target list naming a source server (any case) is refused", () => {
    expect(problems(valid.replace("target: nzk1:2181", "target: nzk1:2181,ZK2:2181"))).toEqual([
      '5 zookeeper.target: expected an ensemble that shares no server with source; both name zk2:2181; found "nzk1:2181,ZK2:2181"',
    ]);
  });

  test("a YAML alias bomb is refused with its line, not expanded", () => {
    const lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 10; i++) {
      const name = String.fromCharCode(97 + i);
      const previous = String.fromCharCode(96 + i);
      lines.push(`${name}: &${name} [${Array(10).fill(`*${previous}`).join(", ")}]`);
    }
    const bomb = `${valid}extra:\n${lines.map((l) => `  ${l}`).join("\n")}\n`;
    const found = problems(bomb);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(
      /^13 : expected YAML whose aliases expand to a modest size; found Excessive alias count/,
    );
  });

  test("an inventory larger than 1 MiB is refused without reading it all (e.g. /dev/zero)", () => {
    expect(() => loadInventory("/dev/zero")).toThrow(
      "Cannot use inventory /dev/zero: it is larger than 1 MiB",
    );
    const dir = mkdtempSync(join(tmpdir(), "pzm-inv-"));
    try {
      const file = join(dir, "big.yaml");
      writeFileSync(file, `${valid}${"# padding\n".repeat(120_000)}`);
      expect(() => loadInventory(file)).toThrow("it is larger than 1 MiB");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
