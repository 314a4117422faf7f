#!/usr/bin/env python3
"""Local receivers for `tandem notify`'s tests, on 127.0.0.1 only.

- An SMTP server (aiosmtpd) that requires STARTTLS and AUTH (PLAIN/LOGIN) with a user and
  password, and writes each accepted message to OUT/mail/NNNN.eml with its envelope in
  OUT/mail/NNNN.json.
- An HTTP receiver for Slack and Teams webhooks: each POST is written to OUT/hooks/NNNN.json
  (path, headers, body). A control file OUT/hooks-fail holding N makes the next N posts answer
  500; OUT/hooks-delay holding S makes each post wait S seconds before answering.

Usage: notify-sinks.py OUT CERT KEY USER PASSWORD
Prints "smtp PORT http PORT" on one line when both listen, then runs until killed.
"""
import asyncio
import json
import os
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

out, cert, key, user, password = sys.argv[1:6]
os.makedirs(os.path.join(out, "mail"), exist_ok=True)
os.makedirs(os.path.join(out, "hooks"), exist_ok=True)
lock = threading.Lock()


def next_name(folder):
    with lock:
        n = len([f for f in os.listdir(folder) if f.endswith(".json")]) + 1
        return os.path.join(folder, "%04d" % n)


class Handler:
    async def handle_DATA(self, server, session, envelope):
        base = next_name(os.path.join(out, "mail"))
        with open(base + ".eml", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        with open(base + ".json", "w") as f:
            json.dump({"from": envelope.mail_from, "to": envelope.rcpt_tos, "tls": session.ssl is not None,
                       "authenticated": session.authenticated}, f)
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
    return AuthResult(success=ok)


context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
context.load_cert_chain(cert, key)
def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


smtp_port = free_port()
smtp = Controller(Handler(), hostname="127.0.0.1", port=smtp_port, ready_timeout=10, tls_context=context, require_starttls=True,
                  auth_required=True, auth_require_tls=True, authenticator=authenticator)
smtp.start()


def control(name, default):
    try:
        with open(os.path.join(out, name)) as f:
            return f.read().strip()
    except OSError:
        return default


class Hook(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        with lock:
            fail = int(control("hooks-fail", "0") or 0)
            if fail > 0:
                with open(os.path.join(out, "hooks-fail"), "w") as f:
                    f.write(str(fail - 1))
        if fail > 0:
            self.send_response(500)
            self.end_headers()
            return
        base = next_name(os.path.join(out, "hooks"))
        with open(base + ".json", "w") as f:
            json.dump({"path": self.path, "headers": dict(self.headers), "body": body.decode("utf-8")}, f, ensure_ascii=False)
        delay = float(control("hooks-delay", "0") or 0)
        if delay > 0:
            import time
            time.sleep(delay)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


http = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
threading.Thread(target=http.serve_forever, daemon=True).start()
print("smtp %d http %d" % (smtp_port, http.server_address[1]), flush=True)
try:
    threading.Event().wait()
finally:
    smtp.stop()
