import { describe, expect, test } from "bun:test";
import {
  formatAcl,
  nodeTypeOf,
  ownerHex,
  parseDigest,
  parseTreeAddress,
} from "../../../lib/zk/index.ts";
import { sameAcl, ttlOf } from "../../../lib/zk/node-type.ts";

describe("nodeTypeOf()", () => {
  test("nodeTypeOf() classifies by the special ephemeralOwner values, not by != 0", () => {
    expect(nodeTypeOf(0n)).toBe("persistent");
    expect(nodeTypeOf(-(2n ** 63n))).toBe("container");
    expect(nodeTypeOf(BigInt.asIntN(64, 0xff00000000000001n))).toBe("ttl");
    expect(nodeTypeOf(BigInt.asIntN(64, 0xff000000000f4240n))).toBe("ttl");
    expect(nodeTypeOf(0x0100001136950000n)).toBe("ephemeral");
    expect(nodeTypeOf(BigInt.asIntN(64, 0xfe00000000000001n))).toBe("ephemeral");
  });

  test("ttlOf() reads the TTL from the low 40 bits; ownerHex() prints 16 hex digits", () => {
    expect(ttlOf(BigInt.asIntN(64, 0xff000000000f4240n))).toBe(1_000_000);
    expect(ttlOf(0x0100001136950000n)).toBe(0);
    expect(ownerHex(-(2n ** 63n))).toBe("0x8000000000000000");
    expect(ownerHex(0x100001136950000n)).toBe("0x0100001136950000");
  });

  test("sameAcl() ignores order; formatAcl() prints scheme:id:perms", () => {
    const a = { perms: 31, scheme: "world", id: "anyone" };
    const b = { perms: 1, scheme: "digest", id: "alice:x" };
    expect(sameAcl([a, b], [b, a])).toBe(true);
    expect(sameAcl([a], [{ ...a, perms: 1 }])).toBe(false);
    expect(formatAcl([a, b])).toBe("world:anyone:cdrwa,digest:alice:x:r");
  });
});

describe("parseTreeAddress()", () => {
  test("parseTreeAddress() splits servers and path, with 2181 and / as defaults", () => {
    expect(parseTreeAddress("zk1:2181,zk2,[::1]:2182/pegasus/c1")).toEqual({
      servers: [
        { host: "zk1", port: 2181 },
        { host: "zk2", port: 2181 },
        { host: "::1", port: 2182 },
      ],
      path: "/pegasus/c1",
      connect: "zk1:2181,zk2,[::1]:2182",
    });
    expect(parseTreeAddress("127.0.0.1:2181").path).toBe("/");
  });

  test("parseTreeAddress() rejects bad hosts, ports and paths with a hint", () => {
    expect(() => parseTreeAddress("zk1:99999/a")).toThrow('"zk1:99999" is not host[:port]');
    expect(() => parseTreeAddress("zk1:2181/a//b")).toThrow("is not an absolute znode path");
    expect(() => parseTreeAddress("zk1:2181/a/")).toThrow("is not an absolute znode path");
    expect(() => parseTreeAddress("zk1:2181/a/../b")).toThrow("is not an absolute znode path");
  });

  test("parseDigest() derives the digest ACL id ZooKeeper computes", () => {
    // java -cp zookeeper.jar org.apache.zookeeper.server.auth.DigestAuthenticationProvider super:secret
    expect(parseDigest("super:secret").id).toBe("super:lK75jTNcA+U9vtVEw5vB51mj/w4=");
    expect(() => parseDigest("nocolon")).toThrow("must be user:password");
  });
});
