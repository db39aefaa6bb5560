/**
 * Command-line handling of the simulated shell: `sdssplitargs` line splitting (quotes and
 * escapes; an unbalanced quote makes the whole line invalid) and GNU `getopt_long` option
 * parsing (bundled short flags, attached or separate values, `--long[=value]`, operands anywhere).
 */

/**
 * Splits a command line like `sdssplitargs`; null when quotes are unbalanced.
 * @example splitArgs(`recover -s "a:1,b:2"`) // ["recover", "-s", "a:1,b:2"]
 */
export function splitArgs(line: string): string[] | null {
  const args: string[] = [];
  let i = 0;
  const escapes: Record<string, string> = { n: "\n", r: "\r", t: "\t", b: "\b", a: "\x07" };
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i] as string)) i++;
    if (i >= line.length) break;
    let word = "";
    let quote: '"' | "'" | null = null;
    for (;;) {
      const c = line[i];
      if (quote === '"') {
        if (c === undefined) return null;
        if (c === "\\" && /^x[0-9a-fA-F]{2}/.test(line.slice(i + 1, i + 4))) {
          word += String.fromCharCode(Number.parseInt(line.slice(i + 2, i + 4), 16));
          i += 4;
          continue;
        }
        if (c === "\\" && i + 1 < line.length) {
          const next = line[i + 1] as string;
          word += escapes[next] ?? next;
          i += 2;
          continue;
        }
        if (c === '"') {
          if (i + 1 < line.length && !/\s/.test(line[i + 1] as string)) return null;
          quote = null;
          i++;
          break;
        }
      } else if (quote === "'") {
        if (c === undefined) return null;
        if (c === "\\" && line[i + 1] === "'") {
          word += "'";
          i += 2;
          continue;
        }
        if (c === "'") {
          if (i + 1 < line.length && !/\s/.test(line[i + 1] as string)) return null;
          quote = null;
          i++;
          break;
        }
      } else {
        if (c === undefined || /\s/.test(c)) break;
        if (c === '"' || c === "'") {
          quote = c;
          i++;
          continue;
        }
      }
      word += c;
      i++;
    }
    args.push(word);
  }
  return args;
}

/** Options of one command: short letters (`o:` takes a value) and long names. */
export interface OptionSpec {
  short: string;
  long?: Record<string, string>;
}

/** Parsed options: letter → value (or true), plus the operands. */
export interface ParsedOptions {
  options: Map<string, string | true>;
  operands: string[];
}

/**
 * Parses `argv` (argv[0] is the command) like `getopt_long`; null after printing getopt's own
 * complaint to `error` when an option is unknown or lacks its value.
 * @example parseOptions(["ls", "-dj", "--output=x"], { short: "djo:", long: { output: "o" } })
 */
export function parseOptions(
  argv: string[],
  spec: OptionSpec,
  error: (line: string) => void,
): ParsedOptions | null {
  const takesValue = (letter: string) => spec.short.includes(`${letter}:`);
  const known = (letter: string) => letter !== ":" && spec.short.includes(letter);
  const options = new Map<string, string | true>();
  const operands: string[] = [];
  const name = argv[0] ?? "";
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") {
      operands.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith("--")) {
      const [key, inline] = arg.slice(2).split(/=(.*)/s) as [string, string | undefined];
      const letter = spec.long?.[key];
      if (!letter) {
        error(`${name}: unrecognized option '${arg}'`);
        return null;
      }
      if (!takesValue(letter)) options.set(letter, true);
      else if (inline !== undefined) options.set(letter, inline);
      else if (i + 1 < argv.length) options.set(letter, argv[++i] as string);
      else {
        error(`${name}: option '${arg}' requires an argument`);
        return null;
      }
      continue;
    }
    if (!arg.startsWith("-") || arg === "-") {
      operands.push(arg);
      continue;
    }
    for (let j = 1; j < arg.length; j++) {
      const letter = arg[j] as string;
      if (!known(letter)) {
        error(`${name}: invalid option -- '${letter}'`);
        return null;
      }
      if (!takesValue(letter)) {
        options.set(letter, true);
        continue;
      }
      const rest = arg.slice(j + 1);
      if (rest) options.set(letter, rest);
      else if (i + 1 < argv.length) options.set(letter, argv[++i] as string);
      else {
        error(`${name}: option requires an argument -- '${letter}'`);
        return null;
      }
      break;
    }
  }
  return { options, operands };
}
