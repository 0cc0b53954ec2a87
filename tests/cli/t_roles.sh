#!/bin/bash
# Each role can do exactly what its row of the role table allows,
# and every refusal is one clear line; the child-protection file is separated
# cryptographically; staff names are never in clear.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

new_test_vault
C=$(new_case "Roles Parent" "Roles Child" 2015-01-01)
make_docs "$T/d"
declare -A ID
for r in caseworker cp-lead volunteer auditor; do
	ID[$r]=$("$CV" staff add "Zelda Staffperson-$r" --role "$r" --no-passphrase)
	"$CV" staff attest "${ID[$r]}" >/dev/null
done
ID[manager]=S-0001
# a caseworker works in the cases assigned to them (docs/security.md, Case assignment; t_assign.sh)
"$CV" case assign "$C" "${ID[caseworker]}" >/dev/null
"$CV" file "$C" "$T/d/letter.pdf" --class letter >/dev/null          # R-000001
"$CV" note "$C" --class cp-note --cp --text "CP concern one" >/dev/null  # R-000002

# can ROLE ACTION...: 0 when allowed.  Refusals must be one line naming the rule.
declare -A ACTIONS=(
	[note]="note $C --class phone-call --text x"
	[file]="file $C $T/d/scan.png --class letter --allow-duplicate"
	[file-cp]="note $C --class cp-note --cp --text y"
	[ls]="ls $C"
	[ls-cp]="ls $C --cp"
	[get]="get R-000001"
	[get-cp]="get R-000002"
	[case-show]="case show $C"
	[case-list]="case list"
	[case-names]="case list --names"
	[case-open]="case open --parent A --child B --child-dob 2016-01-01 --pr-confirmed"
	[verify]="verify"
	[staff-add]="staff add Someone --role volunteer --no-passphrase"
	[staff-names]="staff list --names"
	[audit-show]="audit show"
	[audit-verify]="audit verify"
	[recompute]="retention recompute"
)
# The role table (1 = allowed), columns: volunteer caseworker cp-lead manager auditor
declare -A TABLE=(
	[note]="1 1 1 1 0"        [file]="0 1 1 1 0"       [file-cp]="0 0 1 1 0"
	[ls]="0 1 1 1 0"          [ls-cp]="0 0 1 1 0"      [get]="0 1 1 1 0"
	[get-cp]="0 0 1 1 0"      [case-show]="0 1 1 1 0"  [case-list]="1 1 1 1 1"
	[case-names]="0 1 1 1 0"  [case-open]="0 1 1 1 0" [verify]="0 1 1 1 0"
	[staff-add]="0 0 0 1 0"   [staff-names]="0 0 0 1 0"
	[audit-show]="0 0 0 1 1"  [audit-verify]="0 0 0 1 1"
	[recompute]="0 0 0 1 0"
)
roles=(volunteer caseworker cp-lead manager auditor)
for a in "${!ACTIONS[@]}"; do
	read -r -a want <<<"${TABLE[$a]}"
	for i in "${!roles[@]}"; do
		role=${roles[$i]}
		# shellcheck disable=SC2086
		run_cv --as "${ID[$role]}" ${ACTIONS[$a]}
		lines=$(printf '%s' "$ERR" | grep -c '')
		if [ "${want[$i]}" = 1 ]; then
			if [ "$RC" -eq 0 ]; then ok "$role may $a"; else fail "$role may $a, but: $ERR"; fi
		else
			if [ "$RC" -eq 1 ] && [ "$lines" -eq 1 ] && grep -q "may not" <<<"$ERR"; then
				ok "$role may not $a ($ERR)"
			else
				fail "$role may not $a: exit $RC: $ERR"
			fi
		fi
	done
done

# Attestation and revocation gate every command.
CASEVAULT_TODAY=2028-01-01 run_cv --as "${ID[caseworker]}" ls "$C"
check "an attestation older than 12 months is refused" grep -q "more than 12 months ago; renew it" <<<"$ERR"
CASEVAULT_TODAY=2028-01-01 run_cv --as "${ID[caseworker]}" staff attest "${ID[caseworker]}"
check "anyone may renew their own attestation" test "$RC" -eq 0
CASEVAULT_TODAY=2028-01-01 run_cv --as "${ID[caseworker]}" ls "$C"
check "after renewing, the caseworker acts again" test "$RC" -eq 0

# The CP file is separated cryptographically: a caseworker's keyslip, opened
# with stock gpg outside casevault, holds no cp key, and the case key opens
# no CP archive key.
G=$T/g
cp -a "$V/gnupg" "$G"
slip=$(sqlite3 "$V/vault.db" "SELECT slip FROM keyslips WHERE staff_id = '${ID[caseworker]}'")
printf '%s\n' "$slip" | GNUPGHOME=$G gpg --batch --quiet --decrypt >"$T/slip.txt" 2>/dev/null
check "the caseworker's keyslip opens (their own key)" grep -q '^case ' "$T/slip.txt"
check "it holds no child-protection key" bash -c "! grep -q '^cp ' '$T/slip.txt'"
casekey=$(awk '$1 == "case" {print $2}' "$T/slip.txt")
cparch=$(sqlite3 "$V/vault.db" "SELECT file FROM archives WHERE section = 'cp' LIMIT 1")
casearch=$(sqlite3 "$V/vault.db" "SELECT file FROM archives WHERE section = 'case' LIMIT 1")
check "control: the recovery procedure with the case key opens a case archive" \
	opens_archive "$G" "$(unwrap_key "$casekey" "$V/vault.db" "$casearch")" "$V/archives/$casearch"
if opens_archive "$G" "$(unwrap_key "$casekey" "$V/vault.db" "$cparch")" "$V/archives/$cparch"; then
	fail "the case key opened a CP archive"
else
	ok "the case key, through the recovery procedure, does not open a CP archive"
fi
if opens_archive "$G" "$casekey" "$V/archives/$cparch"; then
	fail "the case key decrypted a CP archive directly"
else
	ok "the case key does not decrypt a CP archive directly"
fi
GNUPGHOME=$G gpgconf --kill all 2>/dev/null

# Staff names are sealed; gpg user ids are neutral (staff ids, and the purge key's own).
check "no staff name in clear anywhere under the vault" bash -c "! grep -r -a -l 'Staffperson' '$V'"
check "gpg user ids name no one" bash -c "! GNUPGHOME='$V/gnupg' gpg --list-keys --with-colons 2>/dev/null | grep '^uid' | grep -v 'casevault staff S-\\|casevault purge key <purge@casevault.invalid>'"
finish
