/**
 * The Step type and its runner: preconditions → (confirm) → action → postconditions, each check
 * recorded with its evidence in the journal. Re-running a finished step verifies it and moves on;
 * a step killed half-way is run again, so every `run` must be safe to repeat. Under `--dry-run`
 * the runner only describes checks and lets `run` print its commands through the doors.
 */
import { createInterface } from "node:readline/promises";
import { formatMs } from "./duration.ts";
import { ActionFailed, PreconditionFailed } from "./errors.ts";
import type { Journal } from "./journal.ts";
import type { Log } from "./log.ts";
import { type Observation, waitFor } from "./wait-for.ts";

/** What every step context has; a runbook extends it with its doors (hosts, zk, shell). */
export interface StepContext {
  log: Log;
  journal: Journal;
  dryRun: boolean;
  /** `--yes`: do not ask before destructive steps. */
  yes: boolean;
  /** Asks the operator; resolves false for "no". Tests may swap it. @default asks on the TTY */
  ask?: (question: string) => Promise<boolean>;
}

/** A check named for the state it asserts, returning what it observed. */
export interface Check<C extends StepContext = StepContext> {
  title: string;
  observe: (ctx: C) => Promise<Observation>;
}

/** One runbook step. */
export interface Step<C extends StepContext = StepContext> {
  id: string;
  title: string;
  /** Ask before running (on a TTY), refuse without a TTY unless `--yes`. @default false */
  destructive?: boolean;
  preconditions: Check<C>[];
  run: (ctx: C) => Promise<void>;
  postconditions: Check<C>[];
}

/** How a step ended. */
export type StepOutcome = "ran" | "verified" | "planned";

/** Options of {@link runStep}. */
export interface RunStepOptions<C extends StepContext = StepContext> {
  /**
   * A later step already finished, so this step's postconditions may legitimately no longer hold
   * (followers stopped by step 1 are started again by step 6): trust the journal.
   * @default false
   */
  superseded?: boolean;
  /**
   * The destructive steps to confirm before this step changes anything: `runSteps` asks every
   * question of the run at its first change, so nobody waits for a human while the leader is
   * blind. @default this step, when it is destructive
   */
  questions?: Step<C>[];
}

/**
 * Runs one step with its checks, recording everything in the journal. A step the journal holds
 * as done is verified (its postconditions must still hold) and not run again.
 * @throws {PreconditionFailed} Naming every failed precondition with its evidence (nothing was run).
 * @throws {ActionFailed} If the action or a postcondition failed, or a done step no longer verifies.
 * @example await runStep(stopFollowers, ctx);
 */
export async function runStep<C extends StepContext>(
  step: Step<C>,
  ctx: C,
  options: RunStepOptions<C> = {},
): Promise<StepOutcome> {
  if (ctx.dryRun) return planStep(step, ctx);
  const { journal, log } = ctx;
  if (journal.isDone(step.id)) {
    if (options.superseded) {
      log({ kind: "step", id: step.id, title: step.title, state: "verified" });
      return "verified";
    }
    const failed = await evaluate(step, ctx, step.postconditions, "verify");
    if (failed.length > 0) {
      const reason = failed.map((c) => `${c.title}: ${c.evidence}`).join("; ");
      throw new ActionFailed(
        `${step.id} (${step.title}) is recorded done, but its result no longer holds: ${reason}`,
        {
          hint: "Something changed the cluster after this step ran. Find out what before going on; `status -i FILE` shows the evidence recorded then.",
        },
      );
    }
    log({ kind: "step", id: step.id, title: step.title, state: "verified" });
    return "verified";
  }
  log({ kind: "step", id: step.id, title: step.title, state: "start" });
  const started = performance.now();
  const pre = await observeChecks(step, ctx, step.preconditions, "pre");
  const unmet = pre.filter((c) => !c.ok);
  if (unmet.length > 0) {
    journal.start(step.id);
    recordEvidence(ctx, step, "pre", pre);
    const reason = unmet.map((c) => `${c.title}: ${c.evidence}`).join("; ");
    journal.fail(step.id, `precondition not met: ${reason}`);
    throw new PreconditionFailed(
      `Cannot run ${step.id} (${step.title}) as ${unmet.length === 1 ? "a precondition is" : "preconditions are"} not met: ${reason}`,
      {
        hint: "Nothing was changed by this step. Fix the cause, then run again; finished steps are verified and skipped.",
      },
    );
  }
  // Time at a prompt is the operator's, not the step's; declining leaves no attempt behind.
  const promptMs = await confirm(step, options.questions ?? (step.destructive ? [step] : []), ctx);
  const elapsed = () => Math.round(performance.now() - started - promptMs);
  journal.start(step.id, new Date(Date.now() - elapsed()));
  recordEvidence(ctx, step, "pre", pre);
  try {
    await step.run(ctx);
  } catch (error) {
    journal.fail(step.id, error instanceof Error ? error.message : String(error));
    log({
      kind: "step",
      id: step.id,
      title: step.title,
      state: "failed",
      durationMs: elapsed(),
    });
    throw error;
  }
  const broken = await evaluate(step, ctx, step.postconditions, "post");
  if (broken.length > 0) {
    const reason = broken.map((c) => `${c.title}: ${c.evidence}`).join("; ");
    journal.fail(step.id, `postcondition failed: ${reason}`);
    throw new ActionFailed(`${step.id} (${step.title}) ran but its result is wrong: ${reason}`, {
      hint: "Run `status -i FILE` for the journal's evidence; running again retries this step.",
    });
  }
  journal.finish(step.id);
  log({
    kind: "step",
    id: step.id,
    title: step.title,
    state: "done",
    durationMs: elapsed(),
  });
  return "ran";
}

/**
 * Runs a runbook in order: each step unless a later one is already done (then it is trusted).
 * Every question of the run (its destructive steps still to run) is asked at its first change,
 * after that step's preconditions hold and before it acts.
 * @returns The outcome of each step, by id.
 */
export async function runSteps<C extends StepContext>(
  steps: Step<C>[],
  ctx: C,
): Promise<Record<string, StepOutcome>> {
  const outcomes: Record<string, StepOutcome> = {};
  let questions = steps.filter((s) => s.destructive && !ctx.journal.isDone(s.id));
  for (const [index, step] of steps.entries()) {
    const superseded = steps.slice(index + 1).some((later) => ctx.journal.isDone(later.id));
    outcomes[step.id] = await runStep(step, ctx, { superseded, questions });
    if (outcomes[step.id] === "ran") questions = [];
  }
  return outcomes;
}

/** Dry run: list the checks, then let `run` print its commands through the dry-run doors. */
async function planStep<C extends StepContext>(step: Step<C>, ctx: C): Promise<StepOutcome> {
  ctx.log({ kind: "step", id: step.id, title: step.title, state: "plan" });
  for (const check of step.preconditions)
    ctx.log({
      kind: "check",
      step: step.id,
      phase: "pre",
      title: check.title,
      ok: null,
      evidence: "checked before running",
    });
  await step.run(ctx);
  for (const check of step.postconditions)
    ctx.log({
      kind: "check",
      step: step.id,
      phase: "post",
      title: check.title,
      ok: null,
      evidence: "checked after running",
    });
  return "planned";
}

/** Evaluates checks, logs and journals each; returns the failed ones with their evidence. */
async function evaluate<C extends StepContext>(
  step: Step<C>,
  ctx: C,
  checks: Check<C>[],
  phase: "post" | "verify",
) {
  const seen = await observeChecks(step, ctx, checks, phase);
  if (phase !== "verify" || ctx.journal.step(step.id)?.status === "started")
    recordEvidence(ctx, step, phase, seen);
  return seen.filter((c) => !c.ok);
}

/** What one check saw. */
interface Seen {
  title: string;
  ok: boolean;
  evidence: string;
}

/** Evaluates checks and logs each; an error while observing is a failed check. */
async function observeChecks<C extends StepContext>(
  step: Step<C>,
  ctx: C,
  checks: Check<C>[],
  phase: "pre" | "post" | "verify",
): Promise<Seen[]> {
  const seen: Seen[] = [];
  for (const check of checks) {
    let observation: Observation;
    try {
      observation = await check.observe(ctx);
    } catch (error) {
      observation = {
        ok: false,
        evidence: `could not observe: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`,
      };
    }
    ctx.log({
      kind: "check",
      step: step.id,
      phase,
      title: check.title,
      ok: observation.ok,
      evidence: observation.evidence,
    });
    seen.push({ title: check.title, ok: observation.ok, evidence: observation.evidence });
  }
  return seen;
}

function recordEvidence<C extends StepContext>(
  ctx: C,
  step: Step<C>,
  phase: "pre" | "post" | "verify",
  seen: Seen[],
): void {
  for (const entry of seen) ctx.journal.addEvidence(step.id, { phase, ...entry });
}

/**
 * Asks every question before `step` acts, stopping at the first "no" (nothing changed, nothing
 * recorded). Without a TTY and without `--yes` a destructive run is refused.
 * @returns The time spent at the prompt, in ms.
 */
async function confirm<C extends StepContext>(
  step: Step<C>,
  questions: Step<C>[],
  ctx: C,
): Promise<number> {
  if (ctx.yes || questions.length === 0) return 0;
  const ask = ctx.ask ?? (process.stdin.isTTY ? askOnTty : undefined);
  const first = questions[0] as Step<C>;
  if (!ask) {
    throw new PreconditionFailed(
      `Cannot run ${first.id} (${first.title}) without confirmation: stdin is not a terminal`,
      { hint: "Pass --yes to run destructive steps unattended." },
    );
  }
  const asking = performance.now();
  if (questions.length > 1) {
    ctx.log({
      kind: "info",
      message: `${questions.length} steps of this run need your confirmation; all are asked now, before anything changes.`,
    });
  }
  for (const question of questions) {
    if (!(await ask(`${question.id}: ${question.title}. Proceed? [y/N] `))) {
      const which = question === step ? "" : ` ${question.id}`;
      throw new PreconditionFailed(`Stopped before ${step.id}:${which} not confirmed`, {
        hint: "Nothing was changed and no attempt was recorded; run again when ready (or with --yes).",
      });
    }
  }
  return performance.now() - asking;
}

/** Asks a yes/no question on the terminal (stderr); anything but y/yes is no. */
export async function askOnTty(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/** How often a long wait says what it still misses. */
const waitProgressEveryMs = 5_000;

/**
 * Waits for a condition; under `--dry-run` it only says what it would wait for. Every few
 * seconds it logs what is still missing, so a long wait is never silent.
 * @example await waitUntil(ctx, () => clusterIsHealthy(ctx), ctx.inventory.timeouts.healthyMs, "the cluster healthy");
 */
export async function waitUntil(
  ctx: StepContext,
  probe: () => Promise<Observation>,
  timeoutMs: number,
  what: string,
): Promise<Observation | undefined> {
  if (ctx.dryRun) {
    ctx.log({ kind: "info", message: `  would wait until ${what} (up to ${formatMs(timeoutMs)})` });
    return undefined;
  }
  const started = Date.now();
  let reported = started;
  return waitFor(probe, timeoutMs, {
    what,
    onObservation: (seen) => {
      const now = Date.now();
      if (seen.ok || now - reported < waitProgressEveryMs) return;
      reported = now;
      ctx.log({ kind: "wait", what, elapsedMs: now - started, timeoutMs, evidence: seen.evidence });
    },
  });
}
