/*
 * libFuzzer target: dates as typed (cv_date_parse, base/date.c), the one
 * parser every DATE option, manifest date column and policy date goes
 * through (docs/commands/README.md, "Dates").  What is accepted must be a
 * real day that prints back the same, and the arithmetic the retention and
 * request deadlines use (docs/legal-rules.md §2, §12) must stay on real
 * days and never fall early.  Build with -DBUILD_FUZZERS=ON and clang;
 * run: scripts/fuzz.sh SECONDS
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "casevault/date.h"

static void check_sums(const cv_date *d, const uint8_t *data, size_t size)
{
	static const cv_date lo = { 1, 1, 1 }, hi = { 9999, 12, 31 };
	long first = cv_date_to_days(&lo), last = cv_date_to_days(&hi);
	cv_date o, back;
	int n = size > 11 ? (int)(data[11] % 240) - 120 : 7;
	long days = cv_date_to_days(d);

	cv_date_from_days(&back, days);
	if (cv_date_cmp(&back, d))
		abort();
	cv_date_add_days(&o, d, n);
	/* exact, or saturated at the first or last day a date can hold (base/date.c) */
	if (!cv_date_valid(&o) || (cv_date_to_days(&o) - days != n && cv_date_to_days(&o) != first &&
				   cv_date_to_days(&o) != last))
		abort();
	if (n < 0)
		n = -n;
	cv_date_add_months_clamp(&o, d, n);
	if (!cv_date_valid(&o) && o.y <= 9999)
		abort();
	cv_date_add_months_later(&o, d, n);
	if ((!cv_date_valid(&o) || cv_date_cmp(&o, d) < 0) && o.y <= 9999)
		abort();
	cv_date_add_years_later(&o, d, n % 100);
	if ((!cv_date_valid(&o) || cv_date_cmp(&o, d) < 0) && o.y <= 9999)
		abort();
	if (cv_date_weekday(d) < 0 || cv_date_weekday(d) > 6)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[32], out[11];
	cv_date d;
	size_t n = size < sizeof(s) - 1 ? size : sizeof(s) - 1;

	memcpy(s, data, n);
	s[n] = '\0';
	if (cv_date_parse(&d, s) != 0)
		return 0;
	if (!cv_date_valid(&d))
		abort();
	cv_date_format(&d, out);
	if (strcmp(out, s))
		abort();  /* accepted means written exactly YYYY-MM-DD */
	check_sums(&d, data, size);
	return 0;
}
