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

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${packages[@]}"
