// node-http-proxy on a plain node:http server with a keep-alive agent: /api/* -> upstream /*.
import http from 'node:http';
import { requireCompetitor, targetEnv } from './competitors.mjs';

const httpProxy = requireCompetitor('http-proxy');
const { port, upstream } = targetEnv();
const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
const proxy = httpProxy.createProxyServer({ target: upstream, agent, xfwd: true });
proxy.on('error', (_error, _req, res) => {
  if (!res.headersSent) res.writeHead(502);
  res.end();
});
const server = http.createServer((req, res) => {
  if (!req.url.startsWith('/api/')) {
    res.writeHead(404).end();
    return;
  }
  req.url = req.url.slice(4);
  proxy.web(req, res);
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => console.log(JSON.stringify({ listening: port })));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
