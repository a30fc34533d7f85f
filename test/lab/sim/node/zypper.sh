#!/usr/bin/env bash
# FLOTILLA SIMULATOR STAND-IN for zypper (openSUSE MicroOS) -- not the real tool. It talks to real
# HTTPS repositories (the lab's upstream: curl, with the lab CA) in the rpm-md layout
# (repodata/repomd.xml signed with a detached repomd.xml.asc, key in repomd.xml.key), checks
# signatures with gpg against the keys zypper trusts, and checksums; it installs the simulator's
# packages, whose payload is a gzip'd tar, not an rpm (no rpm tools on this machine).
#
#   zypper [-n|--non-interactive] [--gpg-auto-import-keys] [-q] [-R|--root DIR] COMMAND ...
#   addrepo|ar [-f|--refresh] [-G|--no-gpgcheck] [-p N] [-n NAME] URL ALIAS
#   removerepo|rr ALIAS          repos|lr          refresh|ref [ALIAS]
#   install|in [-y|--no-confirm] [--no-recommends] PACKAGE[=VERSION[-RELEASE]]...   search|se NAME
#
# Like zypper on MicroOS: with a read-only /usr and no --root, `install` is refused ("This is a
# transactional-server, please use transactional-update ..."); transactional-update runs it with
# --root <new snapshot> (or FLOTILLA_TU_ROOT for `transactional-update run`). Repositories live in
# /etc/zypp/repos.d/*.repo (also ones written by hand); trusted keys in /var/lib/zypp/trusted.gpg;
# metadata in /var/cache/zypp/raw/ALIAS; installed packages in
# <root>/usr/lib/sysimage/flotilla-sim-rpm/installed ("name version-release arch" lines).
set -uo pipefail

REPOS=/etc/zypp/repos.d
CACHE=/var/cache/zypp/raw
KEYRING=/var/lib/zypp/trusted.gpg
ROOT=${FLOTILLA_TU_ROOT:-/}
NONINTERACTIVE=no
AUTO_IMPORT=no
QUIET=no
ARCH=$(uname -m)

# Exit codes of zypper(8).
readonly EXIT_ERR_BUG=1 EXIT_ERR_SYNTAX=2 EXIT_ERR_INVALID_ARGS=3 EXIT_ERR_ZYPP=4 EXIT_ERR_PRIVILEGES=5
readonly EXIT_ERR_COMMIT=8 EXIT_INF_CAP_NOT_FOUND=104

say() { [ "$QUIET" = yes ] || printf '%s\n' "$*"; }
die() { # CODE MESSAGE
  printf '%s\n' "$2" >&2
  exit "$1"
}
not_simulated() { die "$EXIT_ERR_BUG" "flotilla-sim: zypper $* is not simulated"; }

while [ "$#" -gt 0 ]; do
  case $1 in
    -n | --non-interactive) NONINTERACTIVE=yes ;;
    --gpg-auto-import-keys) AUTO_IMPORT=yes ;;
    -q | --quiet) QUIET=yes ;;
    -R | --root)
      ROOT=${2:?}
      shift
      ;;
    --root=*) ROOT=${1#--root=} ;;
    --no-gpg-checks | --gpg-auto-import-keys=* | -D | --reposd-dir | -C | --cache-dir) not_simulated "$1" ;;
    -*) die "$EXIT_ERR_SYNTAX" "Unknown option '$1'" ;;
    *) break ;;
  esac
  shift
done
[ "$#" -gt 0 ] || die "$EXIT_ERR_SYNTAX" "  Usage:
	zypper [--global-options] <command> [--command-options] [arguments]"
CMD=$1
shift
DB=$ROOT/usr/lib/sysimage/flotilla-sim-rpm/installed
[ -t 0 ] || NONINTERACTIVE=yes # no terminal: prompts take their default answer
export NONINTERACTIVE

need_root() {
  [ "$(id -u)" = 0 ] || die "$EXIT_ERR_PRIVILEGES" "Root privileges are required to run this command."
}

# repo_get ALIAS KEY -- a value from the [ALIAS] section of any .repo file
repo_get() {
  awk -v s="[$1]" -v k="$2" '
    /^\[/ { insec = ($0 == s) }
    insec && index($0, k "=") == 1 { print substr($0, length(k) + 2); exit }
  ' "$REPOS"/*.repo 2>/dev/null
}
repo_aliases() { sed -n 's/^\[\(.*\)\]$/\1/p' "$REPOS"/*.repo 2>/dev/null; }
baseurl() {
  local u
  u=$(repo_get "$1" baseurl)
  u=${u//\$basearch/$ARCH}
  printf '%s' "${u%/}"
}

fetch() { # URL FILE
  curl -fsSL --retry 0 -o "$2" "$1" 2>/dev/null
}

# key_info FILE -- fingerprint and user id of an armored key
key_fpr() { gpg --batch --with-colons --import-options show-only --import "$1" 2>/dev/null | awk -F: '/^fpr:/ {print $10; exit}'; }
key_uid() { gpg --batch --with-colons --import-options show-only --import "$1" 2>/dev/null | awk -F: '/^uid:/ {print $10; exit}'; }

trusted() { # FILE SIGNATURE
  [ -f "$KEYRING" ] && gpgv --keyring "$KEYRING" "$2" "$1" >/dev/null 2>&1
}

refresh_one() { # ALIAS
  local alias=$1 url dir tmp
  url=$(baseurl "$alias")
  dir=$CACHE/$alias
  tmp=$(mktemp -d)
  printf "Retrieving repository '%s' metadata " "$alias"
  if ! fetch "$url/repodata/repomd.xml" "$tmp/repomd.xml"; then
    echo "[error]"
    echo "Repository '$alias' is invalid."
    echo "[$alias|$url] Valid metadata not found at specified URL"
    rm -rf "$tmp"
    return 1
  fi
  if [ "$(repo_get "$alias" gpgcheck)" != 0 ]; then
    if ! fetch "$url/repodata/repomd.xml.asc" "$tmp/repomd.xml.asc"; then
      echo "[error]"
      echo "File 'repomd.xml' from repository '$alias' is unsigned."
      rm -rf "$tmp"
      return 1
    fi
    if ! trusted "$tmp/repomd.xml" "$tmp/repomd.xml.asc"; then
      local keyurl
      keyurl=$(repo_get "$alias" gpgkey)
      [ -n "$keyurl" ] || keyurl=$url/repodata/repomd.xml.key
      if fetch "$keyurl" "$tmp/key" && [ -n "$(key_fpr "$tmp/key")" ]; then
        local fpr
        fpr=$(key_fpr "$tmp/key")
        echo
        if [ "$AUTO_IMPORT" = yes ]; then
          printf '\nAutomatically importing the following key:\n\n'
        else
          printf '\nNew repository or package signing key received:\n\n'
        fi
        printf '  Repository:       %s\n  Key Fingerprint:  %s\n  Key Name:         %s\n  Rpm Name:         gpg-pubkey-%s\n\n' \
          "$alias" "$(sed 's/.\{4\}/& /g' <<<"$fpr" | sed 's/ $//')" "$(key_uid "$tmp/key")" "$(tr 'A-F' 'a-f' <<<"${fpr: -8}")"
        if [ "$AUTO_IMPORT" = yes ]; then
          mkdir -p "$(dirname "$KEYRING")"
          gpg --batch --dearmor <"$tmp/key" >>"$KEYRING"
        else
          echo "Do you want to reject the key, trust temporarily, or trust always? [r/t/a/?] (r): r"
        fi
      fi
      if ! trusted "$tmp/repomd.xml" "$tmp/repomd.xml.asc"; then
        printf "Signature verification failed for file 'repomd.xml' from repository '%s'.\n" "$alias"
        echo "Abort, retry, ignore? [a/r/i] (a): a"
        echo "Repository '$alias' is invalid."
        echo "[$alias|$url] Valid metadata not found at specified URL"
        rm -rf "$tmp"
        return 1
      fi
      printf "Retrieving repository '%s' metadata " "$alias"
    fi
  fi
  # primary.xml.gz, checked against the (signed) repomd.xml
  local href sum
  href=$(sed -n '/<data type="primary">/,/<\/data>/s/.*<location href="\([^"]*\)".*/\1/p' "$tmp/repomd.xml")
  sum=$(sed -n '/<data type="primary">/,/<\/data>/s/.*<checksum type="sha256">\([0-9a-f]*\)<.*/\1/p' "$tmp/repomd.xml")
  if [ -z "$href" ] || ! fetch "$url/$href" "$tmp/primary.xml.gz" ||
    [ "$(sha256sum "$tmp/primary.xml.gz" | cut -d' ' -f1)" != "$sum" ]; then
    echo "[error]"
    echo "Digest verification failed for file '$href' [$alias]"
    echo "Repository '$alias' is invalid."
    rm -rf "$tmp"
    return 1
  fi
  echo "....................................................[done]"
  rm -rf "$dir"
  mkdir -p "$dir"
  gzip -dc "$tmp/primary.xml.gz" >"$dir/primary.xml"
  cp "$tmp/repomd.xml" "$dir/repomd.xml"
  printf '%s\n' "$url" >"$dir/url"
  rm -rf "$tmp"
  echo "Building repository '$alias' cache ....................................[done]"
}

cmd_refresh() {
  need_root
  local aliases rc=0 a
  if [ "$#" -gt 0 ]; then aliases="$*"; else aliases=$(repo_aliases); fi
  for a in $aliases; do
    [ -n "$(repo_get "$a" baseurl)" ] || die "$EXIT_ERR_INVALID_ARGS" "Repository '$a' not found by its alias, number, or URI."
    [ "$(repo_get "$a" enabled)" != 0 ] || continue
    refresh_one "$a" || rc=$EXIT_ERR_ZYPP
  done
  if [ "$rc" != 0 ]; then
    echo "Some of the repositories have not been refreshed because of an error." >&2
    return "$rc"
  fi
  echo "All repositories have been refreshed."
}

cmd_addrepo() {
  need_root
  local refresh=0 gpgcheck=1 priority=99 name="" args=()
  while [ "$#" -gt 0 ]; do
    case $1 in
      -f | --refresh) refresh=1 ;;
      -G | --no-gpgcheck) gpgcheck=0 ;;
      -p | --priority)
        priority=$2
        shift
        ;;
      -n | --name)
        name=$2
        shift
        ;;
      -*) not_simulated "addrepo $1" ;;
      *) args+=("$1") ;;
    esac
    shift
  done
  [ "${#args[@]}" = 2 ] || not_simulated "addrepo with ${#args[@]} arguments (simulated: addrepo URL ALIAS)"
  local url=${args[0]} alias=${args[1]}
  [[ $url == https://* ]] || not_simulated "addrepo of '$url' (https:// URLs only)"
  if [ -n "$(repo_get "$alias" baseurl)" ]; then
    die "$EXIT_ERR_ZYPP" "Repository named '$alias' already exists. Please use another alias."
  fi
  mkdir -p "$REPOS"
  printf '[%s]\nname=%s\nenabled=1\nautorefresh=%s\nbaseurl=%s\ntype=rpm-md\npriority=%s\ngpgcheck=%s\n' \
    "$alias" "${name:-$alias}" "$refresh" "$url" "$priority" "$gpgcheck" >"$REPOS/$alias.repo"
  echo "Adding repository '${name:-$alias}' ...................................[done]"
  echo "Repository '${name:-$alias}' successfully added"
  echo
  printf 'URI         : %s\nEnabled     : Yes\nGPG Check   : %s\nAutorefresh : %s\nPriority    : %s\n' \
    "$url" "$([ "$gpgcheck" = 1 ] && echo Yes || echo ' No')" "$([ "$refresh" = 1 ] && echo Yes || echo No)" \
    "$priority$([ "$priority" = 99 ] && echo ' (default priority)')"
}

cmd_removerepo() {
  need_root
  local a f
  for a in "$@"; do
    f=$(grep -l "^\[$a\]$" "$REPOS"/*.repo 2>/dev/null | head -n1)
    [ -n "$f" ] || die "$EXIT_ERR_INVALID_ARGS" "Repository '$a' not found by its alias, number, or URI."
    rm -f "$f"
    rm -rf "${CACHE:?}/$a"
    echo "Repository '$a' has been removed."
  done
}

cmd_repos() {
  local n=0 a
  printf '# | Alias | Name | Enabled | GPG Check | Refresh\n--+-------+------+---------+-----------+--------\n'
  for a in $(repo_aliases); do
    n=$((n + 1))
    printf '%d | %s | %s | %s | %s | %s\n' "$n" "$a" "$(repo_get "$a" name)" \
      "$([ "$(repo_get "$a" enabled)" != 0 ] && echo Yes || echo No)" \
      "$([ "$(repo_get "$a" gpgcheck)" != 0 ] && echo '(r ) Yes' || echo '    No')" \
      "$([ "$(repo_get "$a" autorefresh)" = 1 ] && echo Yes || echo No)"
  done
}

# pkg_line NAME -> "alias<TAB>version<TAB>release<TAB>sha256<TAB>href<TAB>requires" of the first
# repository that has NAME for this architecture (or noarch).
pkg_line() {
  local a f
  for a in $(repo_aliases); do
    f=$CACHE/$a/primary.xml
    [ -f "$f" ] || continue
    awk -v n="$1" -v arch="$ARCH" -v alias="$a" '
      function attr(s, name,   m) { if (match(s, name "=\"[^\"]*\"")) { m = substr(s, RSTART, RLENGTH); sub(/^[^"]*"/, "", m); sub(/"$/, "", m); return m } return "" }
      index($0, "<name>" n "</name>") && (index($0, "<arch>" arch "</arch>") || index($0, "<arch>noarch</arch>")) {
        match($0, /<version [^>]*>/); v = substr($0, RSTART, RLENGTH)
        match($0, /<checksum [^>]*>[0-9a-f]*</); c = substr($0, RSTART, RLENGTH); sub(/.*>/, "", c); sub(/<$/, "", c)
        match($0, /<location [^>]*>/); l = substr($0, RSTART, RLENGTH)
        req = ""; s = ""
        if (match($0, /<rpm:requires>.*<\/rpm:requires>/)) s = substr($0, RSTART, RLENGTH)
        while (match(s, /<rpm:entry [^>]*>/)) { e = substr(s, RSTART, RLENGTH); req = req attr(e, "name") " "; s = substr(s, RSTART + RLENGTH) }
        printf "%s\t%s\t%s\t%s\t%s\t%s\n", alias, attr(v, "ver"), attr(v, "rel"), c, attr(l, "href"), req
        exit
      }' "$f"
    return 0
  done
}

installed() { grep -q "^$1 " "$DB" 2>/dev/null; }

# provider CAPABILITY -> the name of the package that is CAPABILITY or Provides it: an installed
# one first (its capabilities are recorded in $DB.provides), else the first repository's.
provider() {
  local a f p
  if installed "$1"; then
    printf '%s' "$1"
    return 0
  fi
  p=$(awk -v c="$1" '$2 == c { print $1; exit }' "$DB.provides" 2>/dev/null)
  if [ -n "$p" ]; then
    printf '%s' "$p"
    return 0
  fi
  for a in $(repo_aliases); do
    f=$CACHE/$a/primary.xml
    [ -f "$f" ] || continue
    p=$(awk -v c="$1" -v arch="$ARCH" '
      (index($0, "<arch>" arch "</arch>") || index($0, "<arch>noarch</arch>")) &&
      (index($0, "<name>" c "</name>") || (match($0, /<rpm:provides>.*<\/rpm:provides>/) && index(substr($0, RSTART, RLENGTH), "<rpm:entry name=\"" c "\""))) {
        match($0, /<name>[^<]*<\/name>/); n = substr($0, RSTART + 6, RLENGTH - 13); print n; exit
      }' "$f")
    if [ -n "$p" ]; then
      printf '%s' "$p"
      return 0
    fi
  done
  printf '%s' "$1"
}

# provides_of NAME -> the capabilities NAME Provides (besides its name), from its repository.
provides_of() {
  local a f
  for a in $(repo_aliases); do
    f=$CACHE/$a/primary.xml
    [ -f "$f" ] || continue
    awk -v n="$1" -v arch="$ARCH" '
      index($0, "<name>" n "</name>") && (index($0, "<arch>" arch "</arch>") || index($0, "<arch>noarch</arch>")) {
        if (match($0, /<rpm:provides>.*<\/rpm:provides>/)) {
          s = substr($0, RSTART, RLENGTH)
          while (match(s, /name="[^"]*"/)) { print substr(s, RSTART + 6, RLENGTH - 7); s = substr(s, RSTART + RLENGTH) }
        }
        exit
      }' "$f"
    return 0
  done
}

# edition_matches VERSION-RELEASE WANTED: WANTED is a version (any release) or version-release.
edition_matches() { [ "$1" = "$2" ] || [ "${1%-*}" = "$2" ]; }

cmd_install() {
  need_root
  local pkgs=() a
  # NAME=VERSION pins: zypper's capability `NAME = VERSION` matches any release of VERSION.
  declare -A wanted=()
  for a in "$@"; do
    case $a in
      -y | --no-confirm) ;;
      --no-recommends | -l | --auto-agree-with-licenses) ;;
      -*) not_simulated "install $a" ;;
      *'<'* | *'>'* | *'!'*) not_simulated "install $a (only NAME and NAME=VERSION[-RELEASE] capabilities)" ;;
      *=*)
        pkgs+=("${a%%=*}")
        wanted[${a%%=*}]=${a#*=}
        ;;
      *) pkgs+=("$a") ;;
    esac
  done
  [ "${#pkgs[@]}" -gt 0 ] || die "$EXIT_ERR_INVALID_ARGS" "Too few arguments."
  if [ "$ROOT" = / ] && ! [ -w /usr ]; then
    if [ -x /usr/sbin/transactional-update ]; then
      die "$EXIT_ERR_PRIVILEGES" "This is a transactional-server, please use transactional-update to update or modify the system."
    fi
    die "$EXIT_ERR_PRIVILEGES" "The target filesystem is mounted as read-only. Please make sure the target filesystem is writeable."
  fi
  # Repositories without metadata are refreshed first, as zypper does.
  local alias
  for alias in $(repo_aliases); do
    [ "$(repo_get "$alias" enabled)" != 0 ] || continue
    [ -f "$CACHE/$alias/primary.xml" ] || refresh_one "$alias" || die "$EXIT_ERR_ZYPP" "Some of the repositories have not been refreshed because of an error."
  done
  say "Loading repository data..."
  say "Reading installed packages..."
  # Resolve: the requested packages and what they require, from the repositories.
  local todo=() chosen=() line p req
  todo=("${pkgs[@]}")
  declare -A seen=()
  while [ "${#todo[@]}" -gt 0 ]; do
    p=${todo[0]}
    todo=("${todo[@]:1}")
    # A requirement may be a capability another package Provides (cri-o Provides cri-runtime).
    [ -n "${wanted[$p]:-}" ] || p=$(provider "$p")
    [ -z "${seen[$p]:-}" ] || continue
    seen[$p]=1
    if installed "$p"; then
      if [ -n "${wanted[$p]:-}" ] && ! edition_matches "$(grep "^$p " "$DB" | head -n1 | cut -d' ' -f2)" "${wanted[$p]}"; then
        line=$(pkg_line "$p")
        if [ -z "$line" ] || ! edition_matches "$(cut -f2 <<<"$line")-$(cut -f3 <<<"$line")" "${wanted[$p]}"; then
          die "$EXIT_INF_CAP_NOT_FOUND" "No provider of '$p = ${wanted[$p]}' found."
        fi
        not_simulated "install $p=${wanted[$p]} over another installed version (an update)"
      fi
      for a in "${pkgs[@]}"; do [ "$a" != "$p" ] || say "'$p' is already installed."; done
      continue
    fi
    line=$(pkg_line "$p")
    if [ -n "$line" ] && [ -n "${wanted[$p]:-}" ] && ! edition_matches "$(cut -f2 <<<"$line")-$(cut -f3 <<<"$line")" "${wanted[$p]}"; then
      die "$EXIT_INF_CAP_NOT_FOUND" "No provider of '$p = ${wanted[$p]}' found."
    fi
    if [ -z "$line" ]; then
      for a in "${pkgs[@]}"; do
        [ "$a" != "$p" ] || die "$EXIT_INF_CAP_NOT_FOUND" "Package '$p' not found."
      done
      die "$EXIT_ERR_ZYPP" "Problem: nothing provides '$p' needed by the to be installed packages"
    fi
    chosen+=("$p")
    req=$(cut -f6 <<<"$line")
    for a in $req; do todo+=("$a"); done
  done
  say "Resolving package dependencies..."
  if [ "${#chosen[@]}" = 0 ]; then
    say "Nothing to do."
    return 0
  fi
  say ""
  say "The following ${#chosen[@]} NEW package$([ "${#chosen[@]}" = 1 ] || echo s) $([ "${#chosen[@]}" = 1 ] && echo is || echo are) going to be installed:"
  say "  $(printf '%s\n' "${chosen[@]}" | sort | tr '\n' ' ' | sed 's/ $//')"
  say ""
  say "${#chosen[@]} new package$([ "${#chosen[@]}" = 1 ] || echo s) to install."
  say "Continue? [y/n/v/...? shows all options] (y): y"
  local tmp n=0 al ver rel sum href url file
  tmp=$(mktemp -d)
  for p in "${chosen[@]}"; do
    n=$((n + 1))
    IFS=$'\t' read -r al ver rel sum href _ <<<"$(pkg_line "$p")"
    url=$(cat "$CACHE/$al/url")
    file=$tmp/${href##*/}
    say "Retrieving: $p-$ver-$rel.$ARCH ($al) ($n/${#chosen[@]})"
    if ! fetch "$url/$href" "$file"; then
      rm -rf "$tmp"
      die "$EXIT_ERR_COMMIT" "File '$href' not found on medium '$url/'"
    fi
    if [ "$(sha256sum "$file" | cut -d' ' -f1)" != "$sum" ]; then
      rm -rf "$tmp"
      die "$EXIT_ERR_COMMIT" "Digest verification failed for file '${href##*/}'
[$al|$url] Package ${href##*/} is corrupted."
    fi
  done
  say ""
  say "Checking for file conflicts: ...................................................[done]"
  n=0
  mkdir -p "$(dirname "$DB")"
  for p in "${chosen[@]}"; do
    n=$((n + 1))
    IFS=$'\t' read -r al ver rel sum href _ <<<"$(pkg_line "$p")"
    say "($n/${#chosen[@]}) Installing: $p-$ver-$rel.$ARCH ..........................................[done]"
    tar -C "$ROOT" --no-same-owner -xzf "$tmp/${href##*/}" || die "$EXIT_ERR_COMMIT" "Installation of $p-$ver-$rel.$ARCH failed"
    printf '%s %s-%s %s\n' "$p" "$ver" "$rel" "$ARCH" >>"$DB"
    provides_of "$p" | while read -r c; do printf '%s %s\n' "$p" "$c"; done >>"$DB.provides"
  done
  rm -rf "$tmp"
}

cmd_search() {
  local a
  printf 'S | Name | Summary | Type\n--+------+---------+--------\n'
  for a in $(repo_aliases); do
    [ -f "$CACHE/$a/primary.xml" ] || continue
    grep -o "<name>[^<]*$1[^<]*</name>" "$CACHE/$a/primary.xml" | sed 's/<[^>]*>//g' | sort -u | while read -r p; do
      printf '%s | %s | | package\n' "$(installed "$p" && echo i || echo ' ')" "$p"
    done
  done
}

case $CMD in
  addrepo | ar) cmd_addrepo "$@" ;;
  removerepo | rr) cmd_removerepo "$@" ;;
  repos | lr) cmd_repos ;;
  refresh | ref) cmd_refresh "$@" ;;
  install | in) cmd_install "$@" ;;
  search | se) cmd_search "$@" ;;
  *) not_simulated "$CMD" ;;
esac
