// msgpackr framing for thread messages. Records are off so each frame decodes on its own (a worker restarted
// mid-stream shares no structure table with the main thread).
import { Packr } from 'msgpackr';

const packr = new Packr({ useRecords: false, moreTypes: false });

/**
 * The frame's bytes in an ArrayBuffer of their own, ready to be transferred (`postMessage(bytes, [bytes.buffer])`).
 * pack() returns a view into msgpackr's reused buffer, which grows to fit the largest frame ever encoded; posting the
 * view would structured-clone that whole backing buffer every time (it measured ~200 µs per post on the main thread
 * once a large conversation had been encoded). Copying just the frame's bytes costs a few hundred nanoseconds.
 */
export function encodeFrame(frame: unknown): Uint8Array<ArrayBuffer> {
  // Not .slice(): on a Node Buffer that is another view of the same memory.
  return new Uint8Array(packr.pack(frame));
}

export function decodeFrame<T>(bytes: Uint8Array): T {
  return packr.unpack(bytes) as T;
}
