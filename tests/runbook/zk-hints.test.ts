import { describe, expect, test } from "bun:test";
import { ActionFailed, PreconditionFailed, ToolError } from "../../lib/errors.ts";
import { withRunbookHint } from "../../scripts/runbook/zk-hints.ts";

describe("withRunbookHint()", () => {
  test("withRunbookHint() replaces a hint naming a zk-tool flag, keeping message, exit code and cause", () => {
    const cause = new Error("connection loss");
    const error = new ActionFailed("Cannot write batch 3 of 9", {
      hint: "The target may hold a partial copy: rerun with --overwrite to complete it",
      cause,
    });
    const mapped = withRunbookHint(error, "copy/04-copy-tree") as ToolError;
    expect(mapped).toBeInstanceOf(ToolError);
    expect(mapped.message).toBe("Cannot write batch 3 of 9");
    expect(mapped.exitCode).toBe(1);
    expect(mapped.cause).toBe(cause);
    expect(mapped.hint).toBe(
      "Fix the cause above, then run the same command again (`run`, or `step copy/04-copy-tree`): the step is safe to repeat",
    );
    const forced = new PreconditionFailed("Cannot remove", { hint: "stop it, or pass --force" });
    expect((withRunbookHint(forced, "copy/08-clean-old-zk") as ToolError).exitCode).toBe(3);
    expect((withRunbookHint(forced, "copy/08-clean-old-zk") as ToolError).hint).not.toContain(
      "--force",
    );
  });

  test("withRunbookHint() leaves other errors and hints alone", () => {
    const plain = new Error("boom");
    expect(withRunbookHint(plain, "copy/04-copy-tree")).toBe(plain);
    const fine = new ActionFailed("x", { hint: "Raise jute.maxbuffer on the target ensemble" });
    expect(withRunbookHint(fine, "copy/04-copy-tree")).toBe(fine);
  });
});
