// A local server speaking the Twilio Messages API (POST /2010-04-01/Accounts/{sid}/Messages.json → 201 {sid}), for
// measuring the outbox's delivery rate without a third-party cloud. GET /count answers how many it accepted.
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 9002);
let accepted = 0;
const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health') return void res.end('ok');
  if (req.method === 'GET' && req.url === '/count') return void res.end(String(accepted));
  let size = 0;
  req.on('data', (chunk: Buffer) => (size += chunk.length));
  req.on('end', () => {
    if (!/^\/2010-04-01\/Accounts\/[^/]+\/Messages\.json$/.test(req.url ?? '')) {
      res.writeHead(404).end();
      return;
    }
    accepted++;
    res.writeHead(201, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ sid: `SM${accepted.toString(16).padStart(32, '0')}`, status: 'queued', bytes: size }));
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
