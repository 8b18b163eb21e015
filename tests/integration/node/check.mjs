// Small helpers shared by the Node.js integration checks: one line per check, a closing
// "N passed, M failed" line, and HTTP requests that never hang (every request has a timeout).
import http from 'node:http';

let passed = 0;
let failed = 0;

// Records one check: prints "ok - name" or "FAIL - name: detail".
export function check(name, ok, detail = '') {
  if (ok) {
    passed++;
    console.log(`ok - ${name}`);
  } else {
    failed++;
    console.log(`FAIL - ${name}${detail ? `: ${detail}` : ''}`);
  }
  return ok;
}

// Runs fn and records a failed check if it throws (so one broken step does not hide the rest).
export async function step(name, fn) {
  try {
    await fn();
  } catch (e) {
    check(name, false, e && e.stack ? e.stack.split('\n').slice(0, 3).join(' | ') : String(e));
  }
}

// Prints the closing line and sets the exit code.
export function finish() {
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
}

// One HTTP request with node:http (not fetch): it gives the response even when the server
// answers before it has read the whole body (413), and exposes every header.
// Resolves {status, headers, body (string), json (parsed or undefined)}.
export function request(base, method, path, { body, headers = {}, timeoutMs = 10000 } = {}) {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method, headers: { Accept: 'application/json', ...headers }, timeout: timeoutMs },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode, headers: res.headers, body: text, json });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in ${timeoutMs} ms`)));
    // Writing a large body may fail with EPIPE/ECONNRESET once the server has answered and
    // closed; the response may still arrive, so give it a moment before failing.
    req.on('error', (e) => setTimeout(() => reject(e), 2000));
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

// Checks an MAA error response: status, {"error":{"code","message"}}, message non-empty and
// mentioning every string in `mentions`.
export function checkError(name, res, status, code, mentions = []) {
  const err = res.json && res.json.error;
  const msg = err && typeof err.message === 'string' ? err.message : '';
  const got = `HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`;
  check(`${name}: status ${status}`, res.status === status, got);
  check(`${name}: error.code ${code}`, !!err && err.code === code, got);
  check(`${name}: error.message non-empty`, msg.length > 0, got);
  for (const m of mentions) {
    const ok = m instanceof RegExp ? m.test(msg) : msg.includes(m);
    check(`${name}: message mentions ${m}`, ok, `message: ${JSON.stringify(msg)}`);
  }
  const ct = res.headers['content-type'] || '';
  check(`${name}: content-type is JSON`, ct.startsWith('application/json'), `content-type: ${ct}`);
}

// base64url (or base64) text -> Buffer; throws on characters outside both alphabets.
export function b64urlDecode(s) {
  if (!/^[A-Za-z0-9_\-+/]*={0,2}$/.test(s)) throw new Error(`not base64url: ${s.slice(0, 40)}`);
  return Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}
