import { describe, expect, test } from "bun:test";
import { createLog } from "../../lib/log.ts";
import { renderBar, withProgressBar } from "../../lib/progress.ts";

describe("progress bars", () => {
  test("renderBar() draws phase, bar, counts and percentage; a counter when the total is unknown", () => {
    const event = {
      kind: "zk-progress",
      ensemble: "source",
      phase: "read",
      done: 5,
      total: 20,
    } as const;
    expect(renderBar(event, 60)).toBe(`read source    ${"█".repeat(8)}${"░".repeat(24)} 5/20 25%`);
    expect(renderBar({ ...event, done: 12_345, total: null }, 60)).toBe(
      "read source    12,345 znodes",
    );
  });

  test("renderBar() fits every line in a narrow terminal, so redraws leave no trail", () => {
    const event = {
      kind: "zk-progress",
      ensemble: "target",
      phase: "write",
      done: 12_345,
      total: 25_708,
    } as const;
    for (const columns of [20, 30, 40, 50, 80, 200]) {
      for (const e of [event, { ...event, total: null }]) {
        expect(`${columns}: ${renderBar(e, columns)}`.length).toBeLessThan(
          `${columns}: `.length + columns,
        );
      }
    }
    expect(renderBar(event, 40)).toBe(
      `write target   ${"█".repeat(3)}${"░".repeat(3)} 12,345/25,708 48%`,
    );
    expect(renderBar(event, 30)).toBe("12,345/25,708 48%");
  });

  test("withProgressBar() draws on a TTY, clears before other lines, and passes events through otherwise", () => {
    const drawn: string[] = [];
    const lines: string[] = [];
    const tty = { isTTY: true, columns: 60, write: (text: string) => drawn.push(text) };
    const log = withProgressBar(createLog({ write: (line) => lines.push(line) }), { stream: tty });
    log({ kind: "zk-progress", ensemble: "target", phase: "write", done: 1, total: 2 });
    log({ kind: "info", message: "done" });
    expect(drawn).toEqual([
      "\r\x1b[K" +
        renderBar(
          { kind: "zk-progress", ensemble: "target", phase: "write", done: 1, total: 2 },
          60,
        ),
      "\r\x1b[K",
    ]);
    expect(lines).toEqual(["done"]);

    const json: string[] = [];
    const plain = withProgressBar(createLog({ json: true, write: (line) => json.push(line) }), {
      stream: tty,
    });
    plain({ kind: "zk-progress", ensemble: "target", phase: "write", done: 1, total: 2 });
    expect(json).toEqual([
      '{"kind":"zk-progress","ensemble":"target","phase":"write","done":1,"total":2}',
    ]);
  });
});
