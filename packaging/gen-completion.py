#!/usr/bin/env python3
"""The bash completion of casevault, generated from its command table
('casevault help --commands': every command, its positional words and its
options, and the global options), so that a command added to the table is
completed without anyone editing this (docs/install.md, "Shell completion");
and casevaultd's, from its option table ('casevaultd --options').

  gen-completion.py CASEVAULT OUT              (CASEVAULT: the built program)
  gen-completion.py --daemon CASEVAULTD OUT

Completes the command words ("case" then "open"), a command's options and the
global ones after "-", file names where the table's words name a file (PATH,
FILE, DIR, .csv: cli_is_path_word in cli/main.c), and nothing where a value is
the office's own (a case id, a class, a name).
"""
import json
import subprocess
import sys


def is_path_word(w):
    return any(k in w for k in ("PATH", "FILE", "DIR", ".csv"))


def opt_words(opts):
    return [w for o in opts for w in (o["name"], o["short"]) if w]


def valued(opts, path):
    """The options (long and short) that take a value, or only those whose value is a file."""
    return [w for o in opts if o["arg"] and (not path or is_path_word(o["arg"]))
            for w in (o["name"], o["short"]) if w]


def case_arms(cmds, fn):
    arms = []
    for c in cmds:
        words = " ".join(fn(c))
        if words:
            arms.append("\t'%s') echo '%s' ;;" % (c["name"], words))
    return "\n".join(arms)


TEMPLATE = r'''# bash completion for casevault: generated at build time by
# packaging/gen-completion.py from 'casevault help --commands' (the command
# table, cli/): do not edit, change the table.
_casevault_commands='@COMMANDS@'
_casevault_globals='@GLOBALS@ --version'
_casevault_global_valued=' @GLOBAL_VALUED@ '
_casevault_global_paths=' @GLOBAL_PATHS@ '

# _casevault_table KIND COMMAND: the command's options (opts), those that take a
# value (valued), those whose value is a file (paths); "args" is "path" when a
# positional word names a file.
_casevault_table() {
	case "$1" in
	opts) case "$2" in
@OPTS@
	esac ;;
	valued) case "$2" in
@VALUED@
	esac ;;
	paths) case "$2" in
@PATHS@
	esac ;;
	args) case "$2" in
@ARGS@
	esac ;;
	esac
}

_casevault() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev= cmd= sofar= w i c valued
	local -a next=()
	[ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}
	COMPREPLY=()
	# The command: the longest run of words, options and their values left
	# out, that names one ("review", then "review approve" if it follows).
	local building=1
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		valued="$_casevault_global_valued $(_casevault_table valued "$cmd") "
		if [[ $w == -* ]]; then
			[[ $valued == *" $w "* ]] && ((i++))
			continue
		fi
		[ -n "$building" ] || continue
		c=${sofar:+$sofar }$w
		if [[ $'\n'$_casevault_commands$'\n' == *$'\n'"$c"$'\n'* ]]; then
			cmd=$c
		fi
		if [[ $'\n'$_casevault_commands == *$'\n'"$c "* ]]; then
			sofar=$c
		else
			building=
		fi
	done
	if [[ " $_casevault_global_paths $(_casevault_table paths "$cmd") " == *" $prev "* ]]; then
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return 0
	fi
	if [[ "$_casevault_global_valued $(_casevault_table valued "$cmd") " == *" $prev "* ]]; then
		return 0  # a value of the office's own: a case id, a class, a name
	fi
	if [[ $cur == -* ]]; then
		if [ -n "$cmd" ]; then
			# (a command may take a global option as its own: --passphrase-file)
			mapfile -t COMPREPLY < <(compgen -W "$(_casevault_table opts "$cmd") ${_casevault_globals% --version}" -- "$cur" | sort -u)
		else
			mapfile -t COMPREPLY < <(compgen -W "$_casevault_globals" -- "$cur")
		fi
		return 0
	fi
	if [ -n "$building" ]; then
		# the next word of every command that starts with the words so far
		while IFS= read -r c; do
			[ -n "$c" ] || continue
			if [ -z "$sofar" ]; then
				next+=("${c%% *}")
			elif [[ $c == "$sofar "* ]]; then
				c=${c#"$sofar "}
				next+=("${c%% *}")
			fi
		done <<<"$_casevault_commands"
		mapfile -t COMPREPLY < <(compgen -W "$(printf '%s\n' "${next[@]}" | sort -u)" -- "$cur")
		# a word that is no command's next is the command's own ("review R-000001")
		[ ${#COMPREPLY[@]} -eq 0 ] || return 0
	fi
	if [ "$(_casevault_table args "$cmd")" = path ]; then
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
	fi
	return 0
}
complete -F _casevault casevault
'''


DAEMON_TEMPLATE = r'''# bash completion for casevaultd: generated at build time by
# packaging/gen-completion.py from 'casevaultd --options' (its option table,
# service/main.c): do not edit, change the table.
_casevaultd() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=
	[ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}
	COMPREPLY=()
	case " @DIRS@ " in *" $prev "*) mapfile -t COMPREPLY < <(compgen -d -- "$cur"); return 0 ;; esac
	case " @FILES@ " in *" $prev "*) mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return 0 ;; esac
	case " @VALUED@ " in *" $prev "*) return 0 ;; esac
	[[ $cur == -* ]] && mapfile -t COMPREPLY < <(compgen -W "@OPTS@" -- "$cur")
	return 0
}
complete -F _casevaultd casevaultd
'''


def daemon(program, out):
    opts = json.loads(subprocess.run([program, "--options"], stdout=subprocess.PIPE,
                                     check=True).stdout)["options"]
    subst = {
        "@OPTS@": " ".join(opt_words(opts)),
        "@DIRS@": " ".join(w for o in opts if o["arg"] == "DIR" for w in (o["name"], o["short"]) if w),
        "@FILES@": " ".join(w for o in opts if o["arg"] in ("FILE", "PATH")
                            for w in (o["name"], o["short"]) if w),
        "@VALUED@": " ".join(valued(opts, False)),
    }
    write(DAEMON_TEMPLATE, subst, out)


def write(template, subst, out):
    for k, v in subst.items():
        template = template.replace(k, v)
    with open(out, "w", encoding="utf-8") as f:
        f.write(template)


def main():
    if sys.argv[1] == "--daemon":
        daemon(*sys.argv[2:4])
        return
    program, out = sys.argv[1:3]
    table = json.loads(subprocess.run([program, "help", "--commands"], stdout=subprocess.PIPE,
                                      check=True).stdout)
    cmds, glob = table["commands"], table["global_options"]
    subst = {
        "@COMMANDS@": "\n".join(c["name"] for c in cmds),
        "@GLOBALS@": " ".join(opt_words(glob)),
        "@GLOBAL_VALUED@": " ".join(valued(glob, False)),
        "@GLOBAL_PATHS@": " ".join(valued(glob, True)),
        "@OPTS@": case_arms(cmds, lambda c: opt_words(c["options"])),
        "@VALUED@": case_arms(cmds, lambda c: valued(c["options"], False)),
        "@PATHS@": case_arms(cmds, lambda c: valued(c["options"], True)),
        "@ARGS@": case_arms(cmds, lambda c: ["path"] if is_path_word(c["args"]) else []),
    }
    write(TEMPLATE, subst, out)


if __name__ == "__main__":
    main()
