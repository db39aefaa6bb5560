/**
 * An independent check of a copy: both subtrees read with node-zookeeper-client (which shares no
 * code with lib/zk), level by level with a bounded number of requests in flight, node by node:
 * data, ACL, and the set of children. Ephemeral nodes are left out on both sides.
 */
import zookeeper from "node-zookeeper-client";

type Client = ReturnType<typeof zookeeper.createClient>;

/** What the second reader found. */
export interface SecondReading {
  nodes: number;
  mismatches: string[];
}

/**
 * Compares `root` on two ensembles.
 * @example const { nodes, mismatches } = await compareWithSecondClient(src, dst, "/pegasus/c1");
 */
export async function compareWithSecondClient(
  sourceConnect: string,
  targetConnect: string,
  root: string,
  inFlight = 128,
): Promise<SecondReading> {
  const [source, target] = await Promise.all([connect(sourceConnect), connect(targetConnect)]);
  const mismatches: string[] = [];
  let nodes = 0;
  try {
    let level = [root];
    while (level.length > 0) {
      const next: string[] = [];
      for (let i = 0; i < level.length; i += inFlight) {
        await Promise.all(
          level.slice(i, i + inFlight).map(async (path) => {
            const [a, b] = await Promise.all([readNode(source, path), readNode(target, path)]);
            if (a === "ephemeral") return;
            nodes++;
            if (!b || b === "ephemeral") return void mismatches.push(`${path}: missing`);
            if (!a?.data.equals(b.data)) mismatches.push(`${path}: data`);
            if (a && a.acl !== b.acl) mismatches.push(`${path}: acl`);
            const extra = b.children.filter((name) => !a?.children.includes(name));
            for (const name of extra) mismatches.push(`${join(path, name)}: extra`);
            for (const name of a?.children ?? []) next.push(join(path, name));
          }),
        );
      }
      level = next;
    }
  } finally {
    source.close();
    target.close();
  }
  return { nodes, mismatches };
}

function join(parent: string, name: string): string {
  return parent === "/" ? `/${name}` : `${parent}/${name}`;
}

async function connect(connectString: string): Promise<Client> {
  const client = zookeeper.createClient(connectString, { sessionTimeout: 30_000, retries: 0 });
  const connected = new Promise<void>((resolve) => client.once("connected", () => resolve()));
  client.connect();
  await connected;
  return client;
}

/** Data, ACL (sorted text) and children of a node; null if missing; "ephemeral" for one. */
async function readNode(
  client: Client,
  path: string,
): Promise<{ data: Buffer; acl: string; children: string[] } | null | "ephemeral"> {
  const call = <T>(f: (cb: (error: unknown, ...rest: unknown[]) => void) => void) =>
    new Promise<T[] | null>((resolve, reject) =>
      f((error, ...rest) => {
        if (!error) return resolve(rest as T[]);
        if ((error as { code?: number }).code === -101) return resolve(null);
        reject(error);
      }),
    );
  const [got, acls, kids] = await Promise.all([
    call<unknown>((cb) => client.getData(path, cb as never)),
    call<unknown>((cb) => client.getACL(path, cb as never)),
    call<unknown>((cb) => client.getChildren(path, cb as never)),
  ]);
  if (!got || !acls || !kids) return null;
  const stat = got[1] as { ephemeralOwner: Buffer };
  const owner = stat.ephemeralOwner.readBigInt64BE(0);
  if (owner !== 0n && owner !== -(2n ** 63n) && owner >> 56n !== -1n) return "ephemeral";
  const acl = (acls[0] as { permission: number; id: { scheme: string; id: string } }[])
    .map((a) => `${a.id.scheme}:${a.id.id}:${a.permission}`)
    .sort()
    .join(",");
  return {
    data: (got[0] as Buffer | undefined) ?? Buffer.alloc(0),
    acl,
    children: (kids[0] as string[]).sort(),
  };
}
