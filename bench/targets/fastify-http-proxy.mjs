// Fastify 5 with @fastify/http-proxy (@fastify/reply-from on undici): /api/* -> upstream /*.
import { requireCompetitor, targetEnv } from './competitors.mjs';

const fastify = requireCompetitor('fastify');
const proxy = requireCompetitor('@fastify/http-proxy');
const { port, upstream } = targetEnv();
const app = fastify({ logger: false });
await app.register(proxy, { upstream, prefix: '/api', rewritePrefix: '' });
await app.listen({ port, host: '127.0.0.1' });
console.log(JSON.stringify({ listening: port }));
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
