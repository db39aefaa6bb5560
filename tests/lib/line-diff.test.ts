import { describe, expect, test } from "bun:test";
import { lineDiff } from "../../lib/line-diff.ts";

describe("lineDiff", () => {
  test("lineDiff() is empty for equal texts", () => {
    expect(lineDiff("a\nb\n", "a\nb\n", "f")).toBe("");
  });

  test("lineDiff() shows a changed line with two lines of context and 1-based line numbers", () => {
    const before = "a\nb\nc\nd\ne\nf\n";
    const after = "a\nb\nc\nX\ne\nf\n";
    expect(
      lineDiff(before, after, "config.ini", { beforeLabel: "written", afterLabel: "now" }),
    ).toBe(`--- config.ini (written)
+++ config.ini (now)
@@ -2,5 +2,5 @@
 b
 c
-d
+X
 e
 f
`);
  });

  test("lineDiff() splits distant changes into hunks and shows an inserted line", () => {
    const before = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
    const after = "1\nnew\n2\n3\n4\n5\n6\n7\n8\n9\nend\n";
    const diff = lineDiff(before, after, "f", { context: 1 });
    expect(diff.split("\n").filter((l) => l.startsWith("@@"))).toEqual([
      "@@ -1,2 +1,3 @@",
      "@@ -9,1 +10,2 @@",
    ]);
    expect(diff).toContain("\n+new\n");
    expect(diff).toContain("\n+end\n");
  });

  test("lineDiff() tells a changed line ending apart from an equal line", () => {
    expect(lineDiff("a\nb\n", "a\r\nb\n", "f", { context: 0 })).toContain("-a\n+a\n");
  });
});
