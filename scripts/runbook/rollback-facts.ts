/**
 * What a method tells rollback about its steps: which effects each one may have left on the
 * cluster once it started. Rollback is generic over these facts (`rollback-plan.ts`); a method
 * contributes only its facts, next to its steps (e.g. `scripts/copy/rollback-facts.ts`).
 */
import type { MetaServer } from "../../lib/inventory.ts";
import type { Journal } from "../../lib/journal.ts";
import type { MigrationContext } from "./context.ts";

/**
 * An effect a started step may have left, and so what rollback must undo:
 * - `metas-stopped`: some metas were stopped → start every meta again, the old leader first;
 * - `leader-blind`: the leader was set blind → set it back to steady;
 * - `target-written`: the tool wrote the cluster root on the target → snapshot it, then remove it;
 * - `configs-edited`: meta configs were edited → restore each backup, once verified untouched;
 * - `leader-on-target`: a meta may have led on the target, writing there → reverse migration
 *   (copy the target root back), unless a meta still leads on the source;
 * - `source-root-removed`: the old root was deleted → the reverse migration copies into the empty path;
 * - `metas-on-target`: a meta may run on the target without leading there for the cluster (e.g. in
 *   recovery mode) → stop it when nothing is copied back.
 */
export type Effect =
  | "metas-stopped"
  | "leader-blind"
  | "target-written"
  | "configs-edited"
  | "leader-on-target"
  | "source-root-removed"
  | "metas-on-target";

/** The effects one step may have left once it started. */
export interface StepFacts {
  step: string;
  effects: Effect[];
  /**
   * Whether the journal proves the step actually did it (e.g. copy/04 recorded that it began
   * writing the target); rollback undoes only what it can prove. @default the step started
   */
  applies?: (journal: Journal) => boolean;
}

/** A method's contribution to rollback. */
export interface RollbackFacts {
  steps: StepFacts[];
  /**
   * Every text the method may have written into a meta's config, given the original bytes (the
   * backup): a config holding anything else was changed by someone else, and is not restored.
   */
  configWrites: (ctx: MigrationContext, meta: MetaServer, original: string) => string[];
  /** The same for the minos cluster config (`meta_control.kind: minos`). */
  minosWrites: (ctx: MigrationContext, original: string, where: string) => string[];
  /** Journal backup name of a meta's config as the method keeps it before its first edit. */
  configBackup: (meta: MetaServer) => string;
  /**
   * Effects the journal cannot prove but the cluster shows, with their cause (read-only: `plan
   * --rollback` calls it too). E.g. a run killed after `recover` answered ERR_OK but before it was
   * journaled: the meta already leads on the target.
   */
  observe?: (ctx: MigrationContext) => Promise<Map<Effect, string[]>>;
}

/** The effects the journal shows, with the steps that caused each. */
export function effectsIn(journal: Journal, facts: RollbackFacts): Map<Effect, string[]> {
  const found = new Map<Effect, string[]>();
  for (const step of facts.steps) {
    if (!journal.step(step.step)) continue;
    if (step.applies && !step.applies(journal)) continue;
    for (const effect of step.effects) found.set(effect, [...(found.get(effect) ?? []), step.step]);
  }
  return found;
}
