# SPDX-License-Identifier: Apache-2.0
# The Debian package, built by CPack from the install rules
# (daemon/CMakeLists.txt, packaging/CMakeLists.txt): packaging/deb/build.sh,
# or packaging/deb/pack.sh on a build tree (cpack, then lintian).
# Its control files are packaging/deb/{conffiles,postinst,prerm,postrm}.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME pktlens)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "pktlens maintainers <pktlens@users.noreply.github.com>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "exact per-packet network metrics from eBPF, for Prometheus")
# CPack puts the summary line above this.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "pktlensd attaches eBPF programs to network interfaces (TC or XDP) and
counts every frame in the kernel: per interface, protocol, VLAN, flow and
configured network, with TCP latency and loss and threat signals (SYN,
ICMP and UDP floods, port scans). It serves them as Prometheus metrics and
evaluates alert thresholds itself.
.
The package runs it as the systemd service pktlens.service and ships
Prometheus alerting rules for its alerts.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # pktlens_VERSION_ARCH.deb
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE https://github.com/pktlens/pktlens)
# Library dependencies from dpkg-shlibdeps (libcap2 for dropping
# capabilities among them); the maintainer scripts call
# deb-systemd-helper and deb-systemd-invoke; the unit's ExecReload= runs
# procps' /bin/kill (a minimal Debian has none: tests/e2e/test_systemd.py).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "init-system-helpers (>= 1.52), procps")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${CMAKE_CURRENT_LIST_DIR}/conffiles ${CMAKE_CURRENT_LIST_DIR}/postinst
  ${CMAKE_CURRENT_LIST_DIR}/prerm ${CMAKE_CURRENT_LIST_DIR}/postrm)
# 0755 for the maintainer scripts, 0644 for the rest, whatever the checkout's modes.
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
  OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
# Some destinations are absolute (/etc, /lib/systemd/system).
set(CPACK_SET_DESTDIR ON)
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
# A package carries no debug symbols (the build tree's pktlensd keeps them).
set(CPACK_STRIP_FILES ON)
if(NOT CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  message(STATUS "CMAKE_INSTALL_PREFIX is ${CMAKE_INSTALL_PREFIX}: `cpack -G DEB` needs /usr")
endif()
include(CPack)
