/**
 * The line scanner behind `read.ts`: splits a `config.ini` into lines that keep their exact
 * bytes and line endings, and says what each line means to rDSN (`src/utils/configuration.cpp`,
 * reference §5.5), with the raw positions the editor needs to rewrite one value in place.
 */

/** One physical line: `content + eol` is its exact text. */
export interface RawLine {
  /** 1-based line number. */
  number: number;
  /** The line without its ending. */
  content: string;
  /** `\r\n`, `\n`, or `""` for a last line without an ending. */
  eol: "\r\n" | "\n" | "";
}

/** A `key = value` (or bare `key`) line, with raw positions inside `content`. */
export interface KeyLine {
  kind: "key";
  /** Trimmed key, as rDSN stores it. */
  key: string;
  /** Value as rDSN reads it: comments cut, `^#`/`^;` unescaped, trimmed, `%arg%` → "". */
  value: string;
  /** Index of the first `=` in `content`, or -1 for a bare key. */
  equals: number;
  /** Index where the indentation ends (the key starts). */
  keyStart: number;
  /** Index just after the key's last character. */
  keyEnd: number;
  /** Span of the written value in `content` (empty span when there is no value). */
  valueStart: number;
  valueEnd: number;
  /** Index of the comment character that ends the effective text, or `content.length`. */
  commentStart: number;
}

/** What one line means to rDSN. */
export type LineMeaning =
  | { kind: "blank" }
  | { kind: "section"; name: string }
  | KeyLine
  | { kind: "invalid"; reason: string };

/** A scanned line and the section it sits in (`null` before the first section header). */
export type ScannedLine = RawLine & { meaning: LineMeaning; section: string | null };

/** Characters rDSN's `trim_string` removes (C `isspace`). */
const space = new Set([" ", "\t", "\n", "\v", "\f", "\r"]);

/**
 * Splits text into lines that keep their endings; joining `content + eol` gives the text back.
 * @example splitRawLines("a\r\nb").map((l) => l.eol) // ["\r\n", ""]
 */
export function splitRawLines(text: string): RawLine[] {
  const lines: RawLine[] = [];
  let start = 0;
  while (start < text.length) {
    const newline = text.indexOf("\n", start);
    const end = newline < 0 ? text.length : newline;
    const crlf = newline >= 0 && end > start && text[end - 1] === "\r";
    lines.push({
      number: lines.length + 1,
      content: text.slice(start, crlf ? end - 1 : end),
      eol: newline < 0 ? "" : crlf ? "\r\n" : "\n",
    });
    start = end + 1;
  }
  return lines;
}

/**
 * Reads one line as rDSN does: leading spaces, tabs and `\r` are skipped; an unescaped `#` or `;`
 * anywhere starts a comment (`^#` and `^;` are literal); `[name]` is a section (trimmed, dots
 * literal); a line with `=` is `key = value`; a line without `=` is a key with an empty value.
 * @example scanLine("  hosts_list = zk1:2181 ; the ensemble").kind // "key"
 */
export function scanLine(content: string): LineMeaning {
  let indentEnd = 0;
  while (" \t\r".includes(content[indentEnd] ?? "x")) indentEnd++;
  let effective = "";
  let commentStart = content.length;
  for (let i = indentEnd; i < content.length; i++) {
    const c = content[i] as string;
    if (c === "#" || c === ";") {
      if (i > indentEnd && content[i - 1] === "^") {
        effective = `${effective.slice(0, -1)}${c}`;
        continue;
      }
      commentStart = i;
      break;
    }
    effective += c;
  }
  if (effective === "") return { kind: "blank" };
  const equals = effective.indexOf("=");
  if (effective.startsWith("[")) {
    if (equals >= 0) return { kind: "invalid", reason: "a section header cannot contain '='" };
    const close = effective.indexOf("]");
    if (close < 0) return { kind: "invalid", reason: "a section header needs a closing ']'" };
    const name = trim(effective.slice(1, close));
    if (name === "") return { kind: "invalid", reason: "the section name is empty" };
    return { kind: "section", name };
  }
  const key = trim(equals >= 0 ? effective.slice(0, equals) : effective);
  if (key === "") return { kind: "invalid", reason: "the key before '=' is empty" };
  const written = equals >= 0 ? trim(effective.slice(equals + 1)) : "";
  const value =
    written.length > 2 && written.startsWith("%") && written.endsWith("%") ? "" : written;
  const rawEquals = equals >= 0 ? content.indexOf("=", indentEnd) : -1;
  const keyEnd = lastNonSpace(content, indentEnd, rawEquals >= 0 ? rawEquals : commentStart);
  let valueStart = rawEquals >= 0 ? rawEquals + 1 : keyEnd;
  while (valueStart < commentStart && space.has(content[valueStart] as string)) valueStart++;
  const valueEnd = Math.max(valueStart, lastNonSpace(content, valueStart, commentStart));
  return {
    kind: "key",
    key,
    value,
    equals: rawEquals,
    keyStart: indentEnd,
    keyEnd,
    valueStart,
    valueEnd,
    commentStart,
  };
}

/**
 * Splits and scans a whole file, tracking the current section.
 * @example scanConfig("[zookeeper]\nhosts_list = a:2181\n")[1]?.section // "zookeeper"
 */
export function scanConfig(text: string): ScannedLine[] {
  let section: string | null = null;
  return splitRawLines(text).map((line) => {
    const meaning = scanLine(line.content);
    if (meaning.kind === "section") section = meaning.name;
    return { ...line, meaning, section };
  });
}

/** Trims like rDSN's `trim_string`. */
export function trim(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && space.has(text[start] as string)) start++;
  while (end > start && space.has(text[end - 1] as string)) end--;
  return text.slice(start, end);
}

/** Index just after the last non-space character of `content[from, to)`, or `from`. */
function lastNonSpace(content: string, from: number, to: number): number {
  let end = to;
  while (end > from && space.has(content[end - 1] as string)) end--;
  return end;
}
