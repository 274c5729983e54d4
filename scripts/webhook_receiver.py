#!/usr/bin/env python3
"""A webhook receiver for the lessons (Scenario C): listens on 127.0.0.1:8765 (or the port given), prints
every POST it receives and answers 200; GET /received lists them as JSON. It answers the browser's CORS
preflight (any origin, the headers DT Lab sends, and Chrome's private-network access), so a notebook page
(DuckDB-WASM in JupyterLab or JupyterLite) can post to it as the DT Lab kernel can. Standard library only.

    python3 scripts/webhook_receiver.py [PORT]
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RECEIVED = []


class Receiver(BaseHTTPRequestHandler):
    def cors(self):
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Methods", "POST, GET, OPTIONS")
        asked = self.headers.get("Access-Control-Request-Headers")
        self.send_header("Access-Control-Allow-Headers", asked or "content-type, idempotency-key")
        self.send_header("Access-Control-Allow-Private-Network", "true")

    def do_OPTIONS(self):
        self.send_response(204)
        self.cors()
        self.end_headers()

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace")
        entry = {
            "path": self.path,
            "idempotency_key": self.headers.get("Idempotency-Key"),
            "content_type": self.headers.get("Content-Type"),
            "body": body,
        }
        RECEIVED.append(entry)
        print(f"POST {self.path} ({entry['idempotency_key']}): {body}", flush=True)
        self.send_response(200)
        self.cors()
        self.end_headers()
        self.wfile.write(b"ok")

    def do_GET(self):
        data = json.dumps(RECEIVED, indent=2).encode("utf-8")
        self.send_response(200)
        self.cors()
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8765
    print(f"webhook receiver on http://127.0.0.1:{port}/ (GET /received lists what came)", flush=True)
    ThreadingHTTPServer(("127.0.0.1", port), Receiver).serve_forever()
