#!/usr/bin/env bash
# FLOTILLA SIMULATOR: starts the lab's upstream HTTPS host (see README.md here). Called by lab.sh
# (in the host's namespaces, as root) when the first sim node is added, or by `lab.sh upstream`.
#
#   start.sh UPDIR ADDRESS NAMESPACE [restart]
#
# UPDIR ($STATE/upstream) receives: ca.crt/ca.key (the lab CA), server.crt/key, gnupg/ (the lab's
# signing key), www/ (generated sites), etc-hosts (the line sim nodes add to /etc/hosts),
# requests.log, server.log, sites.d.log, server.pid. The server runs in NAMESPACE on ADDRESS:443.
set -euo pipefail

UPDIR=$1
ADDR=$2
NS=$3
MODE=${4:-start}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SIM=$(cd "$HERE/.." && pwd)
REPO=$(cd "$SIM/../../.." && pwd)

say() { printf 'upstream: %s\n' "$*" >&2; }

# What the generators and the nodes' package tools need on this machine, by Debian package.
missing=""
for entry in apt-ftparchive:apt-utils gpg:gnupg gpgv:gpgv dpkg-deb:dpkg update-ca-certificates:ca-certificates \
  curl:curl openssl:openssl node:nodejs; do
  command -v "${entry%%:*}" >/dev/null 2>&1 || [ -x "/usr/sbin/${entry%%:*}" ] || missing+=" ${entry#*:}"
done
if [ -n "$missing" ]; then
  say "missing packages:$missing (apt-get install -y --no-install-recommends ...)"
  exit 1
fi

running() {
  local pid
  [ -f "$UPDIR/server.pid" ] && read -r pid <"$UPDIR/server.pid" && kill -0 "$pid" 2>/dev/null
}

if running; then
  [ "$MODE" = restart ] || exit 0
  kill "$(cat "$UPDIR/server.pid")" 2>/dev/null || true
  for _ in $(seq 1 50); do running || break; sleep 0.1; done
fi

mkdir -p "$UPDIR"
chmod 755 "$UPDIR"
mapfile -t NAMES < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$HERE/hosts" | grep .)

# The lab CA and the server's certificate: every name of ./hosts and the address as SANs.
if [ ! -f "$UPDIR/ca.key" ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
    -subj "/O=Flotilla lab/CN=Flotilla lab upstream CA (SIMULATOR) $(basename "$(dirname "$UPDIR")")" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    -keyout "$UPDIR/ca.key" -out "$UPDIR/ca.crt" 2>/dev/null
fi
sans="IP:$ADDR"
for n in "${NAMES[@]}"; do sans+=",DNS:$n"; done
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=${NAMES[0]}" \
  -keyout "$UPDIR/server.key" -out "$UPDIR/server.csr" 2>/dev/null
openssl x509 -req -in "$UPDIR/server.csr" -CA "$UPDIR/ca.crt" -CAkey "$UPDIR/ca.key" -CAcreateserial \
  -days 825 -extfile <(printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' "$sans") \
  -out "$UPDIR/server.crt" 2>/dev/null
rm -f "$UPDIR/server.csr"
printf '%s %s\n' "$ADDR" "${NAMES[*]}" >"$UPDIR/etc-hosts"

# The lab's package-signing key (one per lab, thrown away with it).
export GNUPGHOME="$UPDIR/gnupg"
if [ ! -d "$GNUPGHOME" ]; then
  install -d -m 700 "$GNUPGHOME"
  gpg --batch --quiet --pinentry-mode loopback --passphrase '' \
    --quick-gen-key "Flotilla lab upstream (SIMULATOR) <upstream@flotilla.lab>" ed25519 sign never 2>/dev/null
fi
UPSTREAM_KEY_ID=$(gpg --batch --quiet --with-colons --list-secret-keys 2>/dev/null | awk -F: '/^fpr:/ {print $10; exit}')

# Generated sites, in name order.
export UPSTREAM_REPO=$REPO UPSTREAM_SIM=$SIM UPSTREAM_STATE=$UPDIR UPSTREAM_KEY_ID
rm -rf "$UPDIR/www" "$UPDIR/tmp"
mkdir -p "$UPDIR/www" "$UPDIR/tmp"
: >"$UPDIR/sites.d.log"
for script in "$HERE"/sites.d/*.sh; do
  [ -x "$script" ] || continue
  if ! (cd "$REPO" && "$script" "$UPDIR/www") >>"$UPDIR/sites.d.log" 2>&1; then
    say "generator $(basename "$script") failed:"
    tail -n 20 "$UPDIR/sites.d.log" >&2
    exit 1
  fi
done
rm -rf "$UPDIR/tmp"
chmod -R a+rX "$UPDIR/www"

touch "$UPDIR/requests.log"
: >"$UPDIR/server.log"
(
  # Nothing but stdio goes along: lab.sh's lock file descriptor must not outlive lab.sh.
  for fd in "/proc/$BASHPID/fd/"*; do
    fd=${fd##*/}
    [ "$fd" -le 2 ] || eval "exec $fd>&-" 2>/dev/null || true
  done
  exec ip netns exec "$NS" setsid "$(command -v node)" "$HERE/server.mjs" --address "$ADDR" \
    --cert "$UPDIR/server.crt" --key "$UPDIR/server.key" --static "$HERE/sites" --generated "$UPDIR/www" \
    --hosts "$HERE/hosts" --log "$UPDIR/requests.log" </dev/null >>"$UPDIR/server.log" 2>&1
) &
echo $! >"$UPDIR/server.pid"
for _ in $(seq 1 100); do
  grep -q 'listening' "$UPDIR/server.log" 2>/dev/null && exit 0
  running || break
  sleep 0.1
done
say "the server did not start:"
cat "$UPDIR/server.log" >&2
exit 1
