// Conformance with the official Azure Attestation client SDK (@azure/attestation): the SDK
// drives a live attestd over HTTPS (the SDK's bearer-token pipeline refuses plain http for
// policy management), with its own token validation on (signature through /certs, exp/nbf,
// issuer). Every token the SDK gets is also verified with `jose` through the JWKS.
// Env: ATT_BASE_URL (https://...), ATT_VECTORS (shared vectors dir); the server's CA
// certificate is given to Node with NODE_EXTRA_CA_CERTS by the calling script.
import fs from 'node:fs';
import crypto from 'node:crypto';
import { AttestationClient, AttestationAdministrationClient, KnownAttestationType } from '@azure/attestation';
import { createRemoteJWKSet, jwtVerify, decodeJwt, decodeProtectedHeader } from 'jose';
import { check, step, finish } from './check.mjs';

const base = process.env.ATT_BASE_URL;
const vectors = process.env.ATT_VECTORS;
const JWKS = createRemoteJWKSet(new URL('/certs', base));
const b64url = (b) => Buffer.from(b).toString('base64url');
const policyHash = (text) =>
  crypto.createHash('sha256').update(b64url(Buffer.from(text, 'utf8'))).digest('base64url');

// What the SDK checks on every token it receives: a signer from /certs, exp/nbf, and the
// issuer (off by default in the SDK; turned on here).
const validationOptions = {
  validateToken: true,
  validateExpirationTime: true,
  validateNotBeforeTime: true,
  validateIssuer: true,
  expectedIssuer: base,
  timeValidationSlack: 10,
};

// attestd does not check Azure AD tokens; policy management in the SDK still needs a
// TokenCredential (it adds "Authorization: Bearer ..." and insists on https for that).
const credential = {
  getToken: async () => ({ token: 'attestd-local', expiresOnTimestamp: Date.now() + 3600 * 1000 }),
};

const client = new AttestationClient(base, { validationOptions });
const admin = new AttestationAdministrationClient(base, credential, { validationOptions });

// Verifies a signed token with jose through the JWKS; returns its payload.
async function joseVerified(token, what) {
  const { payload, protectedHeader } = await jwtVerify(token, JWKS, {
    issuer: base,
    algorithms: ['RS256'],
  });
  check(`${what}: jose verifies the token through /certs (kid ${protectedHeader.kid.slice(0, 8)}...)`,
    protectedHeader.jku === `${base}/certs`, `jku ${protectedHeader.jku}`);
  return payload;
}

const wus = `${vectors}/maa/sdk-python/sgx-sharedwus-2022`;
const sgxRequest = JSON.parse(fs.readFileSync(`${wus}/attest-SgxEnclave.request.json`, 'utf8'));
const oeRequest = JSON.parse(fs.readFileSync(`${wus}/attest-OpenEnclave.request.json`, 'utf8'));
const cpp = `${vectors}/maa/sdk-cpp`;
const fromB64url = (s) => new Uint8Array(Buffer.from(s, 'base64url'));
const realClaims = decodeJwt(fs.readFileSync(`${wus}/token.jwt`, 'utf8').trim());

await step('getOpenIdMetadata', async () => {
  const meta = await client.getOpenIdMetadata();
  check('getOpenIdMetadata: issuer is the base URL', meta.issuer === base, JSON.stringify(meta.issuer));
  check('getOpenIdMetadata: jwks_uri is <base>/certs', meta.jwks_uri === `${base}/certs`,
    JSON.stringify(meta.jwks_uri));
  check('getOpenIdMetadata: RS256 signing', (meta.id_token_signing_alg_values_supported || []).includes('RS256'));
});

let signers = [];
await step('getAttestationSigners', async () => {
  signers = await client.getAttestationSigners();
  check('getAttestationSigners: at least one signer', signers.length >= 1, `${signers.length}`);
  const s = signers[0];
  check('getAttestationSigners: keyId and a PEM certificate',
    typeof s.keyId === 'string' && s.keyId.length > 0 && s.certificates.length >= 1 &&
      s.certificates[0].startsWith('-----BEGIN CERTIFICATE-----'));
  const cert = new crypto.X509Certificate(s.certificates[0]);
  check('getAttestationSigners: certificate subject CN is the issuer', cert.subject === `CN=${base}`,
    cert.subject);
  // The same keys as /certs/ (trailing slash, as some clients ask).
  const res = await fetch(`${base}/certs/`);
  const jwks = await res.json();
  check('GET /certs/ (trailing slash) gives the same kids as the SDK signers', res.status === 200 &&
    JSON.stringify(jwks.keys.map((k) => k.kid)) === JSON.stringify(signers.map((x) => x.keyId)));
});

await step('attestSgxEnclave (recorded sharedwus quote, runtime data Binary)', async () => {
  const res = await client.attestSgxEnclave(fromB64url(sgxRequest.quote), {
    runTimeData: fromB64url(sgxRequest.runtimeData.data),
  });
  const b = res.body;
  check('attestSgxEnclave: SDK validated the token; mrEnclave as recorded',
    b.mrEnclave === realClaims['x-ms-sgx-mrenclave'], b.mrEnclave);
  check('attestSgxEnclave: mrSigner, isDebuggable false, svn',
    b.mrSigner === realClaims['x-ms-sgx-mrsigner'] && b.isDebuggable === false && b.svn === realClaims['x-ms-sgx-svn']);
  check('attestSgxEnclave: enclaveHeldData is the runtime data',
    Buffer.from(b.enclaveHeldData).toString('base64url') === b64url(fromB64url(sgxRequest.runtimeData.data)));
  const hash = b.policyHash instanceof Uint8Array ? Buffer.from(b.policyHash).toString('base64url')
    : String(b.policyHash);
  check('attestSgxEnclave: issuer, and the default policy\'s hash as MAA\'s',
    b.issuer === base && hash === realClaims['x-ms-policy-hash'], `${b.issuer} ${hash}`);
  check('attestSgxEnclave: token kid is one of the SDK signers',
    signers.some((x) => x.keyId === res.token.keyId), res.token.keyId);
  const p = await joseVerified(res.token.serialize(), 'attestSgxEnclave');
  check('attestSgxEnclave: jose payload has x-ms-attestation-type sgx',
    p['x-ms-attestation-type'] === 'sgx', p['x-ms-attestation-type']);
});

// (SDK 1.0.0 has no nonce option: its request model carries quote, runtimeData,
// initTimeData and draftPolicyForAttestation only.)
await step('attestSgxEnclave with runTimeJson', async () => {
  const json = Buffer.from(sgxRequest.runtimeData.data, 'base64url');
  const res = await client.attestSgxEnclave(fromB64url(sgxRequest.quote), {
    runTimeJson: new Uint8Array(json),
  });
  const rawBody = res.token.getBody();
  check('attestSgxEnclave JSON: x-ms-runtime holds the JWK', rawBody['x-ms-runtime']?.jwk?.crv === 'P-256',
    JSON.stringify(rawBody['x-ms-runtime']));
  check('attestSgxEnclave JSON: runtimeClaims hold the JWK', res.body.runTimeClaims &&
    res.body.runTimeClaims.jwk && res.body.runTimeClaims.jwk.kty === 'EC');
  await joseVerified(res.token.serialize(), 'attestSgxEnclave JSON');
});

await step('attestOpenEnclave (recorded sharedwus OE report)', async () => {
  const res = await client.attestOpenEnclave(fromB64url(oeRequest.report), {
    runTimeData: fromB64url(oeRequest.runtimeData.data),
  });
  check('attestOpenEnclave: SDK validated the token; mrEnclave as recorded',
    res.body.mrEnclave === realClaims['x-ms-sgx-mrenclave'], res.body.mrEnclave);
  const p = await joseVerified(res.token.serialize(), 'attestOpenEnclave');
  check('attestOpenEnclave: x-ms-attestation-type sgx', p['x-ms-attestation-type'] === 'sgx');
});

await step('attestOpenEnclave (C++ SDK non-debug report, SgxEnclaveHeldData as JSON)', async () => {
  const report = fs.readFileSync(`${cpp}/OpenEnclaveNonDebugQuote.bin`);
  const held = fs.readFileSync(`${cpp}/SgxEnclaveHeldData.bin`);
  const res = await client.attestOpenEnclave(new Uint8Array(report), { runTimeData: new Uint8Array(held) });
  check('attestOpenEnclave C++: not debuggable, mrEnclave b7792026...',
    res.body.isDebuggable === false && res.body.mrEnclave.startsWith('b7792026'), res.body.mrEnclave);
  await joseVerified(res.token.serialize(), 'attestOpenEnclave C++');
});

await step('attestOpenEnclave (C++ SDK debug report, SgxEnclaveHeldData as runTimeJson)', async () => {
  const report = fs.readFileSync(`${cpp}/OpenEnclaveQuote.bin`);
  const held = fs.readFileSync(`${cpp}/SgxEnclaveHeldData.bin`);
  const res = await client.attestOpenEnclave(new Uint8Array(report), { runTimeJson: new Uint8Array(held) });
  check('attestOpenEnclave C++ debug: isDebuggable true, mrSigner 4aea5f9a...',
    res.body.isDebuggable === true && res.body.mrSigner.startsWith('4aea5f9a'), res.body.mrSigner);
  check('attestOpenEnclave C++ debug: runTimeClaims from the JSON runtime data',
    res.body.runTimeClaims !== undefined && typeof res.body.runTimeClaims === 'object');
  await joseVerified(res.token.serialize(), 'attestOpenEnclave C++ debug');

  // The same quote without its 16-byte OE header is the C++ SDK's "SgxQuote".
  const sgx = await client.attestSgxEnclave(new Uint8Array(report.subarray(16)), {
    runTimeData: new Uint8Array(held),
  });
  check('attestSgxEnclave C++ SgxQuote: same enclave as the OE report',
    sgx.body.mrEnclave === res.body.mrEnclave && sgx.body.isDebuggable === true, sgx.body.mrEnclave);
  await joseVerified(sgx.token.serialize(), 'attestSgxEnclave C++ SgxQuote');
});

await step('getPolicy / setPolicy (unsigned) / resetPolicy', async () => {
  const got = await admin.getPolicy(KnownAttestationType.SgxEnclave);
  check('getPolicy: SDK validated the token; a version=1.x policy text',
    typeof got.body === 'string' && /version\s*=\s*1\./.test(got.body), String(got.body).slice(0, 40));
  await joseVerified(got.token.serialize(), 'getPolicy');

  const policy = 'version= 1.0;authorizationrules{=> permit();};issuancerules{c:[type=="x-ms-sgx-mrsigner"] => issue(type="sdk-test", value=c.value);};';
  const set = await admin.setPolicy(KnownAttestationType.SgxEnclave, policy);
  check('setPolicy (unsigned): policyResolution Updated', set.body.policyResolution === 'Updated',
    set.body.policyResolution);
  const sp = await joseVerified(set.token.serialize(), 'setPolicy');
  check('setPolicy: x-ms-policy-result Updated', sp['x-ms-policy-result'] === 'Updated');

  const again = await admin.getPolicy(KnownAttestationType.SgxEnclave);
  check('getPolicy after setPolicy: the new text', again.body === policy, String(again.body).slice(0, 60));

  const res = await client.attestSgxEnclave(fromB64url(sgxRequest.quote), {
    runTimeData: fromB64url(sgxRequest.runtimeData.data),
  });
  const claims = res.token.getBody();
  check('attest with the stored policy: its claim and hash', claims['x-ms-policy']?.['sdk-test'] ===
    realClaims['x-ms-sgx-mrsigner'] && claims['x-ms-policy-hash'] === policyHash(policy),
  JSON.stringify(claims['x-ms-policy']));

  const reset = await admin.resetPolicy(KnownAttestationType.SgxEnclave);
  check('resetPolicy: policyResolution Removed', reset.body.policyResolution === 'Removed',
    reset.body.policyResolution);
  await joseVerified(reset.token.serialize(), 'resetPolicy');
  const after = await admin.getPolicy(KnownAttestationType.SgxEnclave);
  check('getPolicy after resetPolicy: the default policy again', after.body !== policy);
});

await step('attestSgxEnclave with a draft policy (unsecured token)', async () => {
  const draft = 'version= 1.0;authorizationrules{=> permit();};issuancerules{=> issue(type="draft", value=true);};';
  const res = await client.attestSgxEnclave(fromB64url(sgxRequest.quote), {
    runTimeData: fromB64url(sgxRequest.runtimeData.data),
    draftPolicyForAttestation: draft,
  });
  const hdr = decodeProtectedHeader(res.token.serialize());
  check('draft policy: alg none, SDK accepts it as unsecured', hdr.alg === 'none' &&
    res.token.algorithm === 'none', hdr.alg);
  const claims = res.token.getBody();
  check('draft policy: the draft\'s claim and hash', claims['x-ms-policy']?.draft === true &&
    claims['x-ms-policy-hash'] === policyHash(draft));
  let refused = false;
  try {
    await jwtVerify(res.token.serialize(), JWKS, { issuer: base });
  } catch {
    refused = true;
  }
  check('draft policy: jose refuses the unsecured token', refused);
});

await step('SDK token validation rejects a wrong issuer', async () => {
  const other = new AttestationClient(base, {
    validationOptions: { ...validationOptions, expectedIssuer: 'https://attest.example' },
  });
  let msg = '';
  try {
    await other.attestSgxEnclave(fromB64url(sgxRequest.quote), {
      runTimeData: fromB64url(sgxRequest.runtimeData.data),
    });
  } catch (e) {
    msg = String(e.message);
  }
  check('SDK with expectedIssuer of another service: refused naming the issuer',
    msg.includes('expected issuer'), msg);
});

finish();
