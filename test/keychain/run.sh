#!/usr/bin/env bash
# The OS-keychain tests, against a real Secret Service: gnome-keyring in a private D-Bus session,
# unlocked, with a throwaway HOME (so no real keyring is touched and nothing outlives the run).
#   bash test/keychain/run.sh          (npm run test:keychain)
# Skips, saying why, where there is no dbus-run-session / gnome-keyring-daemon (macOS, Windows).
set -euo pipefail
cd "$(dirname "$0")/../.."

for tool in dbus-run-session gnome-keyring-daemon dbus-send secret-tool; do
  if ! command -v "$tool" >/dev/null; then
    echo "keychain tests skipped: $tool is not installed (Debian: dbus, gnome-keyring, libsecret-tools)"
    exit 0
  fi
done

home=$(mktemp -d /tmp/flotilla-keychain-home.XXXXXX)
trap 'rm -rf "$home"' EXIT
export HOME="$home" XDG_DATA_HOME="$home/.local/share" XDG_CONFIG_HOME="$home/.config" XDG_CACHE_HOME="$home/.cache"
unset DBUS_SESSION_BUS_ADDRESS FLOTILLA_VAULT_PASSPHRASE

# Inside the session: start the keyring unlocked with a throwaway password, wait until it owns
# org.freedesktop.secrets on the bus, then run only the keychain test files.
dbus-run-session -- bash -c '
  set -euo pipefail
  eval "$(head -c 24 /dev/urandom | base64 | gnome-keyring-daemon --unlock --components=secrets)"
  export GNOME_KEYRING_CONTROL
  for _ in $(seq 50); do
    if dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets | grep -q "boolean true"; then
      break
    fi
    sleep 0.1
  done
  exec npx vitest run --config test/keychain/vitest.config.ts "$@"
' keychain-tests "$@" 2> >(grep -v "Failed to set fd limit" >&2)
