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
# rpm-md repository for zypper (MicroOS): same trees, payload = tar.gz (see the header).
K8S_RPM="$OUT/pkgs.k8s.io/core:/stable:/v1.32/rpm"
mkdir -p "$K8S_RPM/repodata"
primary=$WORK/primary.xml
count=0
entries=""
rpm_pkg() { # NAME VERSION SUMMARY REQUIRES(name:flags:ver,...)
  local name=$1 version=$2 summary=$3 requires=$4 arch file sum size req="" r
  for arch in x86_64 aarch64; do
    mkdir -p "$K8S_RPM/$arch"
    file="$arch/$name-$version-150500.1.1.$arch.rpm"
    tar -C "$(tree "$name")" --owner=0 --group=0 --numeric-owner -czf "$K8S_RPM/$file" .
    sum=$(sha256sum "$K8S_RPM/$file" | cut -d' ' -f1)
    size=$(stat -c %s "$K8S_RPM/$file")
    req=""
    if [ -n "$requires" ]; then
      req="<rpm:requires>"
      IFS=, read -r -a rs <<<"$requires"
      for r in "${rs[@]}"; do
        IFS=: read -r rn rf rv <<<"$r"
        req+="<rpm:entry name=\"$rn\" flags=\"$rf\" epoch=\"0\" ver=\"$rv\"/>"
      done
      req+="</rpm:requires>"
    fi
    entries+="<package type=\"rpm\"><name>$name</name><arch>$arch</arch><version epoch=\"0\" ver=\"$version\" rel=\"150500.1.1\"/><checksum type=\"sha256\" pkgid=\"YES\">$sum</checksum><summary>$summary</summary><description>FLOTILLA SIMULATOR package (test/lab/sim): not the real software.</description><packager>https://bugs.opensuse.org</packager><url>https://kubernetes.io</url><size package=\"$size\"/><location href=\"$file\"/><format><rpm:license>Apache-2.0</rpm:license>$req</format></package>
"
    count=$((count + 1))
  done
}
rpm_pkg kubeadm "$K8S_VERSION" "Command-line utility for administering a Kubernetes cluster" "cri-tools:GE:1.30.0"
rpm_pkg kubelet "$K8S_VERSION" "Node agent for Kubernetes clusters" "kubernetes-cni:GE:1.1.1"
rpm_pkg kubectl "$K8S_VERSION" "Command-line utility for interacting with a Kubernetes cluster" ""
rpm_pkg cri-tools "$CRI_TOOLS_VERSION" "Command-line utility for interacting with a container runtime" ""
rpm_pkg kubernetes-cni "$CNI_VERSION" "Binaries required to provision kubernetes container networking" ""
{
  printf '<?xml version="1.0" encoding="UTF-8"?>\n<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="%d">\n' "$count"
  printf '%s' "$entries"
  printf '</metadata>\n'
} >"$primary"
gzip -9nc "$primary" >"$K8S_RPM/repodata/primary.xml.gz"
psum=$(sha256sum "$K8S_RPM/repodata/primary.xml.gz" | cut -d' ' -f1)
osum=$(sha256sum "$primary" | cut -d' ' -f1)
cat >"$K8S_RPM/repodata/repomd.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<repomd xmlns="http://linux.duke.edu/metadata/repo" xmlns:rpm="http://linux.duke.edu/metadata/rpm">
  <revision>$(date +%s)</revision>
  <data type="primary">
    <checksum type="sha256">$psum</checksum>
    <open-checksum type="sha256">$osum</open-checksum>
    <location href="repodata/primary.xml.gz"/>
    <size>$(stat -c %s "$K8S_RPM/repodata/primary.xml.gz")</size>
  </data>
</repomd>
EOF
gpg --batch --yes --quiet --local-user "$KEY_ID" --armor --detach-sign -o "$K8S_RPM/repodata/repomd.xml.asc" "$K8S_RPM/repodata/repomd.xml"
gpg --batch --armor --export "$KEY_ID" >"$K8S_RPM/repodata/repomd.xml.key"
echo "20-packages: $(find "$OUT" -name '*.deb' | wc -l) .deb, $count rpm-md packages"
