import { checkFirstByte, decodePacket, isConnectByte } from "./decode";
import { MqttProtocolError, protocolError } from "./errors";
import type { Packet, ProtocolVersion } from "./packets";
import { ReasonCode } from "./reasonCodes";
import { readVarint, VARINT_MAX, varintSize } from "./varint";

export interface MqttParserOptions {
  /**
   * Version of the packets to expect before any CONNECT (a client reading a server's stream knows
   * it). Leave it out on the server side: the stream must then start with CONNECT, whose protocol
   * level sets it.
   */
  protocolVersion?: ProtocolVersion;
  /** Largest packet accepted, fixed header included (MQTT 5 §3.1.2.11.4 "packet size"). */
  maxPacketSize: number;
  /**
   * The stream's CONNECT was read already (a server resuming a connection after hibernation): another CONNECT is a
   * Protocol Error [MQTT-3.1.0-2].
   */
  connectSeen?: boolean;
}

/**
 * Streaming decoder: feed it the bytes as they arrive, in chunks of any size, and get back the
 * packets completed so far. A packet may span chunks and a chunk may hold several packets.
 *
 * Any violation throws `MqttProtocolError`; the connection must then be closed (MQTT 5 §4.13), so
 * the parser stays failed and rethrows on every later `push`. Packets that came before the bad
 * one in the same chunk are dropped with it.
 *
 * Binary fields of the returned packets (payloads, passwords, correlation data) are views into the
 * pushed chunk, or into a buffer the parser allocated for a packet that spanned chunks; the parser
 * never writes into either afterwards, but the caller must not reuse a chunk's memory either.
 */
export class MqttParser {
  #version: ProtocolVersion | undefined;
  #sawConnect = false;
  readonly #maxPacketSize: number;
  /** Start of a packet whose fixed header is not complete yet (at most 4 bytes). */
  #pendingHeader: Uint8Array | undefined;
  /** A packet whose size is known but whose bytes are still arriving, sized exactly. */
  #partial: { bytes: Uint8Array; filled: number; headerLength: number } | undefined;
  #failure: MqttProtocolError | undefined;

  constructor(options: MqttParserOptions) {
    const { maxPacketSize, protocolVersion } = options;
    if (!Number.isInteger(maxPacketSize) || maxPacketSize < 2) throw new RangeError("maxPacketSize must be an integer ≥ 2");
    this.#maxPacketSize = Math.min(maxPacketSize, 1 + 4 + VARINT_MAX);
    this.#version = protocolVersion;
    this.#sawConnect = options.connectSeen === true;
  }

  /** The stream's protocol version: from the options, then from CONNECT. */
  get protocolVersion(): ProtocolVersion | undefined {
    return this.#version;
  }

  push(chunk: Uint8Array): Packet[] {
    if (this.#failure) throw this.#failure;
    try {
      return this.#consume(chunk);
    } catch (error) {
      if (error instanceof MqttProtocolError) this.#failure = error;
      throw error;
    }
  }

  #consume(input: Uint8Array): Packet[] {
    const packets: Packet[] = [];
    let chunk = input;
    let offset = 0;

    const partial = this.#partial;
    if (partial !== undefined) {
      const take = Math.min(partial.bytes.length - partial.filled, chunk.length);
      partial.bytes.set(chunk.subarray(0, take), partial.filled);
      partial.filled += take;
      offset = take;
      if (partial.filled < partial.bytes.length) return packets;
      this.#partial = undefined;
      packets.push(this.#decode(partial.bytes, 0, partial.headerLength, partial.bytes.length));
    } else if (this.#pendingHeader !== undefined) {
      // Rare (a fixed header split across chunks): join and start over.
      const joined = new Uint8Array(this.#pendingHeader.length + chunk.length);
      joined.set(this.#pendingHeader);
      joined.set(chunk, this.#pendingHeader.length);
      this.#pendingHeader = undefined;
      chunk = joined;
    }

    while (offset < chunk.length) {
      const firstByte = chunk[offset]!;
      this.#checkFirstByte(firstByte);
      const remainingLength = readVarint(chunk, offset + 1, chunk.length);
      if (remainingLength < 0) {
        this.#pendingHeader = chunk.slice(offset);
        break;
      }
      const headerLength = 1 + varintSize(remainingLength);
      const size = headerLength + remainingLength;
      // Refused from the fixed header alone, before any of the body is buffered.
      if (size > this.#maxPacketSize) {
        const message = `packet of ${size} bytes exceeds the maximum of ${this.#maxPacketSize}`;
        throw new MqttProtocolError(ReasonCode.PacketTooLarge, message);
      }
      if (offset + size > chunk.length) {
        const bytes = new Uint8Array(size);
        bytes.set(chunk.subarray(offset));
        this.#partial = { bytes, filled: chunk.length - offset, headerLength };
        break;
      }
      packets.push(this.#decode(chunk, offset, headerLength, offset + size));
      offset += size;
    }
    return packets;
  }

  #checkFirstByte(byte: number): void {
    if (isConnectByte(byte)) {
      // [MQTT-3.1.0-2] A second CONNECT is a Protocol Error.
      if (this.#sawConnect) throw protocolError("second CONNECT [MQTT-3.1.0-2]");
    } else if (this.#version === undefined) {
      // [MQTT-3.1.0-1] The first packet from the Client must be CONNECT.
      throw protocolError("first packet is not CONNECT [MQTT-3.1.0-1]");
    }
    checkFirstByte(byte, this.#version);
  }

  #decode(buf: Uint8Array, start: number, headerLength: number, end: number): Packet {
    const packet = decodePacket(buf, start, headerLength, end, this.#version);
    if (packet.cmd === "connect") {
      this.#sawConnect = true;
      this.#version = packet.protocolVersion;
    }
    return packet;
  }
}
