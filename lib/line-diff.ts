/**
 * A unified diff of two small texts (config files of a few hundred lines), line by line, for
 * showing an operator what changed in a file since the tool wrote it.
 */

/**
 * The unified diff turning `before` into `after`, with `context` unchanged lines around each
 * change; `""` when the texts are equal. Line endings are part of the comparison but not shown.
 * @example lineDiff("a\nb\n", "a\nc\n", "config.ini") // "--- config.ini …\n@@ -2 +2 @@\n-b\n+c\n"
 */
export function lineDiff(
  before: string,
  after: string,
  label: string,
  options: { beforeLabel?: string; afterLabel?: string; context?: number } = {},
): string {
  if (before === after) return "";
  const a = before.split(/(?<=\n)/);
  const b = after.split(/(?<=\n)/);
  const ops = editScript(a, b);
  const context = options.context ?? 2;
  const lines = [
    `--- ${label} (${options.beforeLabel ?? "before"})`,
    `+++ ${label} (${options.afterLabel ?? "after"})`,
  ];
  let i = 0;
  while (i < ops.length) {
    if (ops[i]?.kind === "same") {
      i++;
      continue;
    }
    // A hunk: from `context` lines before this change to `context` lines after the last change
    // that is no more than 2×context unchanged lines away.
    const start = Math.max(0, i - context);
    let end = i;
    while (end < ops.length) {
      let next = end;
      while (next < ops.length && ops[next]?.kind === "same") next++;
      if (next === ops.length || next - end > 2 * context) break;
      end = next + 1;
    }
    const stop = Math.min(ops.length, end + context);
    const hunk = ops.slice(start, stop);
    const first = hunk[0] as Op;
    const oldCount = hunk.filter((o) => o.kind !== "add").length;
    const newCount = hunk.filter((o) => o.kind !== "remove").length;
    lines.push(`@@ -${first.oldLine},${oldCount} +${first.newLine},${newCount} @@`);
    for (const op of hunk) {
      const mark = op.kind === "same" ? " " : op.kind === "add" ? "+" : "-";
      lines.push(`${mark}${op.text.replace(/\r?\n$/, "")}`);
    }
    i = stop;
  }
  return `${lines.join("\n")}\n`;
}

interface Op {
  kind: "same" | "add" | "remove";
  text: string;
  /** 1-based line numbers where this op stands in each text. */
  oldLine: number;
  newLine: number;
}

/** The shortest edit script by longest common subsequence (quadratic: fine for config files). */
function editScript(a: string[], b: string[]): Op[] {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const lcs = new Uint32Array(rows * cols);
  for (let x = a.length - 1; x >= 0; x--)
    for (let y = b.length - 1; y >= 0; y--)
      lcs[x * cols + y] =
        a[x] === b[y]
          ? (lcs[(x + 1) * cols + y + 1] as number) + 1
          : Math.max(lcs[(x + 1) * cols + y] as number, lcs[x * cols + y + 1] as number);
  const ops: Op[] = [];
  let x = 0;
  let y = 0;
  while (x < a.length || y < b.length) {
    const here = { oldLine: x + 1, newLine: y + 1 };
    if (x < a.length && y < b.length && a[x] === b[y]) {
      ops.push({ kind: "same", text: a[x] as string, ...here });
      x++;
      y++;
    } else if (
      x < a.length &&
      (y === b.length || (lcs[(x + 1) * cols + y] as number) >= (lcs[x * cols + y + 1] as number))
    ) {
      ops.push({ kind: "remove", text: a[x] as string, ...here });
      x++;
    } else {
      ops.push({ kind: "add", text: b[y] as string, ...here });
      y++;
    }
  }
  return ops;
}
