/*
 * libFuzzer target: the policy parsers (retention.ini, filetypes.ini,
 * calendar.ini, redaction.ini) read files a person edits by hand.  The first
 * input byte picks the file kind; the rest is the file.  Build with
 * -DBUILD_FUZZERS=ON and clang; run: build-fuzz/fuzz_policy -max_total_time=60
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "casevault/common.h"
#include "casevault/policy.h"

static const char *names[] = { "retention.ini", "filetypes.ini", "calendar.ini", "redaction.ini" };
static char dir[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cv_problems probs = CV_PROBLEMS_INIT;
	char path[128];
	FILE *f;

	if (size < 1)
		return 0;
	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/cvfuzz.XXXXXX");
		if (!mkdtemp(dir))
			abort();
	}
	snprintf(path, sizeof(path), "%s/%s", dir, names[data[0] % 4]);
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
