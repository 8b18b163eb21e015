#!/usr/bin/env python3
# A stand-in for Intel PCS (API v4) on 127.0.0.1, for test_pcs_fetch.sh: serves TCB info,
# QE identity, the PCK CRL and the root CA CRL of one normalized-collateral file in PCS's
# response format (signed JSON bodies, URL-encoded issuer-chain headers, DER CRLs) and
# counts the requests it answered (GET /count).
# Usage: pcs_mock.py NORMALIZED_COLLATERAL.json PORT_FILE
import http.server
import json
import sys
import urllib.parse

coll = json.load(open(sys.argv[1]))
count = 0


def chain(pem):
    # PCS leaves '-' unescaped and percent-encodes newlines, spaces, '+', '/', '='.
    return urllib.parse.quote(pem, safe="-_.")


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send(self, code, body, headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        global count
        url = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(url.query)
        if url.path == "/count":
            return self.send(200, str(count).encode())
        count += 1
        if url.path == "/sgx/certification/v4/tcb":
            body = '{"tcbInfo":%s,"signature":"%s"}' % (coll["tcb_info"], coll["tcb_info_signature"])
            return self.send(200, body.encode(),
                             [("TCB-Info-Issuer-Chain", chain(coll["tcb_info_issuer_chain"]))])
        if url.path == "/sgx/certification/v4/qe/identity":
            body = '{"enclaveIdentity":%s,"signature":"%s"}' % (coll["qe_identity"],
                                                                coll["qe_identity_signature"])
            return self.send(200, body.encode(), [
                ("SGX-Enclave-Identity-Issuer-Chain", chain(coll["qe_identity_issuer_chain"]))])
        if url.path == "/sgx/certification/v4/pckcrl":
            return self.send(200, bytes.fromhex(coll["pck_crl"]), [
                ("SGX-PCK-CRL-Issuer-Chain", chain(coll["pck_crl_issuer_chain"]))])
        if url.path == "/rootcrl":
            return self.send(200, bytes.fromhex(coll["root_ca_crl"]))
        return self.send(404, b"not found")


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(sys.argv[2], "w") as f:
    f.write(str(server.server_address[1]))
server.serve_forever()
