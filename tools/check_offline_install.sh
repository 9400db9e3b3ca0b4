#!/bin/sh
# CI's proof of the offline classroom install, on this Linux machine: `make wheelhouse`
# for this machine only, then, in a copy of the course with no .venv, in a network
# namespace with no network at all (unshare, as root), `make setup-offline` from those
# wheels and `make doctor`, which serves a stage and asks it for pages.
#   sh tools/check_offline_install.sh
set -eu
cd "$(dirname "$0")/.."
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

python=$(.venv/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')
make wheelhouse WHEELHOUSE="$scratch/wheelhouse" \
    WHEELHOUSE_ARGS="--platforms linux-$(uname -m) --pythons $python"

# The course as committed, without .venv (and without this machine's pip settings).
mkdir "$scratch/course"
git archive HEAD | tar -x -C "$scratch/course"
unshare --net sh -c "
    set -e
    ip link set lo up
    cd '$scratch/course'
    if python3 -c 'import urllib.request as u; u.urlopen(\"https://pypi.org\", timeout=5)' 2>/dev/null
    then echo 'The network namespace reaches the internet.' >&2; exit 1; fi
    PIP_CONFIG_FILE=/dev/null make setup-offline WHEELHOUSE='$scratch/wheelhouse'
    make doctor PORT=5000
"
echo "Offline install: .venv set up from the wheelhouse with no network, and a stage served."
