# casevault benchmarks: shared set-up, sourced by bench_purge.sh and
# bench_scale.sh.  Sets W to a new temporary directory under /tmp, removed
# on exit with every gpg-agent started for a vault in it, and clears the
# environment a vault command would otherwise follow.
W=$(mktemp -d /tmp/cvb.XXXXXX)
bench_cleanup() {
	local d
	for d in "$W"/*/gnupg; do [ -d "$d" ] && GNUPGHOME=$d gpgconf --kill all 2>/dev/null; done
	rm -rf "$W"
}
trap bench_cleanup EXIT
unset CASEVAULT_DIR CASEVAULT_PASSPHRASE_FILE
