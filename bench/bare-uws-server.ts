// The ceiling for the ingest benchmark: a bare uWebSockets.js server that reads the JSON body and answers 202 with a
// fixed body, doing nothing else. Same library, same process model (one main thread), no work.
import uws from 'uWebSockets.js';

const port = Number(process.env.PORT ?? 9001);
const app = uws.App();
app.get('/health', (res) => void res.end('ok'));
app.post('/v1/messages', (res) => {
  let aborted = false;
  res.onAborted(() => (aborted = true));
  let size = 0;
  res.onData((chunk, isLast) => {
    size += chunk.byteLength;
    if (isLast && !aborted) {
      res.cork(() =>
        res
          .writeStatus('202 Accepted')
          .writeHeader('content-type', 'application/json')
          .end(`{"ok":true,"bytes":${size}}`),
      );
    }
  });
});
app.listen('127.0.0.1', port, (socket) => {
  if (!socket) process.exit(1);
});
process.on('SIGTERM', () => process.exit(0));
