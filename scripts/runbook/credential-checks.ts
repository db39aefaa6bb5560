/**
 * Proves, without writing, that the copy will not fail half-way on permissions: the tool's
 * source credentials read every node under the root, and its target credentials may create the
 * root where it goes, every child under the ACLs the copy gives their parents (the source's own),
 * and read the copy back for the verification. A failure here is found by `check` and before
 * step 1 changes anything, not inside the window where the leader is blind.
 */
import { ActionFailed } from "../../lib/errors.ts";
import type { Check } from "../../lib/step.ts";
import {
  type Acl,
  Code,
  type Digest,
  formatAcl,
  Perms,
  parentOf,
  walkContent,
  type ZkSession,
  type ZNode,
} from "../../lib/zk/index.ts";
import { hasCode } from "../../lib/zk/protocol.ts";
import type { MigrationContext } from "./context.ts";

/** Source readable in full; target root creatable; copied ACLs let the target identity finish. */
export const credentialsCoverTheCopy: Check<MigrationContext> = {
  title: "The tool's credentials read every source node and create the copy on the target",
  observe: async (ctx) => {
    const { root, auth } = ctx.inventory.zookeeper;
    const nodes: ZNode[] = [];
    try {
      await walkContent(await ctx.zk.source(), root, (node) => nodes.push(node));
    } catch (error) {
      if (!(error instanceof ActionFailed) && !hasCode(error, Code.noAuth)) throw error;
      const fix = auth.sourceEnv
        ? `the user in ${auth.sourceEnv} needs READ and ADMIN on every node`
        : "set zookeeper.auth.source_env to a user with READ and ADMIN on every node";
      return { ok: false, evidence: `on the source: ${(error as Error).message}; ${fix}` };
    }
    const target = await ctx.zk.target();
    const who = target.digest ? `digest ${target.digest.user}` : "an unauthenticated session";
    const fix = auth.targetEnv
      ? `give the user in ${auth.targetEnv} those permissions`
      : "set zookeeper.auth.target_env to a user those ACLs grant";
    const anchor = await deepestExisting(target, root);
    const problems: string[] = [];
    if (anchor.acl === "hidden") {
      problems.push(`${anchor.path} on the target refuses ${who} even reading its ACL`);
    } else if (!grants(anchor.acl, target.digest, Perms.create)) {
      problems.push(
        `${anchor.path} on the target grants ${who} no CREATE (${formatAcl(anchor.acl)})`,
      );
    }
    const parents = new Set(
      nodes.filter((n) => n.path !== root && !isEphemeral(n)).map((n) => parentOf(n.path)),
    );
    const noCreate = nodes.filter(
      (n) => parents.has(n.path) && !grants(n.acl, target.digest, Perms.create),
    );
    const noRead = nodes.filter(
      (n) => !isEphemeral(n) && !grants(n.acl, target.digest, Perms.read),
    );
    if (noCreate.length > 0) {
      problems.push(
        `${noCreate.length} source nodes with children would give ${who} no CREATE once copied: ${listed(noCreate)}`,
      );
    }
    if (noRead.length > 0) {
      problems.push(
        `${noRead.length} source nodes would give ${who} no READ for the verification once copied: ${listed(noRead)}`,
      );
    }
    return problems.length > 0
      ? { ok: false, evidence: `${problems.join("; ")}; ${fix}` }
      : {
          ok: true,
          evidence: `${nodes.length} source znodes readable; ${who} may create under ${anchor.path} and every copied parent`,
        };
  },
};

/** The root itself on the target, or its nearest existing ancestor, with its ACL. */
async function deepestExisting(
  target: ZkSession,
  root: string,
): Promise<{ path: string; acl: Acl[] | "hidden" }> {
  for (let path = root; ; path = parentOf(path)) {
    try {
      const found = await target.acl(path);
      if (found) return { path, acl: found.acl };
    } catch (error) {
      // Since ZooKeeper 3.5 reading an ACL needs READ or ADMIN on the node.
      if (hasCode(error, Code.noAuth)) return { path, acl: "hidden" };
      throw error;
    }
    if (path === "/") return { path, acl: [] };
  }
}

/**
 * Whether an ACL grants `perm` to a session authenticated with `digest` (or not at all). Only
 * `world:anyone` and digest ids can be matched from here: `ip`, `sasl` and `x509` grants are not
 * counted, so such a tree is reported rather than guessed writable.
 */
function grants(acl: readonly Acl[], digest: Digest | undefined, perm: number): boolean {
  return acl.some(
    (entry) =>
      (entry.perms & perm) !== 0 &&
      ((entry.scheme === "world" && entry.id === "anyone") ||
        (entry.scheme === "digest" && digest !== undefined && entry.id === digest.id)),
  );
}

function isEphemeral(node: ZNode): boolean {
  return node.type === "ephemeral";
}

function listed(nodes: readonly ZNode[]): string {
  const shown = nodes.slice(0, 3).map((n) => `${n.path} (${formatAcl(n.acl)})`);
  return `${shown.join(", ")}${nodes.length > 3 ? ", …" : ""}`;
}
