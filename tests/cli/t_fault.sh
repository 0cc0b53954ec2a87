#!/bin/bash
# Fault injection in every mutating command (docs/recovery.md, "Fault
# injection"; tests/fault/fault_lib.sh): each command is killed, or one of
# its disk calls fails with EIO or ENOSPC, at one call chosen from its clean
# run; the vault must then verify, hold the state before or after the
# command, take the next command, and keep no temporary file, helper or
# plaintext.  bench/fault_sweep.sh tries every call of every command.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"
source "$CV_SOURCE_DIR/tests/fault/fault_lib.sh"

fault_template
# CV_FAULT_SHARD=K/N: this run's share of the commands (tests/CMakeLists.txt); the
# checks below run once, in the first share
case ${CV_FAULT_SHARD:-0/1} in 0/*) first=1 ;; *) first= ;; esac
[ -z "$first" ] || fault_coverage
fault_all one "${CV_FAULT_ONLY:-.}"
[ -n "$first" ] || finish

# A backup killed while it stages leaves VAULT/backup-tmp.XXXXXX with a copy
# of the key store (docs/recovery.md, Interrupted commands): the next
# writing command, not only the next backup, removes it.
fault_fresh
CV_FAULT_COUNT=$T/count LD_PRELOAD=$SHIM "$CV" backup "$T/o/b.pgp" --keys "$T/o/k.pgp" --secret-file "$T/secret" >/dev/null 2>&1
half=$(( $(cat "$T/count") / 2 ))
fault_fresh
{ CV_FAULT=$half:kill LD_PRELOAD=$SHIM "$CV" backup "$T/o/b.pgp" --keys "$T/o/k.pgp" --secret-file "$T/secret" >/dev/null 2>&1; } 2>/dev/null
check "a backup killed at call $half left its staging directory" sh -c "ls -d '$V'/backup-tmp.* >/dev/null 2>&1"
run_cv note "$A" --class phone-call --text "after the killed backup"
check "the next writing command works" test "$RC" -eq 0
check "and removed the staging directory with its key store copy" sh -c "! ls -d '$V'/backup-tmp.* 2>/dev/null"
finish
