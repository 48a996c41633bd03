import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../../src/auth/sigv4/crypto";

describe("sha256Hex", () => {
  it("hashes text and bytes, the empty payload included (answered without hashing)", async () => {
    const node = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex");
    for (const data of ["", new Uint8Array(), "{}", new TextEncoder().encode("héllo"), "x".repeat(1000)]) {
      expect(await sha256Hex(data)).toBe(node(data));
    }
  });
});
