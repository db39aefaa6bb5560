/**
 * The README's commands work in a fresh checkout after `npm install` (issue 11, item 13): Bun is
 * then in node_modules/.bin, not on PATH, so a command must go through `npm run …` or `npx bun`.
 */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const readme = readFileSync(join(import.meta.dir, "../README.md"), "utf8");

test("README names no bare `bun …` command: npm scripts or `npx bun` instead", () => {
  const commands = [
    ...readme.matchAll(/```sh\n([\s\S]*?)```/g).flatMap((block) => block[1]?.split("\n") ?? []),
    ...[...readme.matchAll(/`([^`\n]+)`/g)].map((code) => code[1] ?? ""),
  ];
  expect(commands.filter((line) => /^\s*bun\s/.test(line))).toEqual([]);
});

test("every `npm run NAME` in the README is a script of package.json", () => {
  const scripts = Object.keys(
    JSON.parse(readFileSync(join(import.meta.dir, "../package.json"), "utf8")).scripts,
  );
  const named = [...readme.matchAll(/npm run ([a-z-]+)/g)].map((m) => m[1] as string);
  expect(named.length).toBeGreaterThan(3);
  expect(named.filter((name) => !scripts.includes(name))).toEqual([]);
});
