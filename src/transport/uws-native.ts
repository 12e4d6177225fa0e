// Loads uWebSockets.js and refuses to run on its slow pure-JS fallback: the package silently falls back on a Node
// ABI it has no binary for, which would quietly cost an order of magnitude in throughput.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import uws from 'uWebSockets.js';

export function loadNativeUws(): typeof uws {
  const root = path.dirname(path.dirname(require.resolve('uWebSockets.js')));
  const binary = path.join(
    root,
    'binaries',
    `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`,
  );
  const forcedFallback = /^(1|true)$/i.test(process.env.UWS_USE_FALLBACK ?? '');
  if (forcedFallback || !existsSync(binary)) {
    throw new Error(
      `uWebSockets.js has no native binary for Node ${process.version} (${process.platform}-${process.arch}, ABI ` +
        `${process.versions.modules})${forcedFallback ? ' or UWS_USE_FALLBACK is set' : ''}; use Node 20.`,
    );
  }
  return uws;
}
