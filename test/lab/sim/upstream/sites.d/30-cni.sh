#!/usr/bin/env bash
# flotilla-sim: SIMULATOR. The CNI manifests Flotilla downloads, at their real URLs
# (docs/domain-engine.md §4, §5), both SIMULATOR-authored stand-ins, never the real files:
#   raw.githubusercontent.com/projectcalico/calico/v3.30.7/manifests/calico.yaml
#       written by test/lab/sim/apiserver-fixtures/calico.mjs
#   github.com/flannel-io/flannel/releases/download/v0.28.9/kube-flannel.yml
#       302 (as GitHub's release downloads) to release-assets.githubusercontent.com, which serves
#       the hand-written fixture test/lab/sim/apiserver-fixtures/flannel.yaml
#
#   30-cni.sh OUTDIR
set -euo pipefail
OUT=$1
SIM=${UPSTREAM_SIM:-test/lab/sim}

calico="$OUT/raw.githubusercontent.com/projectcalico/calico/v3.30.7/manifests"
mkdir -p "$calico"
node --input-type=module -e "
  const { calicoYaml } = await import(process.argv[1])
  process.stdout.write(calicoYaml())
" "$(realpath "$SIM/apiserver-fixtures/calico.mjs")" >"$calico/calico.yaml"

release="$OUT/github.com/flannel-io/flannel/releases/download/v0.28.9"
asset="$OUT/release-assets.githubusercontent.com/flotilla-sim/flannel-io/flannel/v0.28.9"
mkdir -p "$release" "$asset"
{
  echo '# FLOTILLA SIMULATOR: a stand-in for flannel v0.28.9 kube-flannel.yml (not the real file).'
  cat "$SIM/apiserver-fixtures/flannel.yaml"
} >"$asset/kube-flannel.yml"
echo 'https://release-assets.githubusercontent.com/flotilla-sim/flannel-io/flannel/v0.28.9/kube-flannel.yml' \
  >"$release/kube-flannel.yml.302"
