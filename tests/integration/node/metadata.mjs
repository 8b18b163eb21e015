// Relying-party view of a live attestd, with the `jose` library as an independent JWT
// implementation: OpenID metadata, the JWKS, a policy-get token verified end to end, and
// the MAA error model for bad input (reference/maa.md §1.1-1.2, §1.8, §1.10, §1.12, §2.1-2.2).
//
// Usage: node metadata.mjs   with env ATT_BASE_URL (http://127.0.0.1:PORT) and
// ATT_SGX_POLICY (the default SgxEnclave policy text file the server must return).
import { readFileSync } from 'node:fs';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { b64urlDecode, check, checkError, finish, request, step } from './check.mjs';

const base = process.env.ATT_BASE_URL;
const policyFile = process.env.ATT_SGX_POLICY;
if (!base || !policyFile) {
  console.error('metadata.mjs: set ATT_BASE_URL and ATT_SGX_POLICY');
  process.exit(2);
}
const expectedIssuer = base.replace(/\/$/, '');
const API = 'api-version=2020-10-01';
const get = (path) => request(base, 'GET', path);

let issuer;
let jwksUri;
let certsBody;

await step('health endpoints', async () => {
  const h = await get('/healthz');
  check('GET /healthz: 200 {"status":"alive"}', h.status === 200 && h.json?.status === 'alive',
    `HTTP ${h.status} ${h.body}`);
  // Readiness may lag start-up by a moment (keys loading); give it a bounded 10 s.
  let r;
  for (let i = 0; i < 50; i++) {
    r = await get('/readyz');
    if (r.status === 200) break;
    await new Promise((res) => setTimeout(res, 200));
  }
  check('GET /readyz: 200 {"status":"ready"}', r.status === 200 && r.json?.status === 'ready',
    `HTTP ${r.status} ${r.body}`);
  const m = await get('/metrics');
  check('GET /metrics: 200', m.status === 200, `HTTP ${m.status}`);
  check('GET /metrics: Prometheus text content-type',
    (m.headers['content-type'] || '').startsWith('text/plain'), m.headers['content-type']);
  check('GET /metrics: has a sample line',
    /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? (-?[0-9.eE+-]+|NaN|[+-]Inf)( -?\d+)?$/m.test(m.body),
    m.body.slice(0, 200));
});

await step('OpenID metadata', async () => {
  const r = await get('/.well-known/openid-configuration');
  check('GET /.well-known/openid-configuration: 200', r.status === 200, `HTTP ${r.status} ${r.body}`);
  check('openid-configuration: content-type is JSON',
    (r.headers['content-type'] || '').startsWith('application/json'), r.headers['content-type']);
  issuer = r.json?.issuer;
  jwksUri = r.json?.jwks_uri;
  check('openid-configuration: issuer is the default issuer http://<listen address>',
    issuer === expectedIssuer, `issuer ${JSON.stringify(issuer)}, expected ${expectedIssuer}`);
  check('openid-configuration: jwks_uri is <issuer>/certs', jwksUri === `${expectedIssuer}/certs`,
    `jwks_uri ${JSON.stringify(jwksUri)}`);
  const algs = r.json?.id_token_signing_alg_values_supported;
  check('openid-configuration: id_token_signing_alg_values_supported includes RS256',
    Array.isArray(algs) && algs.includes('RS256'), JSON.stringify(algs));
});

await step('JWKS', async () => {
  const r = await get('/certs');
  certsBody = r.json;
  check('GET /certs without api-version: 200', r.status === 200, `HTTP ${r.status} ${r.body}`);
  const keys = r.json?.keys;
  check('GET /certs: JWKS with at least one key', Array.isArray(keys) && keys.length > 0, r.body);
  for (const [i, k] of (keys || []).entries()) {
    check(`JWKS key ${i}: kid string, kty RSA, non-empty x5c (as Gramine requires)`,
      typeof k.kid === 'string' && k.kid.length > 0 && k.kty === 'RSA' &&
        Array.isArray(k.x5c) && k.x5c.length > 0 && k.x5c.every((c) => typeof c === 'string'),
      JSON.stringify(k).slice(0, 200));
  }
  const slash = await get('/certs/');
  check('GET /certs/ (trailing slash, as Gramine calls it): 200, same JWKS',
    slash.status === 200 && JSON.stringify(slash.json) === JSON.stringify(r.json),
    `HTTP ${slash.status} ${slash.body.slice(0, 200)}`);
  const withVersion = await get(`/certs?${API}`);
  check('GET /certs?api-version=2020-10-01: 200, same JWKS',
    withVersion.status === 200 && JSON.stringify(withVersion.json) === JSON.stringify(r.json),
    `HTTP ${withVersion.status} ${withVersion.body.slice(0, 200)}`);
});

await step('policy-get token', async () => {
  const r = await get(`/policies/SgxEnclave?${API}`);
  check('GET /policies/SgxEnclave?api-version=2020-10-01: 200', r.status === 200,
    `HTTP ${r.status} ${r.body.slice(0, 300)}`);
  const token = r.json?.token;
  check('policy-get: body is {"token": "<JWT>"}', typeof token === 'string', r.body.slice(0, 200));
  if (typeof token !== 'string' || !jwksUri) return;

  // Verify with keys fetched the way a relying party does: metadata -> jwks_uri.
  const JWKS = createRemoteJWKSet(new URL(jwksUri));
  let verified;
  try {
    verified = await jwtVerify(token, JWKS, { issuer: expectedIssuer, algorithms: ['RS256'] });
  } catch (e) {
    check('policy-get token verifies with jose (RS256, issuer, JWKS from jwks_uri)', false,
      `${e.code || ''} ${e.message}`);
    return;
  }
  check('policy-get token verifies with jose (RS256, issuer, JWKS from jwks_uri)', true);
  const { payload, protectedHeader: h } = verified;

  check('token header: alg RS256', h.alg === 'RS256', JSON.stringify(h));
  check('token header: jku is <issuer>/certs', h.jku === jwksUri, JSON.stringify(h));
  check('token header: typ JWT', h.typ === 'JWT', JSON.stringify(h));
  const kids = (certsBody?.keys || []).map((k) => k.kid);
  check('token header: kid is a key in /certs', kids.includes(h.kid),
    `kid ${h.kid}, /certs kids ${JSON.stringify(kids)}`);
  const rawHeader = JSON.parse(b64urlDecode(token.split('.')[0]).toString('utf8'));
  check('token header: members in MAA order alg, jku, kid, typ',
    JSON.stringify(Object.keys(rawHeader)) === '["alg","jku","kid","typ"]',
    JSON.stringify(Object.keys(rawHeader)));
  check('token header: decodeProtectedHeader agrees', decodeProtectedHeader(token).kid === h.kid);

  const now = Math.floor(Date.now() / 1000);
  check('claims: iat is an integer near now', Number.isInteger(payload.iat) &&
    Math.abs(payload.iat - now) < 300, `iat ${payload.iat}, now ${now}`);
  check('claims: nbf == iat', payload.nbf === payload.iat, `nbf ${payload.nbf} iat ${payload.iat}`);
  check('claims: exp - iat == 3600 (management tokens live 1 h)', payload.exp - payload.iat === 3600,
    `exp ${payload.exp} iat ${payload.iat}`);
  check('claims: no jti on a management token', !('jti' in payload), `jti ${payload.jti}`);
  check('claims: iss is the issuer', payload.iss === expectedIssuer, `iss ${payload.iss}`);
  const names = Object.keys(JSON.parse(b64urlDecode(token.split('.')[1]).toString('utf8')));
  check('claims: names sorted', JSON.stringify(names) === JSON.stringify([...names].sort()),
    JSON.stringify(names));

  // x-ms-policy: the stored policy as an unsigned JWS wrapping {"AttestationPolicy": b64url(text)}.
  const jws = payload['x-ms-policy'];
  check('claims: x-ms-policy is a string', typeof jws === 'string', JSON.stringify(jws)?.slice(0, 100));
  if (typeof jws !== 'string') return;
  const parts = jws.split('.');
  check('x-ms-policy: three segments', parts.length === 3, `${parts.length} segments`);
  check('x-ms-policy: header segment is exactly eyJhbGciOiJub25lIn0 ({"alg":"none"})',
    parts[0] === 'eyJhbGciOiJub25lIn0', parts[0]);
  check('x-ms-policy: empty signature', parts[2] === '', parts[2]);
  let stored;
  try {
    stored = JSON.parse(b64urlDecode(parts[1]).toString('utf8'));
  } catch (e) {
    check('x-ms-policy: payload is base64url JSON', false, e.message);
    return;
  }
  check('x-ms-policy: payload has an AttestationPolicy string',
    typeof stored.AttestationPolicy === 'string', JSON.stringify(stored).slice(0, 200));
  const text = b64urlDecode(stored.AttestationPolicy);
  const expected = readFileSync(policyFile);
  check('x-ms-policy: AttestationPolicy is the default SGX policy, byte for byte',
    Buffer.compare(text, expected) === 0,
    `got ${text.length} bytes ${JSON.stringify(text.toString('utf8').slice(0, 80))}, ` +
      `expected ${expected.length} bytes`);
  check('x-ms-policy: AttestationPolicy is base64url without padding',
    /^[A-Za-z0-9_-]+$/.test(stored.AttestationPolicy), stored.AttestationPolicy.slice(-10));

  for (const v of ['2022-08-01', '2025-06-01']) {
    const rv = await get(`/policies/SgxEnclave?api-version=${v}`);
    check(`GET /policies/SgxEnclave?api-version=${v}: 200 with a token`,
      rv.status === 200 && typeof rv.json?.token === 'string', `HTTP ${rv.status} ${rv.body.slice(0, 200)}`);
  }
});

await step('bad input', async () => {
  checkError('GET /no/such/route', await get('/no/such/route'), 404, 'NotFound');

  const del = await request(base, 'DELETE', '/certs');
  checkError('DELETE /certs', del, 405, 'MethodNotAllowed');
  check('DELETE /certs: Allow header lists GET', /\bGET\b/.test(del.headers.allow || ''),
    `Allow: ${del.headers.allow}`);
  const getAttest = await get(`/attest/SgxEnclave?${API}`);
  checkError('GET /attest/SgxEnclave', getAttest, 405, 'MethodNotAllowed');
  check('GET /attest/SgxEnclave: Allow header lists POST', /\bPOST\b/.test(getAttest.headers.allow || ''),
    `Allow: ${getAttest.headers.allow}`);

  checkError('GET /policies/SgxEnclave?api-version=1999-01-01',
    await get('/policies/SgxEnclave?api-version=1999-01-01'), 400, 'InvalidParameter', ['1999-01-01']);
  checkError('POST /attest/SgxEnclave?api-version=2099-12-31',
    await request(base, 'POST', '/attest/SgxEnclave?api-version=2099-12-31',
      { body: '{}', headers: { 'Content-Type': 'application/json' } }),
    400, 'InvalidParameter', ['2099-12-31']);
  checkError('GET /policies/SgxEnclave without api-version', await get('/policies/SgxEnclave'),
    400, 'InvalidParameter', ['api-version']);
  checkError('POST /attest/SgxEnclave without api-version',
    await request(base, 'POST', '/attest/SgxEnclave',
      { body: '{}', headers: { 'Content-Type': 'application/json' } }),
    400, 'InvalidParameter', ['api-version']);

  checkError('GET /policies/NoSuchType', await get(`/policies/NoSuchType?${API}`),
    400, 'InvalidParameter', ['NoSuchType']);
  checkError('POST /attest/NoSuchType',
    await request(base, 'POST', `/attest/NoSuchType?${API}`,
      { body: '{}', headers: { 'Content-Type': 'application/json' } }),
    400, 'InvalidParameter', ['NoSuchType']);

  checkError('POST /attest/SgxEnclave with invalid JSON',
    await request(base, 'POST', `/attest/SgxEnclave?${API}`,
      { body: '{"quote": "abc",\n  "runtimeData": ', headers: { 'Content-Type': 'application/json' } }),
    400, 'InvalidParameter', [/JSON/, /\d/]);

  // One byte over the 8 MiB request-body limit of src/core/limits.h.
  const big = Buffer.alloc(8 * 1024 * 1024 + 1, 0x20);
  let res413;
  try {
    res413 = await request(base, 'POST', `/attest/SgxEnclave?${API}`,
      { body: big, headers: { 'Content-Type': 'application/json' }, timeoutMs: 30000 });
  } catch (e) {
    check('POST /attest/SgxEnclave with 8 MiB + 1 body: server answers', false, `${e.code} ${e.message}`);
  }
  if (res413) checkError('POST /attest/SgxEnclave with 8 MiB + 1 body', res413, 413, 'PayloadTooLarge');

  const h = await get('/healthz');
  check('GET /healthz still 200 after the bad input', h.status === 200, `HTTP ${h.status}`);
});

finish();
