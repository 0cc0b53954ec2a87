# shellcheck shell=bash
# via_key DIR: the name, under $CASEVAULT_VIA_RUN, of the files of DIR's
# daemon when a test runs through casevaultd (socket, pid, lock, log, day):
# sourced by tests/cli/via_service.sh, which starts the daemon, and
# tests/cli/lib.sh, which stops it before a snapshot or a restore.
via_key() { printf '%s' "$1" | sha256sum | cut -c1-12; }
