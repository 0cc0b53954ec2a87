# casevault benchmarks: English-like case-note text, each note different.
# Writes per notes into each of cases directories dir/cNNN/ (made by the
# caller); used by bench_import.sh and bench_scale.sh.
#   awk -v cases=N -v per=N -v dir=DIR [-v path=FMT] [-v lo=BYTES -v span=BYTES] -f gen_notes.awk
# path: printf format of a note's path from dir, case and note numbers
# (default "%s/c%03d/n%02d.txt"); each note is lo to lo+span bytes long
# (default 1800 and 500).  The seed is fixed: the same arguments make the
# same notes.
BEGIN {
	if (path == "") path = "%s/c%03d/n%02d.txt"
	if (lo == "") lo = 1800
	if (span == "") span = 500
	srand(20261128)
	nw = split("the a and to of with about parent mother father carer child school teacher " \
		"SENCO meeting review plan support report asked said agreed phoned visited home " \
		"next week Monday Tuesday Wednesday Thursday Friday appointment letter email " \
		"EHCP annual draft needs assessment speech language therapy reading maths class " \
		"attendance worried happy progress concerns follow up send copy local authority " \
		"officer tribunal deadline evidence form consent share information discussed " \
		"options transport lunch behaviour sleep health visitor GP referral waiting list " \
		"was were is will would could should has had have not also then after before " \
		"because when while that this these those we they she he it our their", w, " ")
	kinds[0] = "Case note"; kinds[1] = "Phone call with parent"; kinds[2] = "Meeting note"
	for (c = 1; c <= cases; c++)
		for (k = 1; k <= per; k++) {
			f = sprintf(path, dir, c, k)
			target = lo + int(rand() * span)
			s = sprintf("%s %d, case %d: %s %s\n\n", kinds[k % 3], k, c, w[1 + int(rand() * nw)], w[1 + int(rand() * nw)])
			line = ""; cap = 1
			while (length(s) + length(line) < target) {
				word = w[1 + int(rand() * nw)]
				if (cap) { word = toupper(substr(word, 1, 1)) substr(word, 2); cap = 0 }
				line = line (line == "" ? "" : " ") word
				if (rand() < 0.09) { line = line "."; cap = 1 }
				if (length(line) > 70) { s = s line "\n"; line = "" }
			}
			s = s line ".\n"
			printf "%s", s > f
			close(f)
		}
}
