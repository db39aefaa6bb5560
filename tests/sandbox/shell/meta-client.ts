/**
 * How the simulated shell reaches the meta group, like `replication_ddl_client`: start from the
 * last meta that answered as leader, follow ERR_FORWARD_TO_OTHERS to the named primary, move on
 * to the next meta when one is unreachable; when none answers, the transport error is the result.
 */
import { call, type MetaReply, RpcFailed } from "../rpc.ts";

/** Requests to whichever meta leads. */
export class MetaClient {
  private leader = 0;

  constructor(readonly metas: string[]) {}

  /**
   * Sends `name` to the leader; returns its reply, or `{ err, transport: true }` when no meta
   * could answer (the RPC itself failed, rather than the meta answering an error).
   * @example const r = await client.request<{ err: string; pairs: [string, string][] }>("cluster_info", {});
   */
  async request<T extends MetaReply>(name: string, body: unknown, timeoutMs = 10_000): Promise<T> {
    if (this.metas.length === 0) return { err: "ERR_NETWORK_FAILURE", transport: true } as T;
    const deadline = Date.now() + timeoutMs;
    let index = this.leader;
    let lastError = "ERR_NETWORK_FAILURE";
    for (let attempt = 0; attempt < this.metas.length * 2; attempt++) {
      const address = this.metas[index] as string;
      const remaining = deadline - Date.now();
      if (remaining <= 0) return { err: "ERR_TIMEOUT", transport: true } as T;
      try {
        const reply = await call<T>(address, name, body, remaining);
        if (reply.err !== "ERR_FORWARD_TO_OTHERS") {
          this.leader = index;
          return reply;
        }
        lastError = reply.err;
        const hinted = reply.primary ? this.metas.indexOf(reply.primary) : -1;
        index = hinted >= 0 && hinted !== index ? hinted : (index + 1) % this.metas.length;
      } catch (error) {
        if (!(error instanceof RpcFailed)) throw error;
        lastError = error.err;
        index = (index + 1) % this.metas.length;
      }
    }
    return { err: lastError, transport: true } as T;
  }
}
