/**
 * A TCP proxy in front of a real ZooKeeper server, for faults a server kill cannot produce on
 * cue: a reply lost after the server applied the request (connection cut between them), and a
 * network partition (sockets stay open, nothing flows, new connections hang).
 */
import { createServer, type Server, Socket } from "node:net";
import { freePort } from "./ports.ts";

/** A running proxy; connect clients to `connectString`. */
export interface FaultProxy {
  readonly port: number;
  readonly connectString: string;
  /**
   * The next client request of at least `minBytes` is delivered to the server, but its reply is
   * swallowed and the connection cut: the request is applied, the client cannot know it.
   * Resolves once that has happened.
   */
  loseNextReply(minBytes: number): Promise<void>;
  /** Stops forwarding on every connection, open or new, without closing any: a partition. */
  partition(): void;
  /** Forwards again (connections opened during the partition stay dead, as after a real one). */
  heal(): void;
  stop(): Promise<void>;
}

interface Pair {
  client: Socket;
  server: Socket;
  dead: boolean;
}

/**
 * Starts a proxy to `127.0.0.1:targetPort` on a free port.
 * @example const proxy = await startFaultProxy(server.port); … await proxy.stop();
 */
export async function startFaultProxy(targetPort: number): Promise<FaultProxy> {
  const port = await freePort();
  const pairs = new Set<Pair>();
  let partitioned = false;
  let armed: { minBytes: number; done: () => void; cutting: Pair | null } | null = null;

  const server: Server = createServer((client) => {
    const upstream = new Socket();
    const pair: Pair = { client, server: upstream, dead: partitioned };
    pairs.add(pair);
    upstream.connect(targetPort, "127.0.0.1");
    const close = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("data", (chunk: Buffer) => {
      if (pair.dead || partitioned) return;
      upstream.write(chunk);
      if (armed && !armed.cutting && chunk.length >= armed.minBytes) armed.cutting = pair;
    });
    upstream.on("data", (chunk: Buffer) => {
      if (pair.dead || partitioned) return;
      if (armed?.cutting === pair) {
        const done = armed.done;
        armed = null;
        close();
        done();
        return;
      }
      client.write(chunk);
    });
    client.on("error", close);
    upstream.on("error", close);
    client.on("close", close);
    upstream.on("close", close);
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));

  return {
    port,
    connectString: `127.0.0.1:${port}`,
    loseNextReply(minBytes) {
      return new Promise<void>((resolve) => {
        armed = { minBytes, done: resolve, cutting: null };
      });
    },
    partition() {
      partitioned = true;
      for (const pair of pairs) pair.dead = true;
    },
    heal() {
      partitioned = false;
    },
    async stop() {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.server.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
