// SGX / Open Enclave attestation against a live attestd started with the 2022 Open Enclave
// collateral (FMSPC 00906ed50000): real quotes from the Azure SDK recordings, tokens
// verified with `jose` through the JWKS, and the MAA error cases.
// Env: ATT_BASE_URL, ATT_VECTORS (shared vectors dir), ATT_MODE:
//   main          attestd with --collateral and --verification-time inside its window
//   expired       the same collateral, verification time after its window
//   nocollateral  attestd without --collateral
import fs from 'node:fs';
import crypto from 'node:crypto';
import {
  createRemoteJWKSet, jwtVerify, decodeJwt, decodeProtectedHeader, CompactSign, importPKCS8,
} from 'jose';
import { check, checkError, step, finish, request } from './check.mjs';

const base = process.env.ATT_BASE_URL;
const vectors = process.env.ATT_VECTORS;
const mode = process.env.ATT_MODE || 'main';
const api = 'api-version=2022-08-01';
const JWKS = createRemoteJWKSet(new URL('/certs', base));
const b64url = (b) => Buffer.from(b).toString('base64url');
const policyHash = (text) =>
  crypto.createHash('sha256').update(b64url(Buffer.from(text, 'utf8'))).digest('base64url');
const unsignedJws = (text) =>
  `eyJhbGciOiJub25lIn0.${b64url(JSON.stringify({ AttestationPolicy: b64url(text) }))}.`;

const wus = `${vectors}/maa/sdk-python/sgx-sharedwus-2022`;
const sgxRequest = JSON.parse(fs.readFileSync(`${wus}/attest-SgxEnclave.request.json`, 'utf8'));
const oeRequest = JSON.parse(fs.readFileSync(`${wus}/attest-OpenEnclave.request.json`, 'utf8'));
const cpp = `${vectors}/oe/azure-sdk-cpp-maa`;
const debugReport = fs.readFileSync(`${cpp}/oe_report_remote_debug.bin`);
const cppRuntime = fs.readFileSync(`${cpp}/runtime_data.bin`);
const realClaims = decodeJwt(fs.readFileSync(`${wus}/token.jwt`, 'utf8').trim());
const DEFAULT_HASH = 'bROrN897ZfWmWY2V0FLUlu3uwk5xatGnKYHn3zBbSlw';

const attest = (type, body) =>
  request(base, 'POST', `/attest/${type}?${api}`, {
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'Content-Type': 'application/json' },
  });

async function verified(res) {
  const { payload, protectedHeader } = await jwtVerify(res.json.token, JWKS, {
    issuer: base,
    algorithms: ['RS256'],
  });
  return { payload, protectedHeader };
}

if (mode === 'main') {
  await step('SgxEnclave, runtime data Binary (the sharedwus request as recorded)', async () => {
    const res = await attest('SgxEnclave', sgxRequest);
    check('SgxEnclave Binary: 200', res.status === 200, res.body);
    const { payload: p } = await verified(res);
    check('token verifies with the JWKS (RS256)', true);
    check('exp = iat + 8 h, jti 64 hex', p.exp - p.iat === 28800 && /^[0-9a-f]{64}$/.test(p.jti));
    for (const k of [
      'x-ms-sgx-mrenclave', 'x-ms-sgx-mrsigner', 'x-ms-sgx-product-id', 'x-ms-sgx-svn',
      'x-ms-sgx-is-debuggable', 'x-ms-sgx-report-data', 'x-ms-sgx-ehd', 'maa-ehd', 'aas-ehd',
      'x-ms-attestation-type', 'x-ms-ver', 'x-ms-policy-hash', 'x-ms-policy', 'tee',
      'is-debuggable', 'sgx-mrenclave', 'sgx-mrsigner', 'product-id', 'svn',
    ]) {
      check(`claim ${k} equals the real MAA token's`,
        JSON.stringify(p[k]) === JSON.stringify(realClaims[k]), `${JSON.stringify(p[k])}`);
    }
    check('x-ms-sgx-collateral.quotehash = the real token\'s',
      p['x-ms-sgx-collateral'].quotehash === realClaims['x-ms-sgx-collateral'].quotehash);
    check('no x-ms-runtime with Binary data', !('x-ms-runtime' in p));
  });

  await step('SgxEnclave, runtime data JSON, nonce', async () => {
    const body = { ...sgxRequest, runtimeData: { ...sgxRequest.runtimeData, dataType: 'JSON' }, nonce: 'n-123' };
    const res = await attest('SgxEnclave', body);
    check('SgxEnclave JSON: 200', res.status === 200, res.body);
    const { payload: p } = await verified(res);
    check('x-ms-runtime is the parsed JWK', p['x-ms-runtime']?.jwk?.crv === 'P-256', JSON.stringify(p['x-ms-runtime']));
    check('no ehd claims with JSON data', !('x-ms-sgx-ehd' in p) && !('maa-ehd' in p));
    check('nonce copied', p.nonce === 'n-123');
  });

  await step('OpenEnclave report (sharedwus, OE header + quote)', async () => {
    const res = await attest('OpenEnclave', oeRequest);
    check('OpenEnclave: 200', res.status === 200, res.body);
    const { payload: p } = await verified(res);
    check('OE quotehash covers the whole report (949b189c...)', p['x-ms-sgx-collateral'].quotehash.startsWith('949b189c'));
    check('OE x-ms-attestation-type sgx', p['x-ms-attestation-type'] === 'sgx');
  });

  await step('OpenEnclave debug report from the C++ SDK, JSON runtime data with a trailing NUL', async () => {
    const res = await attest('openenclave', {
      Report: b64url(debugReport),
      RuntimeData: { Data: cppRuntime.toString('base64'), DataType: 'JSON' },
    });
    check('OE debug (lenient keys, std base64): 200', res.status === 200, res.body);
    const { payload: p } = await verified(res);
    check('debuggable enclave', p['x-ms-sgx-is-debuggable'] === true && p['is-debuggable'] === true);
    check('mrsigner 4aea5f9a...', p['x-ms-sgx-mrsigner'].startsWith('4aea5f9a'));
    check('x-ms-runtime parsed', typeof p['x-ms-runtime'] === 'object', JSON.stringify(p['x-ms-runtime']));
  });

  await step('errors', async () => {
    checkError('bad base64 quote', await attest('SgxEnclave', { quote: 'not*base64' }), 400,
      'InvalidParameter', ["'quote'"]);
    checkError('missing report', await attest('OpenEnclave', { quote: sgxRequest.quote }), 400,
      'InvalidParameter', ["'report'"]);
    checkError('truncated quote', await attest('SgxEnclave', { quote: sgxRequest.quote.slice(0, 2000) }),
      400, 'InvalidParameter', ['quote']);
    checkError('runtimeData mismatch',
      await attest('SgxEnclave', { quote: sgxRequest.quote, runtimeData: { data: 'AAAA', dataType: 'Binary' } }),
      400, 'InvalidParameter', ['runtimeData SHA-256 does not match report data']);
    const badHeader = Buffer.from(debugReport);
    badHeader.writeUInt32LE(1, 4);
    checkError('OE report of type 1 (local)', await attest('OpenEnclave', { report: b64url(badHeader) }),
      400, 'InvalidParameter', ['SGX local report']);
    const tdx = fs.readFileSync(`${vectors}/tdx-v4/automata-dcap-rs/quote_tdx_00806f050000.dat`);
    checkError('TDX quote sent as SgxEnclave', await attest('SgxEnclave', { quote: b64url(tdx) }), 400,
      'InvalidParameter', ['TDX']);
    checkError('dataType XML', await attest('SgxEnclave', { quote: sgxRequest.quote, runtimeData: { data: 'AA', dataType: 'XML' } }),
      400, 'InvalidParameter', ['runtimeData.dataType']);
  });

  await step('draft policy: unsecured token', async () => {
    const draft = 'version=1.0; authorizationrules{ => permit(); }; issuancerules{ c:[type=="x-ms-sgx-svn"] => issue(type="draft-svn", value=c.value); c:[type=="x-ms-sgx-tcb-status"] => issue(type="tcb", value=c.value); };';
    const res = await attest('SgxEnclave', { ...sgxRequest, draftPolicyForAttestation: draft });
    check('draft: 200', res.status === 200, res.body);
    const token = res.json?.token || '';
    const parts = token.split('.');
    check('unsecured JWT: header alg none with MAA jku/kid/typ, empty signature',
      parts.length === 3 && parts[2] === '' && decodeProtectedHeader(token).alg === 'none' && decodeProtectedHeader(token).jku === `${base}/certs` && decodeProtectedHeader(token).typ === 'JWT', token.slice(0, 60));
    const p = decodeJwt(token);
    check('draft policy evaluated', p['draft-svn'] === 1 && p['x-ms-policy']?.['draft-svn'] === 1);
    check('TCB status visible to policy', p.tcb === 'OutOfDate', String(p.tcb));
    check('x-ms-policy-hash is the draft\'s', p['x-ms-policy-hash'] === policyHash(draft));
    checkError('draft that does not parse', await attest('SgxEnclave', { ...sgxRequest, draftPolicyForAttestation: 'version=1.0; nonsense' }),
      400, 'PolicyParsingError');
  });

  await step('TCB baseline 11 rejects this OutOfDate platform', async () => {
    const draft = 'version=1.1; configurationrules{ => issueproperty(type="x-ms-sgx-tcbidentifier", value="11"); }; authorizationrules{ => permit(); };';
    checkError('baseline 11', await attest('SgxEnclave', { ...sgxRequest, draftPolicyForAttestation: draft }),
      400, 'InvalidParameter', ['TCB status OutOfDate not accepted by TCB baseline 11']);
  });

  await step('2018-09-01-preview: {Quote, EnclaveHeldData} in, the bare JWT as a JSON string out', async () => {
    const res = await request(base, 'POST', '/attest/SgxEnclave?api-version=2018-09-01-preview', {
      body: JSON.stringify({ Quote: sgxRequest.quote, EnclaveHeldData: sgxRequest.runtimeData.data }),
      headers: { 'Content-Type': 'application/json' },
    });
    check('preview SgxEnclave: 200', res.status === 200, res.body);
    check('preview answer is a JSON string', typeof res.json === 'string', res.body.slice(0, 80));
    const { payload: p } = await verified({ json: { token: res.json } });
    check('preview token: EnclaveHeldData bound as Binary (x-ms-sgx-ehd = the real token\'s)',
      p['x-ms-sgx-ehd'] === realClaims['x-ms-sgx-ehd'] && p['maa-ehd'] === realClaims['maa-ehd']);
    const bad = await request(base, 'POST', '/attest/SgxEnclave?api-version=2018-09-01-preview', {
      body: JSON.stringify({ Quote: sgxRequest.quote, EnclaveHeldData: 'AAAA' }),
      headers: { 'Content-Type': 'application/json' },
    });
    checkError('preview with the wrong EnclaveHeldData', bad, 400, 'InvalidParameter', ['runtimeData']);
  });

  await step('GET /tcbbaselines: the published baselines, the selected one follows the policy', async () => {
    const selected = async (type) => {
      const res = await request(base, 'GET', `/tcbbaselines/${type}?api-version=2025-06-01`);
      check(`tcbbaselines/${type}: 200`, res.status === 200, res.body);
      const list = JSON.parse(res.body).tcbBaselines;
      check(`tcbbaselines/${type}: 10..15 with MAA's fields`, list.map((b) => b.tcbIdentifier).join() === '10,11,12,13,14,15' &&
        list[3].tcbEvaluationDataNumber === 13 && list[3].tcbReleaseDate === '2022-08-09T00:00:00Z' &&
        list[0].minimumPswLinuxVersion === '2.9' && list[0].minimumPswWindowsVersion === '2.7.101.2', res.body);
      return list.filter((b) => b.isSelectedTcb).map((b) => b.tcbIdentifier).join();
    };
    check('default policy selects 10 (azuredefault)', await selected('SgxEnclave') === '10');
    const pol = 'version=1.1; configurationrules{ => issueproperty(type="x-ms-sgx-tcbidentifier", value="13"); }; authorizationrules{ => permit(); };';
    const put = await request(base, 'PUT', `/policies/OpenEnclave?${api}`, { body: unsignedJws(pol) });
    check('PUT OpenEnclave policy selecting 13: 200', put.status === 200, put.body);
    check('OpenEnclave now selects 13', await selected('OpenEnclave') === '13');
    check('SgxEnclave still selects 10', await selected('SgxEnclave') === '10');
    const reset = await request(base, 'POST', `/policies/OpenEnclave:reset?${api}`, { body: 'eyJhbGciOiJub25lIn0..' });
    check('reset OpenEnclave: 200', reset.status === 200, reset.body);
    check('OpenEnclave selects 10 again', await selected('OpenEnclave') === '10');
    checkError('tcbbaselines/Tpm', await request(base, 'GET', `/tcbbaselines/Tpm?api-version=2025-06-01`), 400,
      'InvalidParameter', ['TCB baselines apply to SgxEnclave and OpenEnclave, not Tpm']);
    checkError('tcbbaselines without api-version', await request(base, 'GET', '/tcbbaselines/SgxEnclave'), 400,
      'InvalidParameter', ['api-version']);
  });

  await step('stored deny policy: PolicyEvaluationError, then reset', async () => {
    const deny = 'version=1.0; authorizationrules{ [type=="x-ms-sgx-is-debuggable", value==false] => deny(); => permit(); };';
    const put = await request(base, 'PUT', `/policies/SgxEnclave?${api}`, { body: unsignedJws(deny) });
    check('PUT deny policy: 200', put.status === 200, put.body);
    checkError('attest under deny policy', await attest('SgxEnclave', sgxRequest), 400, 'PolicyEvaluationError',
      ['Policy Engine Exception']);
    const dbg = await attest('SgxEnclave', { quote: b64url(debugReport.subarray(16)) });
    check('the debug enclave is still permitted', dbg.status === 200, dbg.body);
    const { payload } = await verified(dbg);
    check('x-ms-policy-hash = the stored policy\'s', payload['x-ms-policy-hash'] === policyHash(deny), `${payload['x-ms-policy-hash']} vs ${policyHash(deny)}`);
    const reset = await request(base, 'POST', `/policies/SgxEnclave:reset?${api}`, { body: 'eyJhbGciOiJub25lIn0..' });
    check('reset: 200', reset.status === 200, reset.body);
    const again = await attest('SgxEnclave', sgxRequest);
    check('default policy again: 200', again.status === 200, again.body);
    check('default policy hash again', (await verified(again)).payload['x-ms-policy-hash'] === DEFAULT_HASH);
  });

  await step('stored signed policy: x-ms-policy-signer in the token', async () => {
    const keyPem = fs.readFileSync(process.env.ATT_SIGNER_KEY, 'utf8');
    const certPem = fs.readFileSync(process.env.ATT_SIGNER_CERT, 'utf8');
    const key = await importPKCS8(keyPem, 'RS256');
    const der = new crypto.X509Certificate(certPem).raw.toString('base64');
    const text = 'version=1.0; authorizationrules{ => permit(); }; issuancerules{ c:[type=="x-ms-sgx-mrsigner"] => issue(type="signer", value=c.value); };';
    const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify({ AttestationPolicy: b64url(text) })))
      .setProtectedHeader({ alg: 'RS256', x5c: [der] })
      .sign(key);
    const put = await request(base, 'PUT', `/policies/OpenEnclave?${api}`, { body: jws });
    check('PUT signed OpenEnclave policy: 200', put.status === 200, put.body);
    const res = await attest('OpenEnclave', oeRequest);
    check('attest under the signed policy: 200', res.status === 200, res.body);
    const { payload: p } = await verified(res);
    const signer = p['x-ms-policy-signer'];
    check('x-ms-policy-signer carries the signing certificate',
      signer && signer.alg === 'RS256' && signer.x5c && signer.x5c[0] === der, JSON.stringify(signer));
    check('x-ms-policy-hash is the signed policy text\'s', p['x-ms-policy-hash'] === policyHash(text));
    check('issued claim from the signed policy', p.signer === realClaims['x-ms-sgx-mrsigner']);
    const reset = await request(base, 'POST', `/policies/OpenEnclave:reset?${api}`, { body: 'eyJhbGciOiJub25lIn0..' });
    check('reset OpenEnclave: 200', reset.status === 200, reset.body);
    const again = await verified(await attest('OpenEnclave', oeRequest));
    check('no x-ms-policy-signer for the default policy', !('x-ms-policy-signer' in again.payload));
  });
} else if (mode === 'expired') {
  await step('collateral outside its window', async () => {
    checkError('expired collateral', await attest('SgxEnclave', sgxRequest), 400, 'InvalidParameter', [/expire|valid/i]);
  });
} else if (mode === 'nocollateral') {
  await step('no collateral configured', async () => {
    checkError('missing collateral', await attest('SgxEnclave', sgxRequest), 400, 'InvalidParameter',
      ['no collateral is configured for FMSPC 00906ed50000']);
  });
}

finish();
