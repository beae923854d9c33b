#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# packaging/man/pktlensd.8 stays complete and clean: man(1) renders it
# without a warning (as lintian checks it), and it names every option and
# subcommand `pktlensd --help` lists and every key of the table in
# docs/configuration.md ("## Keys"), so a new option or key fails here until
# the man page has it.
#   check_man.sh MANPAGE PKTLENSD CONFIGURATION_MD
set -euo pipefail
page=$1 pktlensd=$2 configuration_md=$3

warnings=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$page" 2>&1 >/dev/null)
if [ -n "$warnings" ]; then
  echo "man --warnings on $page:"; echo "$warnings"; exit 1
fi
text=$(MANWIDTH=1000 man -E ascii -l "$page" 2>/dev/null | col -bx)

missing=()
need() { grep -qF -- "$1" <<<"$text" || missing+=("$1"); }

subcommands=$("$pktlensd" --help | sed -n '/^Subcommands:/,$p' | awk 'NR > 1 && NF { print $1 }')
[ -n "$subcommands" ] || { echo "no subcommands in pktlensd --help"; exit 1; }
options() { grep -oE '^ +(-[a-zA-Z],)?--[a-z][a-z-]*' | grep -oE -- '--[a-z-]+'; }
for word in $subcommands $("$pktlensd" --help | options); do need "$word"; done
for sub in $subcommands; do
  for word in $("$pktlensd" "$sub" --help | options); do need "$word"; done
done

keys=$(sed -n '/^## Keys$/,/^### /p' "$configuration_md" | grep -oE '^\| \[`[^`]+`\]' | sed -E 's/^\| \[`([^`]+)`\]/\1/')
[ "$(wc -l <<<"$keys")" -ge 30 ] || { echo "too few keys read from $configuration_md: $keys"; exit 1; }
for key in $keys; do need "$key"; done

if [ ${#missing[@]} -gt 0 ]; then
  echo "$page does not mention: ${missing[*]}"; exit 1
fi
echo "$page: renders clean; names $(wc -w <<<"$subcommands") subcommands, every option and $(wc -l <<<"$keys") keys"
