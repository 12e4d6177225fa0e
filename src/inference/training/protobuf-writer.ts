// Minimal protocol-buffers encoder (wire types varint, 32-bit and length-delimited): just what writing an ONNX model
// needs. Fields are appended in call order; nested messages are encoded when passed in.

const textEncoder = new TextEncoder();

export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;

  private push(bytes: Uint8Array): this {
    this.chunks.push(bytes);
    this.length += bytes.length;
    return this;
  }

  private static varintBytes(value: number): Uint8Array {
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`ProtoWriter: unsupported varint ${value}`);
    const out: number[] = [];
    let v = value;
    while (v >= 0x80) {
      out.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    out.push(v);
    return Uint8Array.from(out);
  }

  private key(field: number, wireType: number): this {
    return this.push(ProtoWriter.varintBytes(field * 8 + wireType));
  }

  /** Non-negative integer field (int32/int64/enum/bool). */
  varint(field: number, value: number): this {
    return this.key(field, 0).push(ProtoWriter.varintBytes(value));
  }

  float(field: number, value: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    return this.key(field, 5).push(b);
  }

  bytes(field: number, value: Uint8Array): this {
    return this.key(field, 2).push(ProtoWriter.varintBytes(value.length)).push(value);
  }

  string(field: number, value: string): this {
    return this.bytes(field, textEncoder.encode(value));
  }

  message(field: number, value: ProtoWriter): this {
    return this.bytes(field, value.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}
