# shellcheck shell=bash
# Sourced first by the tests that install casevault or look for an
# installed one (t_package installs the Debian package; t_roundtrip and
# t_helper_exec look for /usr/libexec/casevault/casevault-helper): they run
# one at a time, also across the two ctest passes scripts/test.sh runs side
# by side, where ctest's RESOURCE_LOCK does not reach.  The script runs
# again under flock(1), which holds the lock in its own process (-o: not in
# the gpg-agents and daemons the test starts, which outlive it).
[ -n "${CV_INSTALLED_LOCK:-}" ] || CV_INSTALLED_LOCK=1 exec flock -o /tmp/casevault-installed.lock bash "$0" "$@"
