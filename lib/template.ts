/**
 * Command templates from the inventory. A template is either an argv list or a string that is
 * split into words like a shell would (quotes and backslashes, no expansion). Placeholders such as
 * `{task}` are replaced inside each word, so a value with spaces stays one argument and is never
 * interpreted by a shell.
 */

/** A template as written in the inventory. */
export type Template = string | string[];

const placeholder = /\{([a-z_]+)\}/g;

/**
 * Splits a command string into words: whitespace separates, '…' is literal, "…" allows \" and
 * \\, and a backslash outside quotes escapes the next character.
 * @throws {SyntaxError} On an unclosed quote or a trailing backslash.
 * @example splitWords(`./run.sh shell --cluster "a b"`) // ["./run.sh", "shell", "--cluster", "a b"]
 */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === " " || c === "\t" || c === "\n") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new SyntaxError(`unclosed ' in: ${text}`);
      word += text.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === "\\" && (text[j + 1] === '"' || text[j + 1] === "\\")) j++;
        word += text[j];
      }
      if (j >= text.length) throw new SyntaxError(`unclosed " in: ${text}`);
      inWord = true;
      i = j;
    } else if (c === "\\") {
      if (i + 1 >= text.length) throw new SyntaxError(`trailing backslash in: ${text}`);
      word += text[++i];
      inWord = true;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** The words of a template, before placeholders are filled. */
export function templateWords(template: Template): string[] {
  return typeof template === "string" ? splitWords(template) : [...template];
}

/**
 * Names of the placeholders a template uses, in order of first use.
 * @example placeholdersOf("systemctl start pegasus-meta@{task}") // ["task"]
 */
export function placeholdersOf(template: Template): string[] {
  const names = new Set<string>();
  for (const word of templateWords(template)) {
    for (const m of word.matchAll(placeholder)) names.add(m[1] as string);
  }
  return [...names];
}

/**
 * Fills a template into an argv array.
 * @throws {Error} If the template uses a placeholder missing from `values`.
 * @example renderTemplate(["systemctl", "stop", "{unit}"], { unit: "meta@0" }) // ["systemctl", "stop", "meta@0"]
 */
export function renderTemplate(template: Template, values: Record<string, string>): string[] {
  return templateWords(template).map((word) =>
    word.replace(placeholder, (_, name: string) => {
      const value = values[name];
      if (value === undefined) {
        throw new Error(
          `Cannot fill template as {${name}} has no value: ${JSON.stringify(template)}`,
        );
      }
      return value;
    }),
  );
}
