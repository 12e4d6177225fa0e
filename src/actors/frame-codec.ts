// msgpackr framing for thread messages. Records are off so each frame decodes on its own (a worker restarted
// mid-stream shares no structure table with the main thread).
import { Packr } from 'msgpackr';

const packr = new Packr({ useRecords: false, moreTypes: false });

export function encodeFrame(frame: unknown): Uint8Array {
  // pack() returns a view into a reused buffer; postMessage copies it, so no extra copy is needed here.
  return packr.pack(frame);
}

export function decodeFrame<T>(bytes: Uint8Array): T {
  return packr.unpack(bytes) as T;
}
