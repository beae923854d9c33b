#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs every Debian 12 package pktlens needs to build, run and test.
# Run as root (as another user: sudo scripts/deps.sh). Idempotent: apt-get
# skips what is already installed.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "scripts/deps.sh: run as root: it installs Debian packages with apt-get" \
       "(as another user: sudo scripts/deps.sh)" >&2
  exit 1
fi

packages=(
  # build
  build-essential cmake pkg-config clang llvm
  libbpf-dev bpftool linux-libc-dev libelf-dev zlib1g-dev
  # daemon libraries (/metrics: Boost.Beast, OpenSSL, libxcrypt's bcrypt, zlib)
  prometheus-cpp-dev libyaml-cpp-dev libspdlog-dev libfmt-dev
  libsystemd-dev libcli11-dev libboost-dev libssl-dev libcrypt-dev
  # least privilege after set-up (daemon/service/privileges.*)
  libcap-dev
  # IPFIX flow export (libfixbuf; ipfixDump reads what it sends)
  libfixbuf-dev libfixbuf-tools
  # `pktlensd top`: its terminal view
  libncurses-dev
  # tests (openssl and htpasswd make certificates and bcrypt hashes)
  catch2 iproute2 ethtool nftables curl python3-scapy prometheus prometheus-alertmanager
  # real IPFIX collectors for the export tests (their services are not
  # started by the tests, which run their own in test namespaces)
  nfdump pmacct
  openssl apache2-utils
  # `pktlensd top` is tested on a real terminal: tmux's send-keys and capture-pane
  tmux
  # the Debian package (packaging/deb/): CPack's dpkg-shlibdeps and file,
  # lintian, man(1) and col for the man page check; the systemd test boots
  # a debootstrap'd Debian in systemd-nspawn
  dpkg-dev file lintian man-db bsdextrautils debootstrap systemd-container
)

# Test peers whose packages ship a network service. The tests run their
# own in test namespaces; a developer's machine should not be left with
# Prometheus, Alertmanager or nfcapd listening on every address, now and
# after each boot. So, for those this script installs (not those already
# there: their state is the admin's), nothing is started during the
# install and their units are disabled afterwards.
service_packages=(prometheus prometheus-alertmanager nfdump pmacct)
fresh=()
for p in "${service_packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = installed ] || fresh+=("$p")
done

policy=/usr/sbin/policy-rc.d
if [ "${#fresh[@]}" -gt 0 ] && [ ! -e "$policy" ]; then
  # policy-rc.d exiting 101: invoke-rc.d and deb-systemd-invoke start
  # nothing (invoke-rc.d(8)); removed when this script ends.
  printf '#!/bin/sh\n# scripts/deps.sh is installing packages: start no service\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  trap 'rm -f "$policy"' EXIT
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${packages[@]}"

for p in "${fresh[@]}"; do
  for unit in $(dpkg-query -L "$p" | sed -n 's#^/lib/systemd/system/\([^@/]*\.service\)$#\1#p'); do
    # Works without a running systemd (it edits the links); an upgrade of
    # the package keeps a unit disabled.
    if ! systemctl disable --quiet "$unit" 2>/dev/null; then
      echo "scripts/deps.sh: warning: could not disable $unit (from $p); the tests do not need it" >&2
      continue
    fi
    if [ -d /run/systemd/system ]; then
      systemctl stop "$unit" 2>/dev/null || true
    fi
    echo "scripts/deps.sh: $unit (from $p, for the tests) is disabled and not running;" \
         "\`systemctl enable --now $unit\` if you want it"
  done
done
