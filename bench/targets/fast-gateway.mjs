// fast-gateway (restana + fast-proxy-lite): /api/* -> upstream /*.
import { requireCompetitor, targetEnv } from './competitors.mjs';

const gateway = requireCompetitor('fast-gateway');
const { port, upstream } = targetEnv();
const server = gateway({ routes: [{ prefix: '/api', target: upstream, pathRegex: '/*' }] });
await server.start(port, '127.0.0.1');
console.log(JSON.stringify({ listening: port }));
process.on('SIGTERM', () => process.exit(0));
