# Node profiles: what kind of machine a fake host pretends to be. Sourced by lab.sh.
#
# A profile spec is BASE[+TRAIT...], e.g. "pi5", "pi4+password-only", "debian-sudo-nopass+port=2222".
# BASE sets the identity (OS, model, architecture, login user, sudo behaviour, mDNS); TRAITS bend
# it into the awkward hosts real users have. A few named ALIASES spell out the awkward hosts from
# issue 3 so tests can ask for them by name.
#
# profile_resolve writes NODE_* variables; lab.sh stores them in the node's node.env, which the
# node's init (node/init.sh) reads to build the host and `status --json` reads to describe it.

readonly PROFILE_BASES="pi3 pi4 pi5 microos microos-pi debian-sudo-nopass ubuntu-sudo-nopass"
readonly PROFILE_TRAITS="port=N password-only ssh-off no-mdns mdns-ssh old-cluster same-name name=HOST sim os-release-usr-lib login-banner memcg-default-on reset-leftovers hostile-text dhcp"
# Awkward hosts by name (issue 3, "Awkward hosts").
declare -rA PROFILE_ALIASES=(
  [ssh-port-2222]="debian-sudo-nopass+port=2222+mdns-ssh" # sshd on a non-standard port, advertised
  [password-only]="pi4+password-only"                     # Imager set a password, no key
  [mdns-no-ssh]="pi5+ssh-off"                             # fresh Pi OS: SSH is off by default
  [old-cluster]="debian-sudo-nopass+old-cluster"          # leftovers of a previous kubeadm cluster
  [name-clash]="pi4+same-name"                            # second Pi with the first one's name
)
# `up N` without --profile cycles through this list: a mixed LAN.
readonly PROFILE_DEFAULT_MIX="pi4,pi5,microos,microos-pi,debian-sudo-nopass,ubuntu-sudo-nopass"

# MAC prefixes (OUIs). Pi OUIs are Raspberry Pi Trading Ltd registrations (domain.md §9); x86 hosts
# get 52:54:00, the prefix QEMU/KVM gives virtual NICs, so they are clearly not Pis.
readonly OUI_PI3=b8:27:eb # Raspberry Pi Foundation: Pi 3 and older
readonly OUI_PI4=dc:a6:32
readonly OUI_PI4_LATE=e4:5f:01
readonly OUI_PI5=2c:cf:67
readonly OUI_VM=52:54:00

profile_expand_alias() {
  local spec=$1
  printf '%s' "${PROFILE_ALIASES[$spec]:-$spec}"
}

# profile_resolve SPEC INDEX -- set NODE_* for node INDEX, or fail with a message naming SPEC.
profile_resolve() {
  local spec index=$2
  spec=$(profile_expand_alias "$1")
  local base=${spec%%+*} traits=""
  [[ $spec == *+* ]] && traits=${spec#*+}

  NODE_PROFILE=$1
  NODE_SPEC=$spec
  NODE_BASE=$base
  NODE_TRAITS=${traits//+/ }
  NODE_MODEL=""
  NODE_DT_COMPATIBLE=""
  NODE_PI_REVISION=""
  NODE_CPUINFO=""
  NODE_MEM_KB=""
  NODE_SWAP="none"
  NODE_PASSWORD_LOGIN=no
  NODE_KEY_LOGIN=yes
  NODE_SSHD=yes
  NODE_SSH_PORT=22
  NODE_AVAHI=yes
  NODE_MDNS_WORKSTATION=no
  NODE_MDNS_SSH=no
  NODE_OLD_CLUSTER=no
  NODE_SIM=no
  NODE_SAME_NAME=no
  NODE_HOSTNAME=""

  case $base in
    pi4 | pi5)
      # Raspberry Pi OS (64-bit): its os-release is Debian's. The release of 2026-04-13 disabled
      # passwordless sudo, so `pi` must type its password (domain.md §6). Imager enables SSH with
      # password login; a key may be added too. avahi publishes _workstation._tcp (pi-gen sets
      # publish-workstation=yes) and no _ssh._tcp (domain.md §9).
      NODE_FAMILY=raspios
      NODE_ARCH=aarch64
      NODE_USER=pi
      NODE_SUDO=password
      NODE_PASSWORD_LOGIN=yes
      NODE_MDNS_WORKSTATION=yes
      if [ "$base" = pi4 ]; then
        NODE_OS=debian-12
        NODE_MODEL="Raspberry Pi 4 Model B Rev 1.4"
        NODE_DT_COMPATIBLE="raspberrypi,4-model-b brcm,bcm2711"
        NODE_PI_REVISION=c03114 # 4 GB, rev 1.4
        NODE_CPUINFO=cortex-a72
        NODE_KERNEL="6.12.25+rpt-rpi-v8"
        NODE_MEM_KB=3884376
        NODE_SWAP="file /var/swap 524284" # bookworm: dphys-swapfile, 512 MiB
        NODE_MAC_OUI=$OUI_PI4
        NODE_HOST_STEM=pi4
      else
        NODE_OS=debian-13
        NODE_MODEL="Raspberry Pi 5 Model B Rev 1.0"
        NODE_DT_COMPATIBLE="raspberrypi,5-model-b brcm,bcm2712"
        NODE_PI_REVISION=d04170 # 8 GB, rev 1.0
        NODE_CPUINFO=cortex-a76
        NODE_KERNEL="6.12.47+rpt-rpi-2712"
        NODE_MEM_KB=8241856
        NODE_SWAP="partition /dev/zram0 2097148" # trixie: rpi-swap sets up zram
        NODE_MAC_OUI=$OUI_PI5
        NODE_HOST_STEM=pi5
      fi
      ;;
    pi3)
      # Issue 11 (probe): a Pi 3 Model B+ on 32-bit Raspberry Pi OS (bookworm, armhf). Only Pi 4 and
      # later boot a 64-bit kernel under a 32-bit OS by default, so this one says armv7l. Too small
      # and 32-bit for Kubernetes; the classic spare Pi that becomes the HAProxy endpoint.
      NODE_FAMILY=raspios
      NODE_OS=raspbian-12
      NODE_ARCH=armv7l
      NODE_USER=pi
      NODE_SUDO=password
      NODE_PASSWORD_LOGIN=yes
      NODE_MDNS_WORKSTATION=yes
      NODE_MODEL="Raspberry Pi 3 Model B Plus Rev 1.3"
      NODE_DT_COMPATIBLE="raspberrypi,3-model-b-plus brcm,bcm2837"
      NODE_PI_REVISION=a020d3 # 1 GB, rev 1.3
      NODE_CPUINFO=cortex-a53-v7l
      NODE_KERNEL="6.6.74+rpt-rpi-v7"
      NODE_MEM_KB=948304
      NODE_SWAP="file /var/swap 102396" # dphys-swapfile's 100 MiB default
      NODE_MAC_OUI=$OUI_PI3
      NODE_HOST_STEM=pi3
      ;;
    microos | microos-pi)
      # openSUSE MicroOS: root logs in with the key given at first boot (Combustion/Ignition).
      NODE_FAMILY=microos
      NODE_OS=microos
      NODE_USER=root
      NODE_SUDO=root
      NODE_KERNEL="6.16.1-1-default"
      if [ "$base" = microos ]; then
        # Whether avahi is installed on MicroOS is unverified (domain.md §9); the minimal x86 host
        # here has none, so it is a host mDNS cannot find.
        NODE_ARCH=x86_64
        NODE_AVAHI=no
        NODE_MAC_OUI=$OUI_VM
        NODE_HOST_STEM=microos
      else
        # MicroOS on a Pi 4 whose owner installed avahi with its ssh service.
        NODE_ARCH=aarch64
        NODE_MODEL="Raspberry Pi 4 Model B Rev 1.5"
        NODE_DT_COMPATIBLE="raspberrypi,4-model-b brcm,bcm2711"
        NODE_PI_REVISION=c03115 # 4 GB, rev 1.5
        NODE_CPUINFO=cortex-a72
        NODE_MEM_KB=3884376
        NODE_MDNS_SSH=yes
        NODE_MAC_OUI=$OUI_PI4_LATE
        NODE_HOST_STEM=microos-pi
      fi
      ;;
    debian-sudo-nopass | ubuntu-sudo-nopass)
      # Cloud-image style: a default user with passwordless sudo and key-only SSH.
      NODE_ARCH=x86_64
      NODE_SUDO=nopasswd
      NODE_MAC_OUI=$OUI_VM
      if [ "$base" = debian-sudo-nopass ]; then
        NODE_FAMILY=debian NODE_OS=debian-12 NODE_USER=debian NODE_HOST_STEM=debian
        NODE_KERNEL="6.1.0-40-amd64"
      else
        NODE_FAMILY=ubuntu NODE_OS=ubuntu-24.04 NODE_USER=ubuntu NODE_HOST_STEM=ubuntu
        NODE_KERNEL="6.8.0-85-generic"
      fi
      ;;
    *)
      die "unknown profile '$1' (bases: $PROFILE_BASES; aliases: ${!PROFILE_ALIASES[*]})"
      ;;
  esac

  local trait
  for trait in $NODE_TRAITS; do
    case $trait in
      port=*)
        NODE_SSH_PORT=${trait#port=}
        [[ $NODE_SSH_PORT =~ ^[0-9]{1,5}$ ]] && ((NODE_SSH_PORT >= 1 && NODE_SSH_PORT <= 65535)) ||
          die "profile '$1': port must be 1-65535"
        ;;
      password-only) NODE_PASSWORD_LOGIN=yes NODE_KEY_LOGIN=no ;;
      ssh-off) NODE_SSHD=no ;;
      no-mdns) NODE_AVAHI=no ;;
      # Publishing a service means running the responder: on MicroOS (no avahi by default) this is
      # the owner who installed avahi with its ssh service, so a LAN scan finds the box.
      mdns-ssh) NODE_MDNS_SSH=yes NODE_AVAHI=yes ;;
      old-cluster) NODE_OLD_CLUSTER=yes ;;
      sim) NODE_SIM=yes ;; # the simulator's stand-ins (systemctl, kubeadm...): test/lab/sim
      same-name) NODE_SAME_NAME=yes ;;
      hostile-text) ;; # node/init.sh reads it from NODE_TRAITS: escape sequences in its banner and OS name
      name=*)
        NODE_HOSTNAME=${trait#name=}
        [[ $NODE_HOSTNAME =~ ^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$ ]] || die "profile '$1': bad host name"
        ;;
      # Probe and readiness traits (issue 11, items 10-14); node/init.sh reads them from NODE_TRAITS.
      os-release-usr-lib | login-banner | reset-leftovers) ;;
      memcg-default-on)
        [ "$NODE_FAMILY" = raspios ] || die "profile '$1': memcg-default-on is for Raspberry Pi OS"
        ;;
      dhcp) ;; # node/init.sh: its address is a DHCP lease (finite lifetime: `ip` shows "dynamic")
      *) die "profile '$1': unknown trait '$trait' (traits: $PROFILE_TRAITS)" ;;
    esac
  done
  if [ "$NODE_AVAHI" = no ]; then NODE_MDNS_WORKSTATION=no NODE_MDNS_SSH=no; fi
  if [ "$NODE_FAMILY" = microos ] && [ "$NODE_KEY_LOGIN" = no ]; then
    NODE_PASSWORD_LOGIN=yes # root with a password: allowed, just unusual
  fi

  NODE_INDEX=$index
  # "n<index>" rather than "-<index>": avahi renames a conflicting "x-3" to "x-4" but "x-n3" to
  # "x-n3-2", and only the latter keeps a renamed host distinguishable from node 4.
  [ -n "$NODE_HOSTNAME" ] || NODE_HOSTNAME="$NODE_HOST_STEM-n$index"
}

# A stable MAC per lab and node: OUI, one byte from the prefix, two from the node index.
profile_mac() {
  local oui=$1 index=$2 lab_byte
  lab_byte=$(($(printf '%s' "$PREFIX" | cksum | cut -d' ' -f1) % 256))
  printf '%s:%02x:%02x:%02x' "$oui" "$lab_byte" $((index / 256)) $((index % 256))
}
