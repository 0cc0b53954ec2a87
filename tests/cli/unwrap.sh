# shellcheck shell=bash
# unwrap_key, shared by the tests (lib.sh) and the benchmarks (bench/bench_bundle.sh):
# the archive key unwrap of docs/recovery.md step 6, with sqlite3 and openssl.

# unwrap_key SECTION_KEY DB FILE [KEYS_DB]: the key of archive FILE as
# docs/recovery.md unwraps it (HKDF-SHA-256, then AES key wrap with padding),
# here with stock openssl kdf and enc; DB is a vault.db, KEYS_DB its key
# store (default: keys.db beside DB).  Empty when the wrap's integrity check
# fails (the wrong section key, or an altered wrap).
unwrap_key() {
	local sec gen w kek ks=${4:-$(dirname "$2")/keys.db}
	IFS='|' read -r sec gen w < <(sqlite3 -readonly "$2" "SELECT section, key_gen, wrapped_key FROM archives WHERE file = '$3'")
	[ -n "$w" ] || w=$(sqlite3 -readonly "$ks" "SELECT wrapped_key FROM archive_keys WHERE file = '$3' AND key_gen = $gen")
	kek=$(openssl kdf -binary -keylen 32 -kdfopt digest:SHA256 -kdfopt hexkey:"$1" \
		-kdfopt info:"casevault archive-key wrap v2|$sec|$gen|$3" HKDF | od -An -v -tx1 | tr -d ' \n')
	w=$(sed 's/../\\x&/g' <<<"${w:6}")
	# shellcheck disable=SC2059
	printf "$w" | openssl enc -d -id-aes256-wrap-pad -K "$kek" -iv A65959A6 2>/dev/null | od -An -v -tx1 | tr -d ' \n'
}
