// A stand-in token issuer for the auth scenarios: a fresh key pair (RS256 or ES256), its JWKS
// served by a tiny node:http server on an ephemeral port, and one long-lived access token. The
// load generator sends that same token on every request, as a real client reuses its token, so
// the gateway's verified-token cache is exercised as in production.
import { createServer } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

export const BENCH_AUDIENCE = 'api://bench';

/** Starts the JWKS server and mints a token; `close()` stops the server. */
export async function startJwtIssuer(alg) {
  const { publicKey, privateKey } = await generateKeyPair(alg);
  const kid = `bench-${alg.toLowerCase()}`;
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }] });
  const server = createServer((req, res) => {
    res.writeHead(req.url === '/jwks' ? 200 : 404, { 'content-type': 'application/json', 'cache-control': 'max-age=3600' });
    res.end(req.url === '/jwks' ? jwks : '{}');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const token = await new SignJWT({ scope: 'customers:read', client_id: 'bench' })
    .setProtectedHeader({ alg, kid, typ: 'at+jwt' })
    .setIssuer(issuer)
    .setAudience(BENCH_AUDIENCE)
    .setSubject('bench-user')
    .setIssuedAt()
    .setExpirationTime('1d')
    .sign(privateKey);
  return {
    env: { BENCH_ISSUER: issuer, BENCH_JWKS_URI: `${issuer}/jwks`, BENCH_JWT_ALG: alg },
    headers: { authorization: `Bearer ${token}` },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
