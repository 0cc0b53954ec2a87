/*
 * libFuzzer target: the policy parsers (retention.ini, filetypes.ini,
 * calendar.ini, redaction.ini, disclosure-letter.txt) read files a person
 * edits by hand, through cv_policy_check_file as `policy check` and
 * `policy adopt` do (docs/policy-retention.md).  The first input byte picks
 * the file kind; the rest is the file.  Kind 5 loads a whole policy from
 * memory (cv_policy_load_mem, the last good policy kept in the index): the
 * rest is retention.ini, a NUL, then filetypes.ini; a policy that loads
 * must answer for each of its classes and types.  Build with
 * -DBUILD_FUZZERS=ON and clang; run: scripts/fuzz.sh SECONDS
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "casevault/common.h"
#include "casevault/policy.h"

static const char *names[] = { "retention.ini", "filetypes.ini", "calendar.ini", "redaction.ini",
			       "disclosure-letter.txt" };
static char dir[64];

static void load_mem(const uint8_t *data, size_t size)
{
	cv_problems probs = CV_PROBLEMS_INIT;
	const uint8_t *nul = memchr(data, '\0', size);
	size_t rlen = nul ? (size_t)(nul - data) : size;
	cv_policy *p = NULL;
	size_t i;

	if (cv_policy_load_mem(&p, (const char *)data, rlen, nul ? (const char *)nul + 1 : "",
			       nul ? size - rlen - 1 : 0, &probs) == 0) {
		if (!p || strlen(cv_policy_hash(p)) != 64 || cv_policy_keystore_backup_days(p) < 1)
			abort();
		for (i = 0; i < cv_policy_class_count(p); i++)
			if (cv_policy_class(p, cv_policy_class_at(p, i)->name) != cv_policy_class_at(p, i))
				abort();
		for (i = 0; i < cv_policy_filetype_count(p); i++)
			if (!cv_policy_filetype(p, cv_policy_filetype_at(p, i)->mime))
				abort();
	}
	cv_policy_free(p);
	cv_problems_release(&probs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cv_problems probs = CV_PROBLEMS_INIT;
	char path[128];
	FILE *f;

	if (size < 1)
		return 0;
	if (data[0] % 6 == 5) {
		load_mem(data + 1, size - 1);
		return 0;
	}
	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/cvfuzz.XXXXXX");
		if (!mkdtemp(dir))
			abort();
	}
	snprintf(path, sizeof(path), "%s/%s", dir, names[data[0] % 6]);
	f = fopen(path, "wb");
	if (!f)
		abort();
	fwrite(data + 1, 1, size - 1, f);
	fclose(f);
	cv_policy_check_file(path, &probs);
	cv_problems_release(&probs);
	unlink(path);
	return 0;
}
