// The on-disk format version. A data directory written by an incompatible version is refused at start with a clear
// message instead of being misread. Bump FORMAT_VERSION whenever a key or value layout changes incompatibly.
export const FORMAT_VERSION = 1;
export const FORMAT_APP = 'omnicx';

export interface FormatMarker {
  app: string;
  version: number;
  createdAt: number;
}

export class IncompatibleDataDirError extends Error {
  override readonly name = 'IncompatibleDataDirError';
  constructor(
    readonly dataDir: string,
    readonly found: string,
  ) {
    super(
      `data directory ${dataDir} is not usable by this OmniCX (on-disk format ${FORMAT_VERSION}): found ${found}. ` +
        `Point DATA_DIR at an empty directory, or migrate the data with the OmniCX version that wrote it.`,
    );
  }
}

export function describeMarker(marker: unknown): string {
  if (typeof marker !== 'object' || marker === null) return 'no format marker';
  const m = marker as Partial<FormatMarker>;
  return `app=${String(m.app)} format=${String(m.version)}`;
}
