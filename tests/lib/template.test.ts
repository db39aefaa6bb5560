import { describe, expect, test } from "bun:test";
import { placeholdersOf, renderTemplate, splitWords } from "../../lib/template.ts";

describe("splitWords()", () => {
  test("splitWords() splits like a shell without expanding anything", () => {
    expect(splitWords(`./run.sh shell --cluster "a b" 'c $d' e\\ f "x\\"y" $HOME`)).toEqual([
      "./run.sh",
      "shell",
      "--cluster",
      "a b",
      "c $d",
      "e f",
      'x"y',
      "$HOME",
    ]);
  });
  test("splitWords() refuses unbalanced quotes", () => {
    expect(() => splitWords(`echo "abc`)).toThrow('unclosed " in: echo "abc');
    expect(() => splitWords("echo 'abc")).toThrow("unclosed ' in");
  });
});

describe("renderTemplate()", () => {
  test("renderTemplate() fills placeholders inside words and keeps values as one argument", () => {
    expect(renderTemplate("systemctl start pegasus-meta@{task}", { task: "2" })).toEqual([
      "systemctl",
      "start",
      "pegasus-meta@2",
    ]);
    expect(renderTemplate(["run", "{cluster}"], { cluster: "a b; rm -rf /" })).toEqual([
      "run",
      "a b; rm -rf /",
    ]);
  });
  test("renderTemplate() refuses a placeholder without a value", () => {
    expect(() => renderTemplate("x {nope}", {})).toThrow(
      "Cannot fill template as {nope} has no value",
    );
  });
  test("placeholdersOf() lists each placeholder once", () => {
    expect(placeholdersOf(["{a}-{b}", "{a}"])).toEqual(["a", "b"]);
  });
});
