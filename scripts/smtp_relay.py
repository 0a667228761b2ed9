#!/usr/bin/python3
"""Small SMTP server for Resonanz's test suite.

Started by scripts/services.sh; not meant for production. It listens on one
loopback port and:

* speaks ESMTP (EHLO, 8BITMIME, SMTPUTF8) without TLS;
* offers AUTH PLAIN and AUTH LOGIN over plaintext (this is loopback only) and
  accepts exactly one credential, user ``resonanz`` / password ``secret``;
  any other credential gets ``535 5.7.8``;
* also accepts mail from clients that do not authenticate (AUTH is optional);
* for every accepted message, delivers it to each recipient that is a user of
  the test Dovecot server by IMAP APPEND into that user's INBOX, and stores
  everything addressed to anyone else as a file in the spool directory.

The message bytes are kept exactly as received (after SMTP dot-unstuffing,
which is part of the transport, not of the message): no Received: header is
added and line endings are not rewritten.

Delivery happens before the reply to DATA is sent, so once a client has seen
``250`` for a message, the message is already in the recipient's INBOX (or in
the spool directory). If an IMAP delivery fails, the client gets ``451`` and
the reason is logged.

Spool files (for recipients that are not Dovecot users), in SPOOL_DIR:
    NNNNNN.eml   the raw message bytes
    NNNNNN.json  {"mail_from": ..., "rcpt_tos": [...], "peer": ..., "auth_user": ...}
Both are written to a temporary name first and renamed into place, the
.json last, so a reader that sees the .json also sees the complete .eml.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import imaplib
import itertools
import json
import logging
import os
import signal
import sys
import time

try:
    from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
except ImportError as exc:  # pragma: no cover - reported by services.sh
    sys.stderr.write(f"smtp_relay: cannot import aiosmtpd: {exc}\n")
    sys.exit(3)

log = logging.getLogger("smtp_relay")

# The only SMTP credential that is accepted.
SMTP_USER = b"resonanz"
SMTP_PASSWORD = b"secret"


def authenticator(server, session, envelope, mechanism, auth_data):
    """aiosmtpd authenticator: accept resonanz/secret for PLAIN and LOGIN."""
    if (
        mechanism in ("PLAIN", "LOGIN")
        and isinstance(auth_data, LoginPassword)
        and auth_data.login == SMTP_USER
        and auth_data.password == SMTP_PASSWORD
    ):
        log.info("AUTH %s ok for %r", mechanism, auth_data.login)
        return AuthResult(success=True, auth_data=auth_data)
    login = auth_data.login if isinstance(auth_data, LoginPassword) else None
    log.info("AUTH %s rejected for %r", mechanism, login)
    # handled=False lets aiosmtpd answer "535 5.7.8 Authentication
    # credentials invalid".
    return AuthResult(success=False, handled=False)


class Relay:
    """aiosmtpd handler that delivers to Dovecot or to the spool directory."""

    def __init__(self, imap_host, imap_port, imap_users, imap_password, spool_dir):
        self.imap_host = imap_host
        self.imap_port = imap_port
        # Compare addresses case-insensitively; remember the canonical login.
        self.imap_users = {u.lower(): u for u in imap_users}
        self.imap_password = imap_password
        self.spool_dir = spool_dir
        self.counter = itertools.count(1)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        # Accept any recipient; the routing decision is made per message.
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content  # bytes, exactly as received
        loop = asyncio.get_running_loop()
        local, remote = [], []
        for rcpt in envelope.rcpt_tos:
            user = self.imap_users.get(rcpt.lower())
            # Every address under a .test domain is a Dovecot mailbox (the passdb accepts any
            # user), so tests can use fresh addresses that no parallel test shares.
            if user is None and rcpt.lower().endswith(".test"):
                user = rcpt.lower()
            if user is not None:
                if user not in local:
                    local.append(user)
            else:
                remote.append(rcpt)
        auth_user = None
        if session.authenticated and isinstance(session.auth_data, LoginPassword):
            auth_user = session.auth_data.login.decode("utf-8", "replace")
        try:
            for user in local:
                # imaplib is blocking: run it off the event loop.
                await loop.run_in_executor(None, self.append_imap, user, raw)
            if remote:
                meta = {
                    "mail_from": envelope.mail_from,
                    "rcpt_tos": remote,
                    "peer": list(session.peer) if session.peer else None,
                    "auth_user": auth_user,
                    "received_at": time.time(),
                }
                await loop.run_in_executor(None, self.spool, raw, meta)
        except Exception as exc:  # noqa: BLE001 - report any failure as 451
            log.exception("delivery failed (from=%r to=%r)", envelope.mail_from, envelope.rcpt_tos)
            return f"451 4.3.0 Delivery failed: {type(exc).__name__}"
        log.info(
            "accepted %d bytes from=%r imap=%r spool=%r auth=%r",
            len(raw), envelope.mail_from, local, remote, auth_user,
        )
        return "250 OK"

    def append_imap(self, user, raw):
        """IMAP APPEND raw (unmodified) into user's INBOX."""
        conn = imaplib.IMAP4(self.imap_host, self.imap_port, timeout=30)
        try:
            conn.login(user, self.imap_password)
            # imaplib.IMAP4.append() rewrites every line ending to CRLF; set
            # the literal ourselves so the bytes reach Dovecot unchanged.
            conn.literal = raw
            typ, data = conn._simple_command("APPEND", "INBOX")
            if typ != "OK":
                raise RuntimeError(f"APPEND for {user} failed: {typ} {data!r}")
            conn.logout()
        finally:
            try:
                conn.shutdown()
            except OSError:
                pass

    def spool(self, raw, meta):
        """Store raw in SPOOL_DIR as NNNNNN.eml plus NNNNNN.json (atomic)."""
        n = next(self.counter)
        base = os.path.join(self.spool_dir, f"{n:06d}")
        for suffix, payload in (
            (".eml", raw),
            (".json", json.dumps(meta, indent=1).encode("utf-8")),
        ):
            tmp = base + suffix + ".tmp"
            with open(tmp, "wb") as fh:
                fh.write(payload)
            os.replace(tmp, base + suffix)


async def serve(args):
    relay = Relay(args.imap_host, args.imap_port, args.imap_user, args.imap_password, args.spool_dir)
    loop = asyncio.get_running_loop()
    factory = functools.partial(
        SMTP,
        relay,
        hostname="resonanz-test-smtp",
        ident="Resonanz test SMTP",
        enable_SMTPUTF8=True,
        decode_data=False,
        auth_required=False,  # AUTH is optional
        auth_require_tls=False,  # plaintext AUTH on loopback
        authenticator=authenticator,
        loop=loop,
    )
    server = await loop.create_server(factory, host=args.host, port=args.port)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    log.info("listening on %s:%d", args.host, args.port)
    await stop.wait()
    log.info("stopping")
    server.close()
    await server.wait_closed()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--imap-host", default="127.0.0.1")
    p.add_argument("--imap-port", type=int, required=True)
    p.add_argument("--imap-user", action="append", default=[], help="Dovecot user (repeatable)")
    p.add_argument("--imap-password", default="secret")
    p.add_argument("--spool-dir", required=True)
    p.add_argument("--log-file", required=True)
    p.add_argument("--verbose", action="store_true", help="also log every SMTP connection")
    args = p.parse_args()

    os.makedirs(args.spool_dir, exist_ok=True)
    logging.basicConfig(
        filename=args.log_file,
        level=logging.INFO,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    # aiosmtpd logs every connection and command at INFO; keep only its
    # warnings unless asked for more.
    mail_log = logging.getLogger("mail.log")
    if not args.verbose:
        mail_log.setLevel(logging.WARNING)
    # aiosmtpd 1.4 warns about its own use of a deprecated attribute on every
    # successful AUTH; that is not ours to fix.
    mail_log.addFilter(lambda record: "login_data is deprecated" not in record.getMessage())
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
