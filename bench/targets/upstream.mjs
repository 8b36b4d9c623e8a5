// The benchmark's upstream: answers every request with the same customer-sized JSON document
// (~400 bytes), keep-alive, no logging; under /cached/ with Cache-Control: public, max-age=60. Prints {"listening": port} once ready. PORT (default 0).
import http from 'node:http';

const body = Buffer.from(
  JSON.stringify({
    id: '7f1c2a9e-5b3d-4c8e-9a61-2d4f8b0c3e57',
    name: 'Ada Lovelace',
    email: 'ada.lovelace@example.com',
    phone: '+44 20 7946 0958',
    address: { street: '12 St James Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' },
    status: 'active',
    createdAt: '2026-01-15T09:30:00.000Z',
    updatedAt: '2026-03-02T17:45:12.000Z',
    version: 3,
    notes: 'Customer since 2026; prefers contact by e-mail. Account reviewed in March.',
  }),
);
const headers = { 'content-type': 'application/json', 'content-length': String(body.length), 'cache-control': 'private, no-cache' };

// Under /cached/ the same document may be cached for a minute (the cache-hit scenario).
const cacheableHeaders = { ...headers, 'cache-control': 'public, max-age=60' };

const server = http.createServer((req, res) => {
  req.resume();
  res.writeHead(200, req.url.startsWith('/cached/') ? cacheableHeaders : headers);
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(JSON.stringify({ listening: server.address().port, bodyBytes: body.length }));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
