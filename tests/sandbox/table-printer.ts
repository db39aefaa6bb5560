/**
 * The shell's table printer, rebuilt from the rules of reference §4.4 (`output_utils`):
 * - tabular: `[name]` then one line per row; every cell padded with `setw(max_col_width + 2)`,
 *   left-aligned unless the column is right-aligned (so most lines end in spaces); key/value
 *   tables print `key` padded, then `": " + value` padded to the longest value + 2;
 * - several tables: each followed by one empty line;
 * - JSON: an object keyed by table name (4-space indent, or compact), every value a string; a
 *   multi-column table maps each row's first cell to all its cells; an empty table is left out.
 */

type Align = "left" | "right";
/** A JSON object as ordered entries (JS objects would reorder integer-like keys). */
type Json = string | [string, Json][];

/** One table, in multi-column mode (`addTitle`/`addColumn`/`addRow`) or key/value mode. */
export class TablePrinter {
  private mode: "none" | "columns" | "pairs" = "none";
  private readonly widths: number[] = [];
  private readonly aligns: Align[] = [];
  private readonly rows: string[][] = [];

  constructor(readonly name = "") {}

  /** The first column's header (multi-column mode). */
  addTitle(title: string, align: Align = "left"): this {
    this.mode = "columns";
    this.widths.push(title.length);
    this.aligns.push(align);
    this.rows.push([title]);
    return this;
  }

  addColumn(name: string, align: Align = "left"): this {
    this.widths.push(name.length);
    this.aligns.push(align);
    return this.append(name);
  }

  addRow(first: string | number): this {
    this.rows.push([]);
    return this.append(first);
  }

  append(data: string | number | boolean): this {
    const row = this.rows[this.rows.length - 1] as string[];
    const text = String(data);
    row.push(text);
    const col = row.length - 1;
    this.widths[col] = Math.max(this.widths[col] ?? 0, text.length);
    return this;
  }

  /** Key/value mode: one `key : value` row. */
  addPair(key: string, value: string | number | boolean): this {
    if (this.mode === "none") {
      this.mode = "pairs";
      this.widths.push(0, 0);
      this.aligns.push("left", "left");
    }
    this.rows.push([]);
    return this.append(key).append(value);
  }

  /** The tabular text, without the blank line a multi-table print adds. */
  tabular(): string {
    if (this.widths.length === 0) return "";
    const separator = this.mode === "pairs" ? ": " : "";
    let out = this.name ? `[${this.name}]\n` : "";
    for (const row of this.rows) {
      row.forEach((cell, col) => {
        const text = (col === 0 ? "" : separator) + cell;
        const width = (this.widths[col] as number) + 2;
        out += this.aligns[col] === "right" ? text.padStart(width) : text.padEnd(width);
      });
      out += "\n";
    }
    return out;
  }

  /** This table's members in a JSON object: `name: {…}`, or its rows directly when unnamed. */
  jsonMembers(): [string, Json][] {
    if (this.rows.length === 0) return [];
    let members: [string, Json][];
    if (this.mode === "pairs") {
      members = this.rows.map((row) => [row[0] as string, row[1] as string]);
    } else {
      const header = this.rows[0] as string[];
      members = this.rows
        .slice(1)
        .map((row) => [row[0] as string, row.map((cell, i) => [header[i] as string, cell])]);
    }
    return this.name ? [[this.name, members]] : members;
  }
}

/**
 * Prints one table (`tp.output`): tabular, or a JSON object (pretty, 4-space indent, or compact).
 * @example printTable(new TablePrinter("cluster_info").addPair("a", "1"), "tabular") // "[cluster_info]\na  : 1\n"
 */
export function printTable(table: TablePrinter, format: "tabular" | "pretty" | "compact"): string {
  if (format === "tabular") return table.tabular();
  return `${writeJson(table.jsonMembers(), format === "pretty" ? 0 : null)}\n`;
}

/** Prints several tables (`multi_table_printer`): each followed by an empty line, or one JSON object. */
export function printTables(
  tables: TablePrinter[],
  format: "tabular" | "pretty" | "compact",
): string {
  if (format === "tabular") return tables.map((t) => `${t.tabular()}\n`).join("");
  return `${writeJson(
    tables.flatMap((t) => t.jsonMembers()),
    format === "pretty" ? 0 : null,
  )}\n`;
}

/** rapidjson-style writer: `indent` null for compact, else the current depth (4 spaces each). */
function writeJson(value: Json, indent: number | null): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value.length === 0) return "{}";
  if (indent === null) {
    return `{${value.map(([k, v]) => `${JSON.stringify(k)}:${writeJson(v, null)}`).join(",")}}`;
  }
  const pad = " ".repeat((indent + 1) * 4);
  const members = value.map(([k, v]) => `${pad}${JSON.stringify(k)}: ${writeJson(v, indent + 1)}`);
  return `{\n${members.join(",\n")}\n${" ".repeat(indent * 4)}}`;
}
