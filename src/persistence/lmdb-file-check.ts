// A cheap sanity check of an existing LMDB data file before handing it to the native library, which crashes the
// process (SIGSEGV) on a file that is not an LMDB environment instead of throwing. The first meta page holds the
// magic 0xBEEFC0DE at byte 24 (after the 16-byte page header and the 8-byte mm_address field) on 64-bit builds.
import { closeSync, openSync, readSync } from 'node:fs';

const LMDB_MAGIC = 0xbeefc0de;
const MAGIC_OFFSET = 24;

/** Undefined when the file looks like an LMDB environment; otherwise what is wrong with it. */
export function lmdbFileProblem(file: string): string | undefined {
  const header = Buffer.alloc(MAGIC_OFFSET + 4);
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const read = readSync(fd, header, 0, header.length, 0);
    if (read < header.length) return `a ${read}-byte file too short to be an LMDB environment`;
  } catch (error) {
    return `an unreadable file (${(error as Error).message})`;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  const magic = header.readUInt32LE(MAGIC_OFFSET);
  return magic === LMDB_MAGIC ? undefined : `a file that is not an LMDB environment (magic 0x${magic.toString(16)})`;
}
