// Policy management as MAA clients do it: PUT (unsigned, signed with x5c, JSON-quoted body,
// plain text), GET, :reset, and the errors of each; every PolicyResult token is verified
// with `jose` through the JWKS. Env: ATT_BASE_URL, ATT_VECTORS (the shared vectors dir),
// ATT_SIGNER_KEY / ATT_SIGNER_CERT (a PEM key and self-signed certificate to sign with).
import fs from 'node:fs';
import crypto from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, CompactSign, importPKCS8, decodeJwt } from 'jose';
import { check, step, finish, request } from './check.mjs';

const base = process.env.ATT_BASE_URL;
const vectors = process.env.ATT_VECTORS;
const api = 'api-version=2022-08-01';
const JWKS = createRemoteJWKSet(new URL('/certs', base));
const b64url = (s) => Buffer.from(s).toString('base64url');
const unsignedJws = (text) =>
  `eyJhbGciOiJub25lIn0.${b64url(JSON.stringify({ AttestationPolicy: b64url(text) }))}.`;

async function verified(res) {
  const { payload, protectedHeader } = await jwtVerify(res.json.token, JWKS, {
    issuer: base,
    algorithms: ['RS256'],
  });
  return { payload, protectedHeader };
}

async function policyText(type) {
  const res = await request(base, 'GET', `/policies/${type}?${api}`);
  const { payload } = await verified(res);
  const jws = payload['x-ms-policy'];
  const inner = JSON.parse(Buffer.from(jws.split('.')[1], 'base64url').toString());
  return { jws, text: Buffer.from(inner.AttestationPolicy, 'base64url').toString() };
}

// The Tpm default (attestd's own: MAA has none) as served before any upload.
const tpmDefault = (await policyText('Tpm')).text;

await step('unsigned Tpm policy from the Python SDK recording', async () => {
  const body = fs.readFileSync(`${vectors}/maa/sdk-python/tpm-init-2022/put-policy-Tpm.request.body.jws`, 'utf8');
  const res = await request(base, 'PUT', `/policies/Tpm?${api}`, {
    body,
    headers: { 'Content-Type': 'text/plain' },
  });
  check('PUT unsigned policy: 200', res.status === 200, res.body);
  const { payload } = await verified(res);
  check('PolicyResult x-ms-policy-result = Updated', payload['x-ms-policy-result'] === 'Updated');
  check(
    'x-ms-policy-token-hash = the recorded MAA value',
    payload['x-ms-policy-token-hash'] === 'pyhI2FKMjRkvpvwS07hLclAyvsi5O4TrnzL5OPsIxzM',
    payload['x-ms-policy-token-hash'],
  );
  check('management token: exp = iat + 3600, no jti', payload.exp - payload.iat === 3600 && !payload.jti);
  check('no x-ms-policy-signer for an unsigned policy', !('x-ms-policy-signer' in payload));
  const got = await policyText('Tpm');
  check('GET returns the uploaded JWS exactly', got.jws === body.trim());
});

await step('JSON-quoted body (C++ SDK style)', async () => {
  const text = 'version=1.0; authorizationrules{=> permit();}; issuancerules{c:[type=="x"] => issue(type="y", value=c.value);};';
  const res = await request(base, 'PUT', `/policies/SevSnpVm?${api}`, {
    body: JSON.stringify(unsignedJws(text)),
    headers: { 'Content-Type': 'application/json' },
  });
  check('PUT JSON string literal body: 200', res.status === 200, res.body);
  check('stored text round-trips', (await policyText('SevSnpVm')).text === text);
});

await step('plain policy text (lenient)', async () => {
  const text = 'version=1.2; authorizationrules{=> permit();}; issuancerules{};';
  const res = await request(base, 'PUT', `/policies/TdxVm?${api}`, { body: text });
  check('PUT plain text: 200', res.status === 200, res.body);
  const got = await policyText('TdxVm');
  check('plain text stored as its unsigned JWS wrapper', got.text === text && got.jws === unsignedJws(text));
});

await step('signed policy with x5c', async () => {
  const key = await importPKCS8(fs.readFileSync(process.env.ATT_SIGNER_KEY, 'utf8'), 'RS256');
  const certPem = fs.readFileSync(process.env.ATT_SIGNER_CERT, 'utf8');
  const der = new crypto.X509Certificate(certPem).raw.toString('base64');
  const text = 'version=1.1; configurationrules{ => issueproperty(type="x-ms-sgx-tcbidentifier", value="13"); }; authorizationrules{=> permit();}; issuancerules{};';
  const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify({ AttestationPolicy: b64url(text) })))
    .setProtectedHeader({ alg: 'RS256', x5c: [der] })
    .sign(key);
  const res = await request(base, 'PUT', `/policies/SgxEnclave?${api}`, { body: jws });
  check('PUT signed policy: 200', res.status === 200, res.body);
  const { payload } = await verified(res);
  const signer = payload['x-ms-policy-signer'];
  check(
    'x-ms-policy-signer is the RS256 JWK with the signing certificate',
    signer && signer.kty === 'RSA' && signer.alg === 'RS256' && signer.x5c && signer.x5c[0] === der,
    JSON.stringify(signer),
  );
  const expectHash = crypto.createHash('sha256').update(jws).digest('base64url');
  check('token hash covers the signed JWS', payload['x-ms-policy-token-hash'] === expectHash);
  check('GET returns the signed JWS', (await policyText('SgxEnclave')).jws === jws);

  const tampered = jws.slice(0, -4) + (jws.endsWith('AAAA') ? 'BBBB' : 'AAAA');
  const bad = await request(base, 'PUT', `/policies/SgxEnclave?${api}`, { body: tampered });
  check(
    'tampered signature: 400 naming the signature',
    bad.status === 400 && /signature/.test(bad.json?.error?.message ?? ''),
    bad.body,
  );
  check('tampered upload changed nothing', (await policyText('SgxEnclave')).jws === jws);
});

await step('errors change nothing', async () => {
  const before = await policyText('Tpm');
  const cases = [
    ['syntax error', unsignedJws('version=1.0; authorizationrules{ [type=="a"] => permit() }; '), 400, 'PolicyParsingError', /line|Line/],
    ['not a JWS', 'hello', 400, 'InvalidOperation', /Malformed JWT/],
    ['payload without AttestationPolicy', `eyJhbGciOiJub25lIn0.${b64url('{"Policy":"x"}')}.`, 400, 'InvalidOperation', /AttestationPolicy/],
    ['AttestationPolicy not base64url', `eyJhbGciOiJub25lIn0.${b64url('{"AttestationPolicy":"@@"}')}.`, 400, 'InvalidOperation', /base64url/],
    ['unsupported alg', `${b64url('{"alg":"HS256"}')}.${b64url('{}')}.AAAA`, 400, 'InvalidOperation', /HS256/],
    ['empty body', '', 400, 'InvalidOperation', /empty/],
  ];
  for (const [name, body, status, code, msg] of cases) {
    const res = await request(base, 'PUT', `/policies/Tpm?${api}`, { body });
    check(
      `PUT ${name}: ${status} ${code}`,
      res.status === status && res.json?.error?.code === code && msg.test(res.json?.error?.message ?? ''),
      res.body,
    );
  }
  const after = await policyText('Tpm');
  check('stored policy unchanged after the bad uploads', after.jws === before.jws);
  const unknown = await request(base, 'PUT', `/policies/Sgx?${api}`, { body: unsignedJws('version=1.0; authorizationrules{=> permit();};') });
  check('unknown type: 400 InvalidParameter', unknown.status === 400 && unknown.json?.error?.code === 'InvalidParameter');
});

await step('reset', async () => {
  const res = await request(base, 'POST', `/policies/Tpm:reset?${api}`, { body: 'eyJhbGciOiJub25lIn0..' });
  check('POST :reset: 200', res.status === 200, res.body);
  const { payload } = await verified(res);
  check('x-ms-policy-result = Removed', payload['x-ms-policy-result'] === 'Removed');
  check('GET after reset returns the default', (await policyText('Tpm')).text === tpmDefault &&
    tpmDefault.startsWith('version=1.2;'));
  const bad = await request(base, 'POST', `/policies/Tpm:reset?${api}`, { body: unsignedJws('version=1.0;') });
  check('reset with a payload: 400 InvalidOperation', bad.status === 400 && bad.json?.error?.code === 'InvalidOperation', bad.body);
});

// Leave SevSnpVm set: test_policy.sh checks it survives a restart.
finish();
