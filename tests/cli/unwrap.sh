# shellcheck shell=bash
# unwrap_key, shared by the tests (lib.sh) and the benchmarks (bench/bench_bundle.sh):
# the archive key unwrap of docs/recovery.md step 6, with sqlite3, bash,
# sha256sum and OpenSSL's libcrypto through python3 (aes_unwrap).

# aes_unwrap, as docs/recovery.md step 6 defines it: read from the doc, so
# that the tests run the very code a person following it runs.
eval "$(sed -n '/^aes_unwrap() {/,/^}/p' "${BASH_SOURCE[0]%/*}/../../docs/recovery.md")"

# _uw_esc HEX: the printf escapes of the bytes HEX.
_uw_esc() { local h=$1 i out=; for ((i = 0; i < ${#h}; i += 2)); do out+="\\x${h:i:2}"; done; printf '%s' "$out"; }
# _uw_hmac KEYHEX MSGHEX: HMAC-SHA-256 in bash and sha256sum, so that no key reaches a command line.
_uw_hmac() {
	local k=$1 i b ipad= opad= inner
	while [ ${#k} -lt 128 ]; do k+=00; done
	for ((i = 0; i < 128; i += 2)); do
		printf -v b '\\x%02x' $((0x${k:i:2} ^ 0x36)); ipad+=$b
		printf -v b '\\x%02x' $((0x${k:i:2} ^ 0x5c)); opad+=$b
	done
	# shellcheck disable=SC2059
	inner=$(printf "$ipad$(_uw_esc "$2")" | sha256sum | cut -c1-64)
	# shellcheck disable=SC2059
	printf "$opad$(_uw_esc "$inner")" | sha256sum | cut -c1-64
}

# unwrap_key SECTION_KEY DB FILE [KEYS_DB]: the key of archive FILE as
# docs/recovery.md unwraps it (HKDF-SHA-256 in bash, then AES key wrap with
# padding through libcrypto); DB is a vault.db, KEYS_DB its key store
# (default: keys.db beside DB).  Empty when the wrap's integrity check
# fails (the wrong section key, or an altered wrap).  No key reaches a
# command line: the KEK goes to the unwrap on standard input.
unwrap_key() {
	local sec gen w info kek ks=${4:-$(dirname "$2")/keys.db}
	IFS='|' read -r sec gen w < <(sqlite3 -readonly "$2" "SELECT section, key_gen, wrapped_key FROM archives WHERE file = '$3'")
	[ -n "$w" ] || w=$(sqlite3 -readonly "$ks" "SELECT wrapped_key FROM archive_keys WHERE file = '$3' AND key_gen = $gen")
	info=$(printf 'casevault archive-key wrap v2|%s|%s|%s' "$sec" "$gen" "$3" | od -An -v -tx1 | tr -d ' \n')
	kek=$(_uw_hmac "$(_uw_hmac "$(printf '%064d' 0)" "$1")" "${info}01")
	printf '%s\n%s\n' "$kek" "${w:6}" | aes_unwrap 2>/dev/null
}
