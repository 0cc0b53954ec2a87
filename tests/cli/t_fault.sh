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
fault_coverage
fault_all one "${CV_FAULT_ONLY:-.}"
finish
