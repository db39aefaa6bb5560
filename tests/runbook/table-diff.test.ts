import { describe, expect, test } from "bun:test";
import type { TableRow } from "../../lib/shell/index.ts";
import { describeDiff, diffTableLists, isEmptyDiff } from "../../scripts/runbook/table-diff.ts";

const row = (appId: number, name: string, status = "AVAILABLE", partitionCount = 4): TableRow => ({
  appId,
  name,
  status,
  appType: "pegasus",
  partitionCount,
  replicaCount: 3,
  isStateful: true,
  createTime: "",
  dropTime: "-",
  dropExpire: "-",
  envsCount: 0,
});
const saved = (t: TableRow) => ({
  appId: t.appId,
  name: t.name,
  status: t.status,
  partitionCount: t.partitionCount,
});

describe("diffTableLists()", () => {
  test("diffTableLists() finds nothing when ids, names, statuses and partition counts match", () => {
    const tables = [row(1, "stat"), row(2, "t1"), row(3, "gone", "DROPPED")];
    const diff = diffTableLists(tables.map(saved), tables);
    expect(isEmptyDiff(diff)).toBe(true);
    expect(describeDiff(diff)).toEqual([]);
  });

  test("diffTableLists() reports renames, resurrected tables, drop holders, missing tables and partition counts by app id", () => {
    const before = [
      row(1, "stat"),
      row(2, "t"),
      row(3, "old", "DROPPED"),
      row(4, "lost"),
      row(5, "x", "AVAILABLE", 8),
    ].map(saved);
    const after = [
      row(1, "stat"),
      row(2, "t__2"),
      row(3, "old"),
      row(5, "x", "AVAILABLE", 4),
      row(6, "__drop_holder__6", "DROPPED", 1),
      row(7, "t"),
    ];
    const diff = diffTableLists(before, after);
    expect(diff).toEqual({
      renamed: [{ appId: 2, before: "t", after: "t__2" }],
      missing: [{ appId: 4, name: "lost", status: "absent" }],
      resurrected: [
        { appId: 3, name: "old" },
        { appId: 7, name: "t" },
      ],
      dropHolders: [6],
      partitionCountChanged: [{ appId: 5, name: "x", before: 8, after: 4 }],
    });
    expect(describeDiff(diff)).toEqual([
      "renamed: app 2 t → t__2",
      "missing: app 4 lost (now absent)",
      "resurrected: app 3 old",
      "resurrected: app 7 t",
      "drop holders: app ids 6",
      "partition count: app 5 x 8 → 4",
    ]);
  });
});
