#!/usr/bin/env bash
# FLOTILLA SIMULATOR: builds the lab's package repositories from the simulator's stand-ins -- not
# the real packages. Run by ../start.sh as `20-packages.sh OUTDIR` (contract: ../README.md).
#
#   https://pkgs.k8s.io/core:/stable:/v1.32/deb/   flat apt repository ("/" suite), as upstream:
#       Release, InRelease, Release.gpg (signed with the lab key), Release.key (armored key),
#       Packages(.gz), {amd64,arm64}/*.deb: kubeadm kubelet kubectl cri-tools kubernetes-cni
#   https://pkgs.k8s.io/core:/stable:/v1.32/rpm/   rpm-md repository: repodata/repomd.xml (+ .asc
#       signature, .key), primary.xml.gz, x86_64/ and aarch64/ packages. The payload is NOT an rpm
#       (no rpm tools here): a gzip'd tar of the package's files, read by the zypper stand-in.
#   https://download.opensuse.org/tumbleweed/repo/oss/   openSUSE's rpm-md repository (its own
#       key): kubernetes1.32-kubeadm/-kubelet/-client, cri-o, cri-o-kubeadm-criconfig, cri-tools
#   https://download.docker.com/linux/{debian,ubuntu}/   Docker's apt repository (dists/<codename>
#       /stable, pool/stable), signed with the lab key served at .../gpg: containerd.io, the
#       containerd the kubeadm guides install from Docker's repository (config.toml with CRI
#       disabled, as Docker ships it).
# The package contents are thin wrappers that run the stand-ins in /usr/lib/flotilla-sim (copied
# into every sim node at boot), unit files from ../../units, and stubs for the tools a package
# carries that the simulator does not run (crictl, ctr, runc, CNI plugins).
set -euo pipefail

OUT=$1
SIM=${UPSTREAM_SIM:?run by start.sh}
WORK=${UPSTREAM_STATE:?run by start.sh}/tmp/packages
KEY_ID=${UPSTREAM_KEY_ID:?run by start.sh}
UNITS=$SIM/units
rm -rf "$WORK"
mkdir -p "$WORK"

K8S_VERSION=1.32.4
CRI_TOOLS_VERSION=1.32.0
CNI_VERSION=1.6.0
CONTAINERD_VERSION=1.7.24
MAINTAINER='Kubernetes Authors <dev@kubernetes.io>'

# --------------------------------------------------------------------------------------------
# Package trees: $WORK/tree/<name>/ holds the files; $WORK/meta/<name>/ control data.
tree() { printf '%s/tree/%s' "$WORK" "$1"; }

wrapper() { # PKG PATH NAME SCRIPT -- a launcher for a Node stand-in
  local f
  f="$(tree "$1")$2"
  mkdir -p "$(dirname "$f")"
  printf '#!/bin/sh\n# FLOTILLA SIMULATOR STAND-IN for %s -- not the real tool (test/lab/sim).\nexec /usr/bin/node /usr/lib/flotilla-sim/%s "$@"\n' \
    "$3" "$4" >"$f"
  chmod 755 "$f"
}

stub() { # PKG PATH -- a tool the package carries and the simulator does not run
  local f name
  f="$(tree "$1")$2"
  name=$(basename "$2")
  mkdir -p "$(dirname "$f")"
  printf '#!/bin/sh\n# FLOTILLA SIMULATOR STAND-IN for %s -- not the real tool (test/lab/sim).\necho "flotilla-sim: %s is not simulated" >&2\nexit 1\n' \
    "$name" "$name" >"$f"
  chmod 755 "$f"
}

file() { # PKG PATH SOURCE [MODE]
  local f
  f="$(tree "$1")$2"
  mkdir -p "$(dirname "$f")"
  install -m "${4:-644}" "$3" "$f"
}

# kubeadm: the tool and the kubelet drop-in it ships (kubelet.service.d/10-kubeadm.conf).
wrapper kubeadm /usr/bin/kubeadm kubeadm kubeadm.mjs
file kubeadm /usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf "$UNITS/10-kubeadm.conf"
# kubelet: installed, neither enabled nor started (`systemctl enable --now kubelet` is the guide's).
wrapper kubelet /usr/bin/kubelet kubelet kubelet.mjs
file kubelet /usr/lib/systemd/system/kubelet.service "$UNITS/kubelet.service"
# kubectl: the machine's real kubectl (1.32), reached through a link the node's install.sh makes.
mkdir -p "$(tree kubectl)/usr/bin"
ln -s /usr/lib/flotilla-sim/kubectl "$(tree kubectl)/usr/bin/kubectl"
stub cri-tools /usr/bin/crictl
for p in bandwidth bridge dhcp dummy firewall host-device host-local ipvlan loopback macvlan portmap ptp sbr static tap tuning vlan vrf; do
  stub kubernetes-cni "/opt/cni/bin/$p"
done
# containerd.io as Docker ships it: the daemon, its tools, runc, the unit and a config.toml that
# disables the CRI plugin (kubeadm's preflight then fails until the guide's `containerd config
# default` replaces it).
wrapper containerd.io /usr/bin/containerd containerd containerd.mjs
for p in ctr containerd-shim-runc-v2 runc; do stub containerd.io "/usr/bin/$p"; done
file containerd.io /lib/systemd/system/containerd.service "$UNITS/containerd.service"
mkdir -p "$(tree containerd.io)/etc/containerd"
cat >"$(tree containerd.io)/etc/containerd/config.toml" <<'EOF'
#   Copyright 2018-2022 Docker Inc.

#   Licensed under the Apache License, Version 2.0 (the "License");
#   you may not use this file except in compliance with the License.
#   You may obtain a copy of the License at

#       http://www.apache.org/licenses/LICENSE-2.0

#   Unless required by applicable law or agreed to in writing, software
#   distributed under the License is distributed on an "AS IS" BASIS,
#   WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
#   See the License for the specific language governing permissions and
#   limitations under the License.

disabled_plugins = ["cri"]

#root = "/var/lib/containerd"
#state = "/run/containerd"
#subreaper = true
#oom_score = 0

#[grpc]
#  address = "/run/containerd/containerd.sock"
#  uid = 0
#  gid = 0

#[debug]
#  address = "/run/containerd/debug.sock"
#  uid = 0
#  gid = 0
#  level = "info"
EOF

# --------------------------------------------------------------------------------------------
# .deb packages
DEBS=$WORK/debs
mkdir -p "$DEBS"

# What dh_installsystemd writes into a postinst/prerm/postrm for a unit enabled and started on
# install (containerd.io's): deb-systemd-helper and deb-systemd-invoke are Debian's real tools.
systemd_postinst() {
  cat <<EOF
#!/bin/sh
set -e
# Automatically added by dh_installsystemd/13.11.4
if [ "\$1" = "configure" ] || [ "\$1" = "abort-upgrade" ] || [ "\$1" = "abort-deconfigure" ] || [ "\$1" = "abort-remove" ] ; then
	# This will only remove masks created by d-s-h on package removal.
	deb-systemd-helper unmask '$1' >/dev/null || true

	# was-enabled defaults to true, so new installations run enable.
	if deb-systemd-helper --quiet was-enabled '$1'; then
		# Enables the unit on first installation, creates new
		# symlinks on upgrades if the unit file has changed.
		deb-systemd-helper enable '$1' >/dev/null || true
	else
		# Update the statefile to add new symlinks (if any), which need to be
		# cleaned up on purge. Also remove old symlinks.
		deb-systemd-helper update-state '$1' >/dev/null || true
	fi
fi
# End automatically added section
# Automatically added by dh_installsystemd/13.11.4
if [ "\$1" = "configure" ] || [ "\$1" = "abort-upgrade" ] || [ "\$1" = "abort-deconfigure" ] || [ "\$1" = "abort-remove" ] ; then
	if [ -d /run/systemd/system ]; then
		systemctl --system daemon-reload >/dev/null || true
		if [ -n "\$2" ]; then
			_dh_action=restart
		else
			_dh_action=start
		fi
		deb-systemd-invoke \$_dh_action '$1' >/dev/null || true
	fi
fi
# End automatically added section
EOF
}
systemd_prerm() {
  cat <<EOF
#!/bin/sh
set -e
# Automatically added by dh_installsystemd/13.11.4
if [ -z "\${DPKG_ROOT:-}" ] && [ "\$1" = remove ] && [ -d /run/systemd/system ] ; then
	deb-systemd-invoke stop '$1' >/dev/null || true
fi
# End automatically added section
EOF
}
systemd_postrm() {
  cat <<EOF
#!/bin/sh
set -e
# Automatically added by dh_installsystemd/13.11.4
if [ "\$1" = remove ] && [ -d /run/systemd/system ] ; then
	systemctl --system daemon-reload >/dev/null || true
fi
# End automatically added section
# Automatically added by dh_installsystemd/13.11.4
if [ "\$1" = "purge" ]; then
	if [ -x "/usr/bin/deb-systemd-helper" ]; then
		deb-systemd-helper purge '$1' >/dev/null || true
	fi
fi
# End automatically added section
EOF
}

build_deb() { # NAME VERSION SECTION DEPENDS DESCRIPTION [EXTRA-CONTROL] -- for amd64 and arm64
  local arch
  for arch in amd64 arm64; do build_deb_arch "$arch" "$@"; done
}
build_deb_arch() { # ARCH NAME VERSION SECTION DEPENDS DESCRIPTION [EXTRA-CONTROL]
  local arch=$1
  shift
  local name=$1 version=$2 section=$3 depends=$4 description=$5 extra=${6:-} dir
  dir=$WORK/deb-$name-$arch
  rm -rf "$dir"
  cp -a "$(tree "$name")" "$dir"
  mkdir -p "$dir/DEBIAN"
  {
    printf 'Package: %s\nVersion: %s\nArchitecture: %s\n' "$name" "$version" "$arch"
    printf 'Maintainer: %s\n' "${MAINT:-$MAINTAINER}"
    printf 'Installed-Size: %s\n' "$(du -sk --exclude=DEBIAN "$dir" | cut -f1)"
    [ -z "$depends" ] || printf 'Depends: %s\n' "$depends"
    [ -z "$extra" ] || printf '%s\n' "$extra"
    printf 'Section: %s\nPriority: optional\nHomepage: %s\n' "$section" "${HOMEPAGE:-https://kubernetes.io}"
    printf 'Description: %s\n FLOTILLA SIMULATOR package: stand-ins for the lab (test/lab/sim), not the real software.\n' "$description"
  } >"$dir/DEBIAN/control"
  if [ -d "$dir/etc" ]; then
    (cd "$dir" && find etc -type f | sed 's|^|/|') >"$dir/DEBIAN/conffiles"
  fi
  local script
  for script in postinst prerm postrm; do
    if [ -f "$WORK/scripts/$name.$script" ]; then install -m 755 "$WORK/scripts/$name.$script" "$dir/DEBIAN/$script"; fi
  done
  dpkg-deb --root-owner-group -Zgzip --build "$dir" "$DEBS/${name}_${version}_$arch.deb" >/dev/null
}

mkdir -p "$WORK/scripts"
systemd_postinst containerd.service >"$WORK/scripts/containerd.io.postinst"
systemd_prerm containerd.service >"$WORK/scripts/containerd.io.prerm"
systemd_postrm containerd.service >"$WORK/scripts/containerd.io.postrm"

# pkgs.k8s.io's dependencies, minus those a lab node cannot get (iptables, ethtool, ebtables,
# socat, conntrack: no Debian mirror in the lab).
build_deb kubeadm "$K8S_VERSION-1.1" misc "cri-tools (>= 1.30.0)" "Command-line utility for administering a Kubernetes cluster"
build_deb kubelet "$K8S_VERSION-1.1" misc "iproute2, mount, util-linux, kubernetes-cni (>= 1.1.1)" "Node agent for Kubernetes clusters"
build_deb kubectl "$K8S_VERSION-1.1" misc "" "Command-line utility for interacting with a Kubernetes cluster"
build_deb cri-tools "$CRI_TOOLS_VERSION-1.1" misc "" "Command-line utility for interacting with a container runtime"
build_deb kubernetes-cni "$CNI_VERSION-1.1" misc "" "Binaries required to provision kubernetes container networking"
MAINT='Containerd team <help@containerd.io>' HOMEPAGE=https://containerd.io \
  build_deb containerd.io "$CONTAINERD_VERSION-1" devel "" "An open and reliable container runtime" \
  "$(printf 'Conflicts: containerd, runc\nReplaces: containerd, runc\nProvides: containerd, runc')"

sign_release() { # DIR -- InRelease and Release.gpg next to DIR/Release, as reprepro/OBS publish
  gpg --batch --yes --quiet --local-user "$KEY_ID" --digest-algo SHA512 --clearsign -o "$1/InRelease" "$1/Release"
  gpg --batch --yes --quiet --local-user "$KEY_ID" --digest-algo SHA512 -abs -o "$1/Release.gpg" "$1/Release"
}

# pkgs.k8s.io: one flat repository per minor version.
K8S_DEB="$OUT/pkgs.k8s.io/core:/stable:/v1.32/deb"
mkdir -p "$K8S_DEB/amd64" "$K8S_DEB/arm64"
for p in kubeadm kubelet kubectl cri-tools kubernetes-cni; do
  for arch in amd64 arm64; do cp "$DEBS/${p}_"*"_$arch.deb" "$K8S_DEB/$arch/"; done
done
(
  cd "$K8S_DEB"
  apt-ftparchive packages amd64 arm64 >Packages 2>/dev/null
  gzip -9nk Packages
  apt-ftparchive release \
    -o APT::FTPArchive::Release::Origin=obs://build.opensuse.org/isv:kubernetes:core:stable:v1.32/deb \
    -o APT::FTPArchive::Release::Label=isv:kubernetes:core:stable:v1.32 \
    -o APT::FTPArchive::Release::Architectures="amd64 arm64" . >"$WORK/Release"
  mv "$WORK/Release" Release
)
sign_release "$K8S_DEB"
gpg --batch --armor --export "$KEY_ID" >"$K8S_DEB/Release.key"

# download.docker.com: dists/<codename>/stable for Debian 12/13 (and Raspberry Pi OS) and Ubuntu.
docker_repo() { # DISTRO CODENAME...
  local distro=$1 base
  shift
  base="$OUT/download.docker.com/linux/$distro"
  mkdir -p "$base/pool/stable/amd64" "$base/pool/stable/arm64"
  cp "$DEBS"/containerd.io_*_amd64.deb "$base/pool/stable/amd64/"
  cp "$DEBS"/containerd.io_*_arm64.deb "$base/pool/stable/arm64/"
  gpg --batch --armor --export "$KEY_ID" >"$base/gpg"
  local codename
  for codename in "$@"; do
    for arch in amd64 arm64; do
      mkdir -p "$base/dists/$codename/stable/binary-$arch"
      (cd "$base" && apt-ftparchive packages "pool/stable/$arch" 2>/dev/null) >"$base/dists/$codename/stable/binary-$arch/Packages"
      gzip -9nk "$base/dists/$codename/stable/binary-$arch/Packages"
    done
    (cd "$base/dists/$codename" && apt-ftparchive release -o APT::FTPArchive::Release::Origin=Docker \
      -o APT::FTPArchive::Release::Label=Docker -o APT::FTPArchive::Release::Suite="$codename" \
      -o APT::FTPArchive::Release::Codename="$codename" -o APT::FTPArchive::Release::Architectures="amd64 arm64" \
      -o APT::FTPArchive::Release::Components=stable . >"$WORK/Release")
    mv "$WORK/Release" "$base/dists/$codename/Release"
    sign_release "$base/dists/$codename"
  done
}
docker_repo debian bookworm trixie
docker_repo ubuntu noble

# --------------------------------------------------------------------------------------------
# rpm-md repositories for zypper (MicroOS): same trees, payload = tar.gz (see the header).
# rpm_pkg REPO RELEASE NAME VERSION SUMMARY REQUIRES(name[:flags:ver],...) [PROVIDES(name,...)]
# Entries collect in REPO.primary until rpm_finish writes the repository's metadata.
rpm_pkg() {
  local repo=$1 release=$2 name=$3 version=$4 summary=$5 requires=$6 provides=${7:-} arch file sum size req prov r
  for arch in x86_64 aarch64; do
    mkdir -p "$repo/$arch"
    file="$arch/$name-$version-$release.$arch.rpm"
    tar -C "$(tree "$name")" --owner=0 --group=0 --numeric-owner -czf "$repo/$file" .
    sum=$(sha256sum "$repo/$file" | cut -d' ' -f1)
    size=$(stat -c %s "$repo/$file")
    req=""
    if [ -n "$requires" ]; then
      req="<rpm:requires>"
      IFS=, read -r -a rs <<<"$requires"
      for r in "${rs[@]}"; do
        IFS=: read -r rn rf rv <<<"$r"
        if [ -n "$rf" ]; then
          req+="<rpm:entry name=\"$rn\" flags=\"$rf\" epoch=\"0\" ver=\"$rv\"/>"
        else
          req+="<rpm:entry name=\"$rn\"/>"
        fi
      done
      req+="</rpm:requires>"
    fi
    prov=""
    if [ -n "$provides" ]; then
      prov="<rpm:provides>"
      IFS=, read -r -a rs <<<"$provides"
      for r in "${rs[@]}"; do prov+="<rpm:entry name=\"$r\"/>"; done
      prov+="</rpm:provides>"
    fi
    printf '%s\n' "<package type=\"rpm\"><name>$name</name><arch>$arch</arch><version epoch=\"0\" ver=\"$version\" rel=\"$release\"/><checksum type=\"sha256\" pkgid=\"YES\">$sum</checksum><summary>$summary</summary><description>FLOTILLA SIMULATOR package (test/lab/sim): not the real software.</description><packager>https://bugs.opensuse.org</packager><url>https://kubernetes.io</url><size package=\"$size\"/><location href=\"$file\"/><format><rpm:license>Apache-2.0</rpm:license>$prov$req</format></package>" >>"$repo.primary"
  done
}
# rpm_finish REPO KEY_ID -- primary.xml.gz, repomd.xml signed with KEY_ID (repomd.xml.asc), the key
rpm_count=0
rpm_finish() {
  local repo=$1 key=$2 primary=$WORK/primary.xml psum osum count
  count=$(grep -c '<package ' "$repo.primary")
  mkdir -p "$repo/repodata"
  {
    printf '<?xml version="1.0" encoding="UTF-8"?>\n<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="%d">\n' "$count"
    cat "$repo.primary"
    printf '</metadata>\n'
  } >"$primary"
  rm -f "$repo.primary"
  gzip -9nc "$primary" >"$repo/repodata/primary.xml.gz"
  psum=$(sha256sum "$repo/repodata/primary.xml.gz" | cut -d' ' -f1)
  osum=$(sha256sum "$primary" | cut -d' ' -f1)
  cat >"$repo/repodata/repomd.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<repomd xmlns="http://linux.duke.edu/metadata/repo" xmlns:rpm="http://linux.duke.edu/metadata/rpm">
  <revision>$(date +%s)</revision>
  <data type="primary">
    <checksum type="sha256">$psum</checksum>
    <open-checksum type="sha256">$osum</open-checksum>
    <location href="repodata/primary.xml.gz"/>
    <size>$(stat -c %s "$repo/repodata/primary.xml.gz")</size>
  </data>
</repomd>
EOF
  gpg --batch --yes --quiet --local-user "$key" --armor --detach-sign -o "$repo/repodata/repomd.xml.asc" "$repo/repodata/repomd.xml"
  gpg --batch --armor --export "$key" >"$repo/repodata/repomd.xml.key"
  rpm_count=$((rpm_count + count))
}

K8S_RPM="$OUT/pkgs.k8s.io/core:/stable:/v1.32/rpm"
rpm_pkg "$K8S_RPM" 150500.1.1 kubeadm "$K8S_VERSION" "Command-line utility for administering a Kubernetes cluster" "cri-tools:GE:1.30.0"
rpm_pkg "$K8S_RPM" 150500.1.1 kubelet "$K8S_VERSION" "Node agent for Kubernetes clusters" "kubernetes-cni:GE:1.1.1"
rpm_pkg "$K8S_RPM" 150500.1.1 kubectl "$K8S_VERSION" "Command-line utility for interacting with a Kubernetes cluster" ""
rpm_pkg "$K8S_RPM" 150500.1.1 cri-tools "$CRI_TOOLS_VERSION" "Command-line utility for interacting with a container runtime" ""
rpm_pkg "$K8S_RPM" 150500.1.1 kubernetes-cni "$CNI_VERSION" "Binaries required to provision kubernetes container networking" ""
rpm_finish "$K8S_RPM" "$KEY_ID"

# --------------------------------------------------------------------------------------------
# https://download.opensuse.org/tumbleweed/repo/oss/ : openSUSE Tumbleweed's OSS repository as
# MicroOS uses it, with the packages openSUSE builds for kubeadm clusters (domain-engine.md §3,
# from kubernetes1.32.spec and cri-o.spec): kubernetes1.32-kubeadm Requires cri-runtime,
# cri-tools, kubernetes-kubeadm-criconfig and kubernetes1.32-kubelet; cri-o Provides cri-runtime;
# cri-o-kubeadm-criconfig Provides kubernetes-kubeadm-criconfig and ships /etc/sysconfig/kubelet
# (KUBELET_EXTRA_ARGS as openSUSE's kubelet.env). Signed with a key of its own (this lab's
# "openSUSE" key), which every sim MicroOS node trusts from its first boot as MicroOS trusts
# openSUSE's (install.sh, which also configures the repository as repo-oss). Versions and
# releases are this lab's choice. Left out (UNVERIFIED or not servable here): kubeadm's other
# Requires (ebtables, ethtool, socat), its /usr/lib/sysctl.d/90-kubeadm.conf and modules-load.d
# file, the -common/-client-common split with update-alternatives, conmon/runc/cni-plugins under
# cri-o, the ports tree for aarch64 (both architectures are served from this one repository).
OSS="$OUT/download.opensuse.org/tumbleweed/repo/oss"
SUSE_GNUPG=$UPSTREAM_STATE/gnupg-opensuse
if [ ! -d "$SUSE_GNUPG" ]; then
  install -d -m 700 "$SUSE_GNUPG"
  GNUPGHOME=$SUSE_GNUPG gpg --batch --quiet --pinentry-mode loopback --passphrase '' \
    --quick-gen-key "openSUSE Project Signing Key (Flotilla lab SIMULATOR) <opensuse@flotilla.lab>" ed25519 sign never 2>/dev/null
fi
SUSE_KEY_ID=$(GNUPGHOME=$SUSE_GNUPG gpg --batch --quiet --with-colons --list-secret-keys 2>/dev/null | awk -F: '/^fpr:/ {print $10; exit}')
SUSE_K8S=1.32
# kubeadm: the tool and openSUSE's kubelet drop-in (extra args from /etc/sysconfig/kubelet).
wrapper "kubernetes$SUSE_K8S-kubeadm" /usr/bin/kubeadm kubeadm kubeadm.mjs
file "kubernetes$SUSE_K8S-kubeadm" /usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf "$UNITS/10-kubeadm-opensuse.conf"
# kubelet: the versioned binary and what -kubelet-common adds (the unit, the /usr/bin/kubelet loader).
wrapper "kubernetes$SUSE_K8S-kubelet" "/usr/bin/kubelet$SUSE_K8S" kubelet kubelet.mjs
file "kubernetes$SUSE_K8S-kubelet" /usr/lib/systemd/system/kubelet.service "$UNITS/kubelet.service"
mkdir -p "$(tree "kubernetes$SUSE_K8S-kubelet")/usr/bin"
cat >"$(tree "kubernetes$SUSE_K8S-kubelet")/usr/bin/kubelet" <<'EOF'
#!/bin/sh
# FLOTILLA SIMULATOR STAND-IN for openSUSE's kubelet loader (kubernetes-kubelet-common): runs
# /usr/bin/kubelet$KUBELET_VER (KUBELET_VER from /etc/sysconfig/kubelet), else the newest
# installed kubelet1.xx. The real loader's exact rules: UNVERIFIED.
[ -r /etc/sysconfig/kubelet ] && . /etc/sysconfig/kubelet
if [ -z "${KUBELET_VER:-}" ]; then
  KUBELET_VER=$(ls /usr/bin/kubelet1.* 2>/dev/null | sed 's#^/usr/bin/kubelet##' | sort -V | tail -n1)
fi
[ -x "/usr/bin/kubelet$KUBELET_VER" ] || { echo "kubelet: no kubelet$KUBELET_VER installed" >&2; exit 1; }
exec "/usr/bin/kubelet$KUBELET_VER" "$@"
EOF
chmod 755 "$(tree "kubernetes$SUSE_K8S-kubelet")/usr/bin/kubelet"
mkdir -p "$(tree "kubernetes$SUSE_K8S-client")/usr/bin"
ln -s /usr/lib/flotilla-sim/kubectl "$(tree "kubernetes$SUSE_K8S-client")/usr/bin/kubectl"
# cri-o: the daemon (the stand-in crio.mjs), its unit, openSUSE's default configuration.
wrapper cri-o /usr/bin/crio crio crio.mjs
stub cri-o /usr/bin/pinns
file cri-o /usr/lib/systemd/system/crio.service "$UNITS/crio.service"
mkdir -p "$(tree cri-o)/etc/crio/crio.conf.d"
cat >"$(tree cri-o)/etc/crio/crio.conf.d/00-default.conf" <<'EOF'
# openSUSE's CRI-O defaults (cri-o.spec: crio.conf.d/00-default.conf), the keys the simulator reads.
[crio.api]
listen = "/var/run/crio/crio.sock"

[crio.runtime]
cgroup_manager = "systemd"

[crio.image]
pause_image = "registry.opensuse.org/kubic/pause:3.10"

[crio.network]
plugin_dirs = ["/opt/cni/bin/", "/usr/libexec/cni/"]
EOF
mkdir -p "$(tree cri-o-kubeadm-criconfig)/etc/sysconfig"
printf '%s\n' '## Path:           System/Kubernetes' '## Description:    kubelet settings for CRI-O (cri-o-kubeadm-criconfig)' \
  'KUBELET_EXTRA_ARGS="--cgroup-driver=systemd --fail-swap-on=false -v=2"' \
  >"$(tree cri-o-kubeadm-criconfig)/etc/sysconfig/kubelet"
rpm_pkg "$OSS" 1.1 "kubernetes$SUSE_K8S-kubeadm" "$K8S_VERSION" "Kubernetes kubeadm bootstrapping tool" \
  "cri-runtime,cri-tools,kubernetes-kubeadm-criconfig,kubernetes$SUSE_K8S-kubelet" kubernetes-kubeadm-provider
rpm_pkg "$OSS" 1.1 "kubernetes$SUSE_K8S-kubelet" "$K8S_VERSION" "Kubernetes kubelet daemon" "" kubernetes-kubelet-common
rpm_pkg "$OSS" 1.1 "kubernetes$SUSE_K8S-client" "$K8S_VERSION" "Kubernetes client tools" "" kubernetes-client-provider
rpm_pkg "$OSS" 1.1 cri-tools "$CRI_TOOLS_VERSION" "CLI and validation tools for Kubelet Container Runtime Interface (CRI)" ""
rpm_pkg "$OSS" 1.1 cri-o "$K8S_VERSION" "OCI-based implementation of Kubernetes Container Runtime Interface" "" cri-runtime
rpm_pkg "$OSS" 1.1 cri-o-kubeadm-criconfig "$K8S_VERSION" "CRI-O Kubeadm Configuration" "cri-o" kubernetes-kubeadm-criconfig
GNUPGHOME=$SUSE_GNUPG rpm_finish "$OSS" "$SUSE_KEY_ID"
echo "20-packages: $(find "$OUT" -name '*.deb' | wc -l) .deb, $rpm_count rpm-md packages"
