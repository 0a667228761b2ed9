#!/usr/bin/env bash
# Start and stop the real servers that Resonanz's test suite talks to.
#
#   scripts/services.sh install      install missing Debian packages (only those),
#                                    including chromium and chromium-driver for the
#                                    browser tests
#   scripts/services.sh start DIR    start PostgreSQL, Dovecot (IMAP, IMAPS) and the
#                                    SMTP relay (plain, STARTTLS, SMTPS) under DIR,
#                                    write DIR/env
#   scripts/services.sh stop DIR     stop everything started under DIR (by pid),
#                                    remove DIR/env, keep logs and data;
#                                    safe to run twice or after a failed start
#
# Everything listens on 127.0.0.1 only, on free ports chosen at start time, and
# keeps all its state (data, sockets, logs, pid files) inside DIR, so several
# instances can run side by side and nothing from a previous run is reused.
# Nothing under /etc is touched, except that `install` may add the system user
# `resonanztest` that owns the test mailboxes.
#
# DIR/env contains `export` lines for:
#   RESONANZ_TEST_PG_URL       postgres://resonanz:resonanz@127.0.0.1:PORT/postgres
#                              (role `resonanz` is a superuser: tests CREATE DATABASE)
#   RESONANZ_TEST_IMAP         127.0.0.1:PORT   Dovecot, plaintext IMAP, LOGIN/AUTHENTICATE PLAIN
#                              any user name logs in with password `secret` and gets
#                              its own mailbox (tests use fresh addresses per test);
#                              STARTTLS is offered but not required
#   RESONANZ_TEST_IMAPS        127.0.0.1:PORT   the same Dovecot, implicit TLS (imaps)
#   RESONANZ_TEST_SMTP         127.0.0.1:PORT   scripts/smtp_relay.py: optional AUTH
#                              PLAIN/LOGIN as resonanz/secret; mail to any address under a
#                              .test domain lands in that Dovecot INBOX, other mail in DIR/smtp-out/
#   RESONANZ_TEST_SMTP_STARTTLS 127.0.0.1:PORT  the same relay, STARTTLS required: before it
#                              only EHLO/NOOP/STARTTLS/QUIT (else 530), AUTH offered after it
#   RESONANZ_TEST_SMTPS        127.0.0.1:PORT   the same relay, implicit TLS (smtps)
#   RESONANZ_TEST_SERVICES_DIR DIR
#
# All TLS listeners use a throw-away self-signed certificate for CN=localhost
# (SAN DNS:localhost, IP:127.0.0.1) made at start, DIR/tls/cert.pem; clients
# must trust it explicitly or skip verification (accept_invalid_certs=true).
#
# To run tests by hand against these services:
#   scripts/services.sh start /tmp/rz && source /tmp/rz/env
#   cargo nextest run -p resonanz-store          # or whatever you need
#   scripts/services.sh stop /tmp/rz
#
# Layout of DIR:
#   env                       the export lines above
#   postgres.pid dovecot.pid smtp.pid   (smtp.pid: one process for all three SMTP ports)
#   postgres.log dovecot.log smtp.log
#   tls/cert.pem tls/key.pem  the self-signed certificate and its key
#   pg/ pgsock/               PostgreSQL cluster and its unix socket
#   dovecot/                  dovecot.conf, run/ (base_dir), state/
#   mail/USER/Maildir         mailboxes, owned by the unprivileged user resonanztest
#   smtp-out/                 mail for recipients that are not IMAP users
#
# Browser tests: `start` runs no browser. Each test's resonanz_testkit::browser::Browser
# starts its own chromedriver (--port=0) and headless Chromium with a fresh profile, and
# kills both when it is dropped. Measured: chromedriver is up in 60-80 ms, while each
# Chromium session takes ~1 s (3 s under load) either way, so one shared chromedriver
# would save almost nothing and could outlive a crashed run. The binaries are the ones
# `install` puts in /usr/bin (found on PATH; RESONANZ_TEST_CHROMEDRIVER and
# RESONANZ_TEST_CHROMIUM may name others); nothing is downloaded at test time.
#
# Needs root (it runs PostgreSQL as the `postgres` OS user and Dovecot's mail
# processes as `resonanztest`).
set -euo pipefail

# useradd, runuser, etc. live in sbin, which is not always on PATH.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"

# The users of the test mail server (all with password $MAIL_PASSWORD).
MAIL_USERS=(support@resonanz.test kunde@example.test agent@resonanz.test)
MAIL_PASSWORD=secret
# OS user that owns the mailboxes (Dovecot refuses to run mail processes as root).
MAIL_OS_USER=resonanztest
# The Python that has aiosmtpd (Debian's). The python3 on PATH may be another one.
SYSTEM_PYTHON=/usr/bin/python3
# Fallback virtualenv with aiosmtpd from PyPI, used only if Debian's package
# cannot be imported.
SMTP_VENV="${XDG_CACHE_HOME:-$HOME/.cache}/resonanz/smtp-venv"
# Seconds to wait for each service to accept connections.
START_TIMEOUT=60

log() { printf 'services.sh: %s\n' "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}

# Print the last lines of a log file to stderr (used when a service fails).
log_tail() {
    local file=$1
    if [[ -s "$file" ]]; then
        printf -- '--- last lines of %s ---\n' "$file" >&2
        tail -n 40 "$file" >&2 || true
        printf -- '--- end of %s ---\n' "$file" >&2
    fi
}

# Directory with PostgreSQL's server binaries: 15 if present, else the newest.
pg_bindir() {
    if [[ -x /usr/lib/postgresql/15/bin/initdb ]]; then
        echo /usr/lib/postgresql/15/bin
        return
    fi
    local d
    d=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    [[ -n "$d" && -x "$d/initdb" ]] || return 1
    echo "$d"
}

# Is the Debian package $1 installed?
deb_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# The Python interpreter that can import aiosmtpd (empty if none).
smtp_python() {
    local py
    for py in "$SYSTEM_PYTHON" "$SMTP_VENV/bin/python"; do
        if [[ -x "$py" ]] && "$py" -c 'import aiosmtpd' >/dev/null 2>&1; then
            echo "$py"
            return 0
        fi
    done
    return 1
}

# Create the unprivileged OS user that owns the test mailboxes, if missing.
ensure_mail_os_user() {
    if ! id -u "$MAIL_OS_USER" >/dev/null 2>&1; then
        useradd --system --user-group --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin "$MAIL_OS_USER"
    fi
}

# Print N distinct free TCP ports on 127.0.0.1. All sockets are bound at the
# same time so the ports differ; they are closed again before printing.
free_ports() {
    "$SYSTEM_PYTHON" - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    socks.append(s)
ports = [s.getsockname()[1] for s in socks]
for s in socks:
    s.close()
print(" ".join(map(str, ports)))
PY
}

# Is $1 a live process whose command line contains $2?
pid_matches() {
    local pid=$1 want=$2 cmd
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    [[ -r "/proc/$pid/cmdline" ]] || return 1
    cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)
    [[ "$cmd" == *"$want"* ]]
}

# Is process $1 running (alive and not a zombie waiting to be reaped)?
pid_alive() {
    local pid=$1 stat state
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
    # Format: "PID (COMM) STATE ..."; COMM may contain spaces and ')'.
    state=${stat##*) }
    state=${state%% *}
    [[ -n "$state" && "$state" != Z && "$state" != X ]]
}

# Wait until 127.0.0.1:$port answers with a greeting starting with $greeting.
# With $6 = tls, the greeting is read after a TLS handshake (implicit TLS; the
# certificate is not verified, only that the handshake works).
# Fails early if process $pid (when given) dies; logs $logfile on failure.
wait_greeting() {
    local name=$1 port=$2 greeting=$3 pid=$4 logfile=$5 tls=${6:-}
    local deadline=$((SECONDS + START_TIMEOUT)) got
    while ((SECONDS < deadline)); do
        if [[ -n "$pid" ]] && ! pid_alive "$pid"; then
            log_tail "$logfile"
            die "$name exited during start-up (see $logfile)"
        fi
        # Connect, read the first bytes of the greeting, disconnect.
        if [[ "$tls" == tls ]]; then
            got=$(timeout 5 "$SYSTEM_PYTHON" - "$port" "${#greeting}" 2>/dev/null <<'PY' || true
import socket, ssl, sys
port, want = int(sys.argv[1]), int(sys.argv[2])
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
with socket.create_connection(("127.0.0.1", port), timeout=4) as raw:
    with ctx.wrap_socket(raw, server_hostname="localhost") as s:
        got = b""
        while len(got) < want:
            chunk = s.recv(want - len(got))
            if not chunk:
                break
            got += chunk
sys.stdout.write(got.decode("ascii", "replace"))
PY
            )
        else
            # shellcheck disable=SC2016 # $1/$2 are the inner shell's arguments
            got=$(timeout 5 bash -c '
                exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
                head -c "$2" <&3
            ' _ "$port" "${#greeting}" 2>/dev/null || true)
        fi
        if [[ "$got" == "$greeting" ]]; then
            return 0
        fi
        sleep 0.1
    done
    log_tail "$logfile"
    die "$name did not accept connections on 127.0.0.1:$port within ${START_TIMEOUT}s (see $logfile)"
}

# ---------------------------------------------------------------------------
# install
# ---------------------------------------------------------------------------

# apt-get install "$@" without letting the packages' maintainer scripts start
# system-wide services (the PostgreSQL `main` cluster on 5432, Dovecot on
# 143/993): without systemd they would run unsupervised. policy-rc.d exit
# code 101 means "action forbidden"; one is added only if none exists, and
# removed again afterwards. `apt-get update` runs once, before the first install.
APT_UPDATED=0
apt_install() {
    [[ $EUID -eq 0 ]] || die "missing packages ($*) and not root; install them first"
    log "installing: $*"
    local policy=/usr/sbin/policy-rc.d added_policy=0 rc=0
    if [[ ! -e "$policy" ]]; then
        printf '#!/bin/sh\n# temporary, added by resonanz scripts/services.sh install\nexit 101\n' >"$policy"
        chmod 755 "$policy"
        added_policy=1
    fi
    if ((APT_UPDATED == 0)); then
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -q || rc=$?
        APT_UPDATED=1
    fi
    if ((rc == 0)); then
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
            install -y -q --no-install-recommends "$@" || rc=$?
    fi
    if ((added_policy)); then rm -f "$policy"; fi
    return "$rc"
}

cmd_install() {
    local need=()
    pg_bindir >/dev/null || need+=(postgresql)
    if ! deb_installed dovecot-imapd || ! command -v dovecot >/dev/null 2>&1; then
        need+=(dovecot-imapd)
    fi
    command -v openssl >/dev/null 2>&1 || need+=(openssl)
    # Headless Chromium and its WebDriver for the browser tests
    # (resonanz_testkit::browser starts both per test; nothing is downloaded
    # at test time).
    if ! deb_installed chromium || [[ ! -x /usr/bin/chromium ]]; then
        need+=(chromium)
    fi
    if ! deb_installed chromium-driver || [[ ! -x /usr/bin/chromedriver ]]; then
        need+=(chromium-driver)
    fi
    if ((${#need[@]})); then
        apt_install "${need[@]}" || die "apt-get install ${need[*]} failed"
    fi
    # aiosmtpd separately: if Debian's package cannot be had, there is a
    # fallback below.
    if ! "$SYSTEM_PYTHON" -c 'import aiosmtpd' >/dev/null 2>&1; then
        apt_install python3-aiosmtpd || log "python3-aiosmtpd could not be installed"
    fi

    # A Dovecot started by the package (e.g. where policy-rc.d allowed it)
    # would sit on 143/993. Ours uses random ports and its own base_dir, so it
    # would not conflict, but do not leave an unsupervised daemon around.
    local sys_pid
    sys_pid=$(head -n 1 /run/dovecot/master.pid 2>/dev/null || true)
    if pid_matches "$sys_pid" dovecot; then
        log "stopping system dovecot (pid $sys_pid)"
        kill "$sys_pid" 2>/dev/null || true
    fi

    # Last resort for aiosmtpd: a virtualenv with the PyPI package (Debian's
    # Python refuses `pip install` into the system, PEP 668).
    if ! smtp_python >/dev/null; then
        log "Debian's aiosmtpd is not importable; creating $SMTP_VENV"
        if ! "$SYSTEM_PYTHON" -c 'import ensurepip' >/dev/null 2>&1; then
            apt_install python3-venv || die "apt-get install python3-venv failed"
        fi
        "$SYSTEM_PYTHON" -m venv "$SMTP_VENV"
        "$SMTP_VENV/bin/pip" install -q aiosmtpd
        smtp_python >/dev/null || die "aiosmtpd still not importable"
    fi

    if [[ $EUID -eq 0 ]]; then
        ensure_mail_os_user
    fi
}

# ---------------------------------------------------------------------------
# start
# ---------------------------------------------------------------------------

# A throw-away self-signed certificate for localhost / 127.0.0.1 in DIR/tls/,
# used by Dovecot's imaps listener and the relay's STARTTLS and SMTPS ports.
make_certificate() {
    local dir=$1
    command -v openssl >/dev/null 2>&1 || die "openssl not found; run scripts/services.sh install"
    install -d -m 755 "$dir/tls"
    # The key is read by root only (Dovecot's config process, the relay).
    # CA:FALSE: `req -x509` makes a CA certificate by default, which rustls
    # refuses as a server certificate for that reason alone
    # (CaUsedAsEndEntity); as a plain end-entity certificate, verification
    # fails the usual way for a self-signed one (UnknownIssuer).
    if ! (umask 077 && openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
        -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
        -addext basicConstraints=critical,CA:FALSE \
        -keyout "$dir/tls/key.pem" -out "$dir/tls/cert.pem" >"$dir/tls/openssl.log" 2>&1); then
        log_tail "$dir/tls/openssl.log"
        die "could not create the test certificate"
    fi
    chmod 644 "$dir/tls/cert.pem"
}

start_postgres() {
    local dir=$1 port=$2 bindir
    bindir=$(pg_bindir) || die "PostgreSQL not found; run scripts/services.sh install"

    install -d -o postgres -g postgres -m 700 "$dir/pg"
    install -d -o postgres -g postgres -m 755 "$dir/pgsock"
    install -o postgres -g postgres -m 600 /dev/null "$dir/postgres.log"
    local pwfile="$dir/pgsock/.pw"
    printf 'resonanz\n' >"$pwfile"
    chown postgres:postgres "$pwfile"
    chmod 600 "$pwfile"

    # The bootstrap superuser is named `resonanz` directly, with password
    # `resonanz`: TCP connections need the password (scram), the unix socket
    # inside DIR is trusted (handy for psql -h DIR/pgsock).
    # Run from DIR: the postgres user may not be able to read root's cwd.
    if ! (cd "$dir" && runuser -u postgres -- "$bindir/initdb" \
        -D "$dir/pg" -U resonanz --pwfile="$pwfile" \
        --auth-local=trust --auth-host=scram-sha-256 \
        --encoding=UTF8 --locale=C.UTF-8 --no-sync \
        >>"$dir/postgres.log" 2>&1); then
        log_tail "$dir/postgres.log"
        die "initdb failed"
    fi
    rm -f "$pwfile"

    # Settings for a throwaway test cluster: loopback only, no durability,
    # many connections (every test creates its own pool).
    cat >>"$dir/pg/postgresql.conf" <<EOF

# --- added by scripts/services.sh (throwaway test cluster) ---
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir/pgsock'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 300
EOF

    if ! (cd "$dir" && runuser -u postgres -- "$bindir/pg_ctl" \
        -D "$dir/pg" -l "$dir/postgres.log" -w -t "$START_TIMEOUT" start \
        >/dev/null 2>&1); then
        log_tail "$dir/postgres.log"
        die "PostgreSQL failed to start (see $dir/postgres.log)"
    fi
    head -n 1 "$dir/pg/postmaster.pid" >"$dir/postgres.pid"

    # Check that the URL the tests get really works (TCP + password).
    local deadline=$((SECONDS + START_TIMEOUT))
    until PGPASSWORD=resonanz PGCONNECT_TIMEOUT=5 "$bindir/psql" -X -q -At \
        -h 127.0.0.1 -p "$port" -U resonanz -d postgres -c 'select 1' >/dev/null 2>&1; do
        if ((SECONDS >= deadline)); then
            log_tail "$dir/postgres.log"
            die "PostgreSQL does not accept connections on 127.0.0.1:$port"
        fi
        sleep 0.2
    done
}

start_dovecot() {
    local dir=$1 port=$2 imaps_port=$3 uid gid
    command -v dovecot >/dev/null 2>&1 || die "dovecot not found; run scripts/services.sh install"
    ensure_mail_os_user
    uid=$(id -u "$MAIL_OS_USER")
    gid=$(id -g "$MAIL_OS_USER")

    # dovecot/ must be traversable by Dovecot's unprivileged processes (auth
    # runs as `dovecot`, logins as `dovenull`, mail as $MAIL_OS_USER).
    install -d -m 755 "$dir/dovecot" "$dir/dovecot/state"
    install -d -o "$uid" -g "$gid" -m 700 "$dir/mail"
    : >"$dir/dovecot.log"


    # Version-specific config: this file uses Dovecot 2.3 syntax (Debian 12
    # ships 2.3.19). Dovecot 2.4 renamed many settings (mail_location,
    # passdb/userdb args, disable_plaintext_auth, ...) and needs
    # dovecot_config_version; fail clearly instead of starting half-configured.
    local version
    version=$(dovecot --version 2>/dev/null | awk '{print $1}')
    case "$version" in
        2.3.*) ;;
        *) die "Dovecot $version: scripts/services.sh only has a config for Dovecot 2.3" ;;
    esac

    cat >"$dir/dovecot/dovecot.conf" <<EOF
# Minimal Dovecot $version config for Resonanz's tests, written by
# scripts/services.sh. Standalone: nothing from /etc/dovecot is included.
protocols = imap
listen = 127.0.0.1
# Unique per DIR so several test instances can coexist.
instance_name = resonanz-test-$port
base_dir = $dir/dovecot/run
state_dir = $dir/dovecot/state
log_path = $dir/dovecot.log
info_log_path = $dir/dovecot.log
debug_log_path = $dir/dovecot.log

# TLS with the throw-away certificate from DIR/tls/: implicit TLS on the imaps
# listener, STARTTLS offered (not required) on the plaintext one. Plaintext
# logins stay allowed on the plaintext listener (loopback only).
ssl = yes
ssl_cert = <$dir/tls/cert.pem
ssl_key = <$dir/tls/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
# Tests try wrong passwords on purpose. Dovecot delays every failed login:
# by auth_failure_delay (default 2 s; 0 here, but failures are still flushed
# on a 0.5 s timer) and by anvil's per-IP "auth penalty", which grows to 15 s
# after repeated failures. The penalty is turned off below (service anvil
# gets no anvil-auth-penalty socket, so auth runs without it; it may log one
# "Error: net_connect_unix(anvil-auth-penalty) failed" line, which is
# expected). A wrong password therefore costs about 0.5 s.
auth_failure_delay = 0

# Any user name with the test password logs in and gets its own mailbox, so each test can use
# fresh addresses (support-<uuid>@resonanz.test) and parallel tests never share an INBOX.
passdb {
  driver = static
  args = password=$MAIL_PASSWORD
}
userdb {
  driver = static
  args = uid=$uid gid=$gid home=$dir/mail/%u
}
first_valid_uid = $uid
last_valid_uid = 0
first_valid_gid = $gid
last_valid_gid = 0

mail_location = maildir:~/Maildir
# Throwaway data: no fsync.
mail_fsync = never
# Tests open many concurrent connections for the same user (IDLE watchers,
# pools); the default of 10 per user and IP would refuse them.
mail_max_userip_connections = 1000
default_process_limit = 1000
default_client_limit = 4000

service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $imaps_port
    ssl = yes
  }
  # One login process serves many connections (faster than one per connection).
  service_count = 0
  process_min_avail = 1
}
# No anvil-auth-penalty socket: disables the auth penalty (see above).
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
EOF

    # Without -F, dovecot forks into the background once its listeners are set
    # up and writes base_dir/master.pid. Config errors make it exit non-zero.
    if ! dovecot -c "$dir/dovecot/dovecot.conf" </dev/null >>"$dir/dovecot.log" 2>&1; then
        log_tail "$dir/dovecot.log"
        die "Dovecot failed to start (see $dir/dovecot.log)"
    fi
    local deadline=$((SECONDS + START_TIMEOUT))
    until [[ -s "$dir/dovecot/run/master.pid" ]]; do
        ((SECONDS < deadline)) || die "Dovecot wrote no pid file"
        sleep 0.05
    done
    head -n 1 "$dir/dovecot/run/master.pid" >"$dir/dovecot.pid"
    wait_greeting Dovecot "$port" "* OK" "$(cat "$dir/dovecot.pid")" "$dir/dovecot.log"
    wait_greeting "Dovecot (imaps)" "$imaps_port" "* OK" "$(cat "$dir/dovecot.pid")" "$dir/dovecot.log" tls
}

start_smtp() {
    local dir=$1 port=$2 starttls_port=$3 smtps_port=$4 imap_port=$5 py u
    py=$(smtp_python) || die "no Python with aiosmtpd; run scripts/services.sh install"
    install -d -m 755 "$dir/smtp-out"
    : >"$dir/smtp.log"
    local args=(
        "$SCRIPT_DIR/smtp_relay.py"
        --port "$port"
        --starttls-port "$starttls_port"
        --smtps-port "$smtps_port"
        --tls-cert "$dir/tls/cert.pem"
        --tls-key "$dir/tls/key.pem"
        --imap-port "$imap_port"
        --imap-password "$MAIL_PASSWORD"
        --spool-dir "$dir/smtp-out"
        --log-file "$dir/smtp.log"
    )
    for u in "${MAIL_USERS[@]}"; do args+=(--imap-user "$u"); done
    # setsid: own session, so a Ctrl-C in the terminal that started us does not
    # reach it (stop it with `stop`). In a script, `cmd &` is never a process
    # group leader, so setsid execs in place and $! is the Python process.
    setsid "$py" "${args[@]}" </dev/null >>"$dir/smtp.log" 2>&1 &
    echo $! >"$dir/smtp.pid"
    local pid
    pid=$(cat "$dir/smtp.pid")
    wait_greeting "SMTP relay" "$port" "220 " "$pid" "$dir/smtp.log"
    wait_greeting "SMTP relay (starttls)" "$starttls_port" "220 " "$pid" "$dir/smtp.log"
    wait_greeting "SMTP relay (smtps)" "$smtps_port" "220 " "$pid" "$dir/smtp.log" tls
}

cmd_start() {
    local dir=${1:-}
    [[ -n "$dir" ]] || die "usage: $0 start DIR"
    [[ $EUID -eq 0 ]] || die "start needs root (PostgreSQL runs as user postgres, mail as $MAIL_OS_USER)"
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd -P)

    # Refuse to start twice into the same DIR.
    local name pidfile
    for name in postgres dovecot smtp; do
        pidfile="$dir/$name.pid"
        if [[ -f "$pidfile" ]] && pid_alive "$(cat "$pidfile")"; then
            die "$name is already running from $dir (pid $(cat "$pidfile")); run: $0 stop $dir"
        fi
    done
    # Start from scratch: remove whatever a previous run left in DIR.
    rm -rf "$dir/pg" "$dir/pgsock" "$dir/dovecot" "$dir/mail" "$dir/smtp-out" "$dir/tls" \
        "$dir/env" "$dir"/*.pid "$dir"/*.log

    # The service users must be able to reach DIR.
    chmod 755 "$dir"
    for name in postgres dovecot; do
        if id -u "$name" >/dev/null 2>&1 && ! runuser -u "$name" -- test -x "$dir"; then
            die "user $name cannot reach $dir (a parent directory is not world-executable); use a DIR under /tmp"
        fi
    done

    # If anything below fails, stop what was already started.
    # (The path is expanded now: the trap may run outside this function.)
    # shellcheck disable=SC2064
    trap "rc=\$?; if ((rc != 0)); then cmd_stop $(printf %q "$dir") || true; fi" EXIT

    local t0=$SECONDS ports pg_port imap_port imaps_port smtp_port starttls_port smtps_port
    ports=$(free_ports 6)
    read -r pg_port imap_port imaps_port smtp_port starttls_port smtps_port <<<"$ports"
    [[ -n "$smtps_port" ]] || die "could not find free ports"

    make_certificate "$dir"
    start_postgres "$dir" "$pg_port"
    start_dovecot "$dir" "$imap_port" "$imaps_port"
    start_smtp "$dir" "$smtp_port" "$starttls_port" "$smtps_port" "$imap_port"

    {
        printf 'export RESONANZ_TEST_PG_URL=%q\n' "postgres://resonanz:resonanz@127.0.0.1:$pg_port/postgres"
        printf 'export RESONANZ_TEST_IMAP=%q\n' "127.0.0.1:$imap_port"
        printf 'export RESONANZ_TEST_IMAPS=%q\n' "127.0.0.1:$imaps_port"
        printf 'export RESONANZ_TEST_SMTP=%q\n' "127.0.0.1:$smtp_port"
        printf 'export RESONANZ_TEST_SMTP_STARTTLS=%q\n' "127.0.0.1:$starttls_port"
        printf 'export RESONANZ_TEST_SMTPS=%q\n' "127.0.0.1:$smtps_port"
        printf 'export RESONANZ_TEST_SERVICES_DIR=%q\n' "$dir"
    } >"$dir/env.tmp"
    mv "$dir/env.tmp" "$dir/env"
    trap - EXIT
    log "up in $((SECONDS - t0))s: postgres 127.0.0.1:$pg_port, imap 127.0.0.1:$imap_port," \
        "imaps 127.0.0.1:$imaps_port, smtp 127.0.0.1:$smtp_port, smtp+starttls 127.0.0.1:$starttls_port," \
        "smtps 127.0.0.1:$smtps_port (source $dir/env)"
}

# ---------------------------------------------------------------------------
# stop
# ---------------------------------------------------------------------------

# Send SIGTERM to the process in $pidfile if it is still the expected program,
# wait up to 15 s, then SIGKILL. Removes the pid file.
stop_pidfile() {
    local name=$1 pidfile=$2 want=$3 pid i
    [[ -f "$pidfile" ]] || return 0
    pid=$(head -n 1 "$pidfile" 2>/dev/null || true)
    if pid_matches "$pid" "$want"; then
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < 150; i++)); do
            pid_alive "$pid" || break
            sleep 0.1
        done
        if pid_alive "$pid"; then
            log "$name (pid $pid) did not stop; killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    rm -f "$pidfile"
}

cmd_stop() {
    local dir=${1:-}
    [[ -n "$dir" ]] || die "usage: $0 stop DIR"
    [[ -d "$dir" ]] || return 0
    dir=$(cd "$dir" && pwd -P)

    # SMTP relay first (it delivers into Dovecot).
    stop_pidfile "SMTP relay" "$dir/smtp.pid" smtp_relay.py

    # Dovecot: the master stops its children when it gets SIGTERM. If start
    # failed before dovecot.pid was written, use Dovecot's own pid file.
    if [[ ! -f "$dir/dovecot.pid" && -s "$dir/dovecot/run/master.pid" ]]; then
        cp "$dir/dovecot/run/master.pid" "$dir/dovecot.pid"
    fi
    stop_pidfile Dovecot "$dir/dovecot.pid" dovecot

    # PostgreSQL: pg_ctl stop -m fast as long as the cluster has a postmaster.pid.
    local bindir
    if [[ -f "$dir/pg/postmaster.pid" ]] && bindir=$(pg_bindir); then
        (cd "$dir" && runuser -u postgres -- "$bindir/pg_ctl" -D "$dir/pg" \
            -m fast -w -t 30 stop >/dev/null 2>&1) || true
    fi
    # If pg_ctl could not stop it, fall back to the pid.
    stop_pidfile PostgreSQL "$dir/postgres.pid" postgres

    # The addresses are no longer valid; logs and data stay for inspection.
    rm -f "$dir/env"
}

# ---------------------------------------------------------------------------

main() {
    local cmd=${1:-}
    shift || true
    case "$cmd" in
        install) cmd_install "$@" ;;
        start) cmd_start "$@" ;;
        stop) cmd_stop "$@" ;;
        *)
            echo "usage: $0 install | start DIR | stop DIR" >&2
            exit 2
            ;;
    esac
}

main "$@"
