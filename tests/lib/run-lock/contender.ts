/**
 * One contender of the run-lock race (tests/lib/run-lock.test.ts): for each trial directory in
 * turn, try to take its stale lock; the winner records itself and holds the lock until every
 * contender has tried that trial, so two holders at once would both be recorded.
 * Usage: bun contender.ts DIR TRIALS CONTENDERS
 */
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RunLock } from "../../../lib/run-lock.ts";

const [dir, trials, contenders] = [
  process.argv[2] as string,
  Number(process.argv[3]),
  Number(process.argv[4]),
];
const held: RunLock[] = [];
for (let trial = 0; trial < trials; trial++) {
  const trialDir = join(dir, String(trial));
  let lock: RunLock | undefined;
  try {
    lock = RunLock.acquire(join(trialDir, "run.lock"), `trial ${trial}`);
    writeFileSync(join(trialDir, `holder-${process.pid}`), "");
  } catch (error) {
    if (!(error as Error).message.startsWith("Cannot start as another run holds")) throw error;
  }
  writeFileSync(join(trialDir, `tried-${process.pid}`), "");
  if (lock) {
    held.push(lock);
    const deadline = Date.now() + 60_000;
    const tried = () => readdirSync(trialDir).filter((f) => f.startsWith("tried-")).length;
    while (tried() < contenders) {
      if (Date.now() > deadline) throw new Error(`trial ${trial}: the others never tried`);
      await Bun.sleep(2);
    }
  }
}
for (const lock of held) lock.release();
