import { expect, test } from "bun:test";
import { $ } from "zx";

const script = `
import { freePort } from "${new URL("./ports.ts", import.meta.url).pathname}";
const ports = [];
for (let i = 0; i < 100; i++) ports.push(await freePort());
console.log(JSON.stringify(ports));
`;

test("two processes picking 100 ports each at once are never handed the same port", async () => {
  // 200 random picks from 12,000 ports collide with a probability of about 80 % without the
  // reservations; with them, never.
  const runs = await Promise.all(
    [1, 2].map(() => $({ quiet: true, input: script })`${process.execPath} run -`),
  );
  const ports = runs.flatMap((run) => JSON.parse(run.stdout) as number[]);
  expect(ports).toHaveLength(200);
  expect(new Set(ports).size).toBe(200);
  for (const port of ports) {
    expect(port).toBeGreaterThanOrEqual(20_000);
    expect(port).toBeLessThan(32_000);
  }
}, 60_000);
