# SPDX-License-Identifier: Apache-2.0
# The hardening Debian builds its packages with (dpkg-buildflags with
# hardening=+all: stack protector, fortified libc calls, full RELRO, bind
# now; Debian's GCC makes PIE by default), for every build: the .deb is
# packed from the ordinary build tree (packaging/deb/cpack.cmake) and lintian
# checks its binary for them.
add_compile_options(-fstack-protector-strong)
# glibc fortifies only when optimizing (and warns at -O0, which -Werror
# would turn into a failure).
add_compile_options($<$<NOT:$<CONFIG:Debug>>:-U_FORTIFY_SOURCE>
                    $<$<NOT:$<CONFIG:Debug>>:-D_FORTIFY_SOURCE=2>)
add_link_options(-Wl,-z,relro -Wl,-z,now)
