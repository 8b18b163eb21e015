// Verifies an attestation token against a live attestd's /certs (RS256, issuer = the
// service URL) and prints its claims as JSON. Usage: node verify_token.mjs BASE_URL TOKEN_FILE
import { readFileSync } from 'node:fs';
import { createRemoteJWKSet, jwtVerify } from 'jose';

const [base, file] = process.argv.slice(2);
const token = readFileSync(file, 'utf8').trim();
try {
  const jwks = createRemoteJWKSet(new URL('/certs', base));
  const { payload, protectedHeader } = await jwtVerify(token, jwks, {
    issuer: base,
    algorithms: ['RS256'],
  });
  console.log(JSON.stringify({ header: protectedHeader, claims: payload }));
} catch (e) {
  console.error(`token does not verify against ${base}/certs: ${e.message}`);
  process.exit(1);
}
