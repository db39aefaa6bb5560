import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PreconditionFailed } from "../../lib/errors.ts";
import { Journal } from "../../lib/journal.ts";
import { createLog, type Event } from "../../lib/log.ts";
import { runStep, runSteps, type Step, type StepContext, waitUntil } from "../../lib/step.ts";
import { WaitTimedOut, waitFor } from "../../lib/wait-for.ts";

/** A context whose "world" is a counter the step changes. */
function context(options: { dryRun?: boolean; yes?: boolean; answer?: boolean } = {}) {
  const events: Event[] = [];
  const log = createLog({ json: true, write: (line) => events.push(JSON.parse(line)) });
  const journal = Journal.open(
    mkdtempSync(join(tmpdir(), "pzm-step-")),
    { cluster: "c1", method: "copy" },
    { persist: !options.dryRun },
  );
  const ctx: StepContext & { world: { value: number; ran: number } } = {
    log,
    journal,
    dryRun: options.dryRun ?? false,
    yes: options.yes ?? false,
    ask: options.answer === undefined ? undefined : async () => options.answer as boolean,
    world: { value: 0, ran: 0 },
  };
  return { ctx, events };
}
type Ctx = ReturnType<typeof context>["ctx"];

const setToOne: Step<Ctx> = {
  id: "t/01-set",
  title: "Set the value to 1",
  preconditions: [
    {
      title: "value is not negative",
      observe: async (c) => ({ ok: c.world.value >= 0, evidence: `value ${c.world.value}` }),
    },
  ],
  run: async (c) => {
    c.world.ran++;
    c.world.value = 1;
  },
  postconditions: [
    {
      title: "value is 1",
      observe: async (c) => ({ ok: c.world.value === 1, evidence: `value ${c.world.value}` }),
    },
  ],
};

describe("runStep()", () => {
  test("runStep() runs, journals evidence, and a second run only verifies", async () => {
    const { ctx } = context();
    expect(await runStep(setToOne, ctx)).toBe("ran");
    expect(await runStep(setToOne, ctx)).toBe("verified");
    expect(ctx.world.ran).toBe(1);
    const record = ctx.journal.step("t/01-set");
    expect(record?.status).toBe("done");
    expect(record?.evidence.map((e) => `${e.phase} ${e.title} ${e.ok} ${e.evidence}`)).toEqual([
      "pre value is not negative true value 0",
      "post value is 1 true value 1",
    ]);
  });

  test("runStep() refuses a done step whose result no longer holds, and runs nothing", async () => {
    const { ctx } = context();
    await runStep(setToOne, ctx);
    ctx.world.value = 5;
    await expect(runStep(setToOne, ctx)).rejects.toThrow(
      "t/01-set (Set the value to 1) is recorded done, but its result no longer holds: value is 1: value 5",
    );
    expect(ctx.world.ran).toBe(1);
  });

  test("runSteps() trusts a done step that a later done step superseded", async () => {
    const { ctx } = context();
    const setToTwo: Step<Ctx> = {
      id: "t/02-set",
      title: "Set the value to 2",
      preconditions: [],
      run: async (c) => {
        c.world.value = 2;
      },
      postconditions: [
        {
          title: "value is 2",
          observe: async (c) => ({ ok: c.world.value === 2, evidence: `value ${c.world.value}` }),
        },
      ],
    };
    expect(await runSteps([setToOne, setToTwo], ctx)).toEqual({
      "t/01-set": "ran",
      "t/02-set": "ran",
    });
    expect(await runSteps([setToOne, setToTwo], ctx)).toEqual({
      "t/01-set": "verified",
      "t/02-set": "verified",
    });
    expect(ctx.world.ran).toBe(1);
  });

  test("runStep() refuses on a failed precondition, names the evidence and changes nothing", async () => {
    const { ctx } = context();
    ctx.world.value = -3;
    const failure = runStep(setToOne, ctx);
    await expect(failure).rejects.toBeInstanceOf(PreconditionFailed);
    await expect(failure).rejects.toThrow(
      "Cannot run t/01-set (Set the value to 1) as a precondition is not met: value is not negative: value -3",
    );
    expect(ctx.world.ran).toBe(0);
    expect(ctx.journal.step("t/01-set")?.status).toBe("failed");
  });

  test("runStep() fails a step whose postcondition does not hold after running", async () => {
    const { ctx } = context();
    const broken: Step<Ctx> = {
      ...setToOne,
      run: async (c) => {
        c.world.value = 2;
      },
    };
    await expect(runStep(broken, ctx)).rejects.toThrow(
      "t/01-set (Set the value to 1) ran but its result is wrong: value is 1: value 2",
    );
  });

  test("a destructive step without a TTY refuses unless --yes; a 'no' answer stops it", async () => {
    const destructive = { ...setToOne, destructive: true };
    const noTty = context();
    await expect(runStep(destructive, noTty.ctx)).rejects.toThrow(
      "without confirmation: stdin is not a terminal",
    );
    expect(noTty.ctx.world.ran).toBe(0);
    const refused = context({ answer: false });
    await expect(runStep(destructive, refused.ctx)).rejects.toThrow(
      "Stopped before t/01-set: not confirmed",
    );
    const yes = context({ yes: true });
    expect(await runStep(destructive, yes.ctx)).toBe("ran");
  });

  test("under dry-run checks are described, not evaluated, and waits are only announced", async () => {
    const { ctx, events } = context({ dryRun: true });
    const waiting: Step<Ctx> = {
      ...setToOne,
      run: async (c) =>
        void (await waitUntil(
          c,
          async () => ({ ok: false, evidence: "never" }),
          60_000,
          "the value settles",
        )),
    };
    expect(await runStep(waiting, ctx)).toBe("planned");
    expect(
      events.map((e) =>
        e.kind === "check" ? `${e.phase} ${e.ok}` : e.kind === "info" ? e.message : e.kind,
      ),
    ).toEqual([
      "step",
      "pre null",
      "  would wait until the value settles (up to 1 min 00 s)",
      "post null",
    ]);
  });
});

describe("runSteps() questions", () => {
  /** Three steps; the first and the last are destructive. Records the order of asks and runs. */
  function runbook(answers: boolean[], delayMs = 0) {
    const { ctx, events } = context();
    const order: string[] = [];
    const prompt = { totalMs: 0 };
    const stamps: Record<string, number> = {};
    const step = (id: string, destructive: boolean): Step<Ctx> => ({
      ...setToOne,
      id,
      destructive,
      preconditions: [],
      postconditions: [],
      run: async (c) => {
        order.push(`run ${id}`);
        c.world.ran++;
      },
    });
    ctx.ask = async (question) => {
      order.push(`ask ${question.split(":")[0]}`);
      const askedAt = Date.now();
      await Bun.sleep(delayMs); // the operator thinking: time that belongs to no step
      prompt.totalMs += Date.now() - askedAt;
      return answers.shift() ?? false;
    };
    const log = ctx.log;
    ctx.log = Object.assign((event: Event) => {
      if (event.kind === "step") stamps[`${event.id} ${event.state}`] = Date.now();
      log(event);
    }, log);
    const steps = [step("t/01-a", true), step("t/02-b", false), step("t/03-c", true)];
    return { ctx, events, order, prompt, stamps, steps };
  }

  test("runSteps() asks every question of the run before the first change", async () => {
    const r = runbook([true, true]);
    await runSteps(r.steps, r.ctx);
    expect(r.order).toEqual(["ask t/01-a", "ask t/03-c", "run t/01-a", "run t/02-b", "run t/03-c"]);
  });

  test("runSteps() declined at a later question changes nothing and records no attempt", async () => {
    const r = runbook([true, false]);
    await expect(runSteps(r.steps, r.ctx)).rejects.toThrow(
      "Stopped before t/01-a: t/03-c not confirmed",
    );
    expect(r.order).toEqual(["ask t/01-a", "ask t/03-c"]);
    expect(r.ctx.journal.step("t/01-a")).toBeUndefined();
  });

  test("runSteps() resumed after step 1 asks only the questions still ahead, before its first change", async () => {
    const r = runbook([true]);
    r.ctx.journal.start("t/01-a");
    r.ctx.journal.finish("t/01-a");
    await runSteps(r.steps, r.ctx);
    expect(r.order).toEqual(["ask t/03-c", "run t/02-b", "run t/03-c"]);
  });

  test("a step's duration leaves out the time its questions waited for an answer", async () => {
    const r = runbook([true, true], 400);
    await runSteps(r.steps, r.ctx);
    const wall = (r.stamps["t/01-a done"] as number) - (r.stamps["t/01-a start"] as number);
    const logged = r.events.find(
      (e) => e.kind === "step" && e.id === "t/01-a" && e.state === "done",
    );
    const journaled = r.ctx.journal.step("t/01-a")?.durationMs as number;
    // Both prompts (≥ 800 ms together) are excluded; the slack covers millisecond rounding.
    expect((logged as { durationMs: number }).durationMs).toBeLessThanOrEqual(
      wall - r.prompt.totalMs + 20,
    );
    expect(journaled).toBeLessThanOrEqual(wall - r.prompt.totalMs + 20);
  });
});

describe("waitUntil()", () => {
  test("waitUntil() says every few seconds what is still missing", async () => {
    const { ctx, events } = context();
    const until = Date.now() + 5_600;
    let probes = 0;
    await waitUntil(
      ctx,
      async () => ({ ok: Date.now() > until, evidence: `probe ${++probes}: 1 of 3 metas up` }),
      60_000,
      "every meta up",
    );
    const waits = events.filter((e) => e.kind === "wait");
    expect(waits.length).toBeGreaterThanOrEqual(1);
    expect(waits[0]).toMatchObject({ what: "every meta up", timeoutMs: 60_000 });
    expect((waits[0] as { evidence: string }).evidence).toMatch(/^probe \d+: 1 of 3 metas up$/);
    expect((waits[0] as { elapsedMs: number }).elapsedMs).toBeGreaterThanOrEqual(5_000);
  }, 20_000);

  test("waitUntil() gives up at once when a probe says waiting cannot help", async () => {
    const { ctx } = context();
    const dead = new Error("meta 1 exited (exit 134)");
    await expect(
      waitUntil(
        ctx,
        async () => ({ ok: false, evidence: "stopped", giveUp: dead }),
        600_000,
        "meta 1 running",
      ),
    ).rejects.toBe(dead);
  });
});

describe("waitFor()", () => {
  test("waitFor() polls until the condition holds", async () => {
    let n = 0;
    const seen = await waitFor(async () => ({ ok: ++n === 3, evidence: `n=${n}` }), 5000, {
      what: "n reaches 3",
      intervalMs: 10,
    });
    expect(seen.evidence).toBe("n=3");
  });

  test("waitFor() names the condition and the last evidence when time runs out", async () => {
    const failure = waitFor(
      async () => ({ ok: false, evidence: "2 of 5 still ALIVE (r1, r4)" }),
      100,
      { what: "every replica server INACTIVE", intervalMs: 20 },
    );
    await expect(failure).rejects.toBeInstanceOf(WaitTimedOut);
    await expect(failure).rejects.toThrow(
      "Cannot continue as every replica server INACTIVE must hold within 100 ms: 2 of 5 still ALIVE (r1, r4)",
    );
  });
});
