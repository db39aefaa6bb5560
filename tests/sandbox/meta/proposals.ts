/**
 * The leader's configuration proposals to replica servers (`send_proposal`). Upstream sends one
 * RPC per partition and node; here the updates of one event-loop turn go to each node in one
 * RPC, as neither the tool nor ZooKeeper can see the difference, and a cure round over a
 * 257k-znode cluster would otherwise make ~770k HTTP requests that stall the meta's event loop.
 * A lost proposal is repaired by the node's next config sync, as upstream's is.
 */
import { type ConfigUpdate, call, packUpdates } from "../rpc.ts";

/** A batch of thousands of updates can take a busy replica server seconds to parse. */
const proposalTimeoutMs = 10_000;

/** Collects proposals per node and sends them together on the next turn of the event loop. */
export class ProposalSender {
  private readonly queued = new Map<string, ConfigUpdate[]>();

  /** Queues `update` for `node`. */
  send(node: string, update: ConfigUpdate): void {
    if (this.queued.size === 0) setTimeout(() => this.flush(), 0);
    const updates = this.queued.get(node);
    if (updates) updates.push(update);
    else this.queued.set(node, [update]);
  }

  private flush(): void {
    for (const [node, updates] of this.queued)
      call(node, "config_proposal", packUpdates(updates), proposalTimeoutMs).catch(() => undefined);
    this.queued.clear();
  }
}
