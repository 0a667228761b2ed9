#!/usr/bin/python3
"""Small SMTP server for Resonanz's test suite.

Started by scripts/services.sh; not meant for production. It listens on up to
three loopback ports, all in this one process and with the same behaviour
otherwise:

* ``--port``: plaintext ESMTP (EHLO, 8BITMIME, SMTPUTF8), no TLS; AUTH is
  offered over plaintext (this is loopback only);
* ``--starttls-port`` (needs ``--tls-cert``/``--tls-key``): ESMTP that
  offers STARTTLS and requires it: before STARTTLS only EHLO, NOOP, STARTTLS
  and QUIT are accepted, everything else (AUTH, MAIL, ...) gets
  ``530 Must issue a STARTTLS command first``; AUTH is advertised only after
  STARTTLS;
* ``--smtps-port`` (needs ``--tls-cert``/``--tls-key``): implicit TLS (SMTPS),
  TLS from the first byte, AUTH offered right after EHLO.

On every port it:

* offers AUTH PLAIN and AUTH LOGIN and accepts exactly one credential, user
  ``resonanz`` / password ``secret``; any other credential gets ``535 5.7.8``;
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
import ssl
import sys
import time

try:
    from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword, TLSSetupException
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

    async def handle_exception(self, error):
        # Tests make clients reject our self-signed certificate on purpose; a
        # STARTTLS handshake the client aborted is one log line, not a traceback.
        # (aiosmtpd closes such a connection without sending this status.)
        if isinstance(error, TLSSetupException):
            log.info("STARTTLS handshake failed: %s", error.__cause__ or error)
        else:
            log.exception("SMTP session exception")
        return f"500 Error: ({type(error).__name__}) {error}"

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


def tls_context(cert_file, key_file):
    """Server-side TLS context with the (self-signed) test certificate."""
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert_file, key_file)
    return ctx


def silence_tls_handshake_errors(loop, context):
    """Event-loop exception handler: tests make clients reject our self-signed
    certificate on purpose; log those aborted handshakes in one line instead
    of a traceback, and everything else as usual."""
    exc = context.get("exception")
    if isinstance(exc, (ssl.SSLError, ConnectionResetError, BrokenPipeError)):
        log.info("TLS connection aborted: %s", exc)
        return
    loop.default_exception_handler(context)


async def serve(args):
    relay = Relay(args.imap_host, args.imap_port, args.imap_user, args.imap_password, args.spool_dir)
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(silence_tls_handshake_errors)

    def factory(ident, **tls):
        return functools.partial(
            SMTP,
            relay,
            hostname="resonanz-test-smtp",
            ident=f"Resonanz test SMTP ({ident})",
            enable_SMTPUTF8=True,
            decode_data=False,
            auth_required=False,  # AUTH is optional
            authenticator=authenticator,
            loop=loop,
            **tls,
        )

    # (name, port, protocol factory, ssl context for implicit TLS)
    listeners = [
        # Plaintext AUTH on loopback.
        ("plain", args.port, factory("plain", auth_require_tls=False), None),
    ]
    if args.starttls_port or args.smtps_port:
        if not (args.tls_cert and args.tls_key):
            raise SystemExit("smtp_relay: --starttls-port/--smtps-port need --tls-cert and --tls-key")
        ctx = tls_context(args.tls_cert, args.tls_key)
        if args.starttls_port:
            # AUTH (and MAIL) only after STARTTLS.
            listeners.append((
                "starttls",
                args.starttls_port,
                factory("starttls", tls_context=ctx, require_starttls=True, auth_require_tls=True),
                None,
            ))
        if args.smtps_port:
            # aiosmtpd does not know the transport is already TLS (that only
            # counts after its own STARTTLS), so it must not insist on TLS for
            # AUTH here; the connection is encrypted from the first byte.
            listeners.append(("smtps", args.smtps_port, factory("smtps", auth_require_tls=False), ctx))

    servers = []
    for name, port, proto, ssl_ctx in listeners:
        servers.append(await loop.create_server(proto, host=args.host, port=port, ssl=ssl_ctx))
        log.info("listening on %s:%d (%s)", args.host, port, name)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("stopping")
    for server in servers:
        server.close()
    for server in servers:
        await server.wait_closed()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True, help="plaintext SMTP port")
    p.add_argument("--starttls-port", type=int, help="SMTP port that requires STARTTLS")
    p.add_argument("--smtps-port", type=int, help="SMTP port with implicit TLS")
    p.add_argument("--tls-cert", help="PEM certificate for the TLS ports")
    p.add_argument("--tls-key", help="PEM private key for the TLS ports")
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
