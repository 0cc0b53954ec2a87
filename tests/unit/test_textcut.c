/* Unit tests for base/textcut.c: titles shortened between words, UTF-8 safe. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/textcut.h"
#include "casevault/text.h"
#include "testutil.h"

static void test_cut_word(void **state)
{
	static const struct {
		const char *text;
		size_t max;
		const char *want;
	} rows[] = {
		{ "short enough", 80, "short enough" },
		{ "visit by Vera Quillfeather", 16, "visit by Vera" },       /* never "visit by Vera Qu" */
		{ "visit by Vera Quillfeather", 13, "visit by Vera" },       /* a space right after the cut */
		{ "visit by Vera, Quillfeather", 15, "visit by Vera" },      /* trailing punctuation dropped */
		{ "Anmeldung f\xc3\xbcr J\xc3\xbcrgen M\xc3\xbcller", 20, "Anmeldung f\xc3\xbcr" },
		{ "Supercalifragilisticexpialidocious", 10, "" },          /* one word longer than max */
	};
	size_t i;

	(void)state;
	for (i = 0; i < NROWS(rows); i++) {
		size_t n = cv_text_cut_word(rows[i].text, strlen(rows[i].text), rows[i].max);

		if (n != strlen(rows[i].want) || strncmp(rows[i].text, rows[i].want, n))
			fail_msg("row %zu: kept %zu bytes \"%.*s\", want \"%s\"", i, n, (int)n, rows[i].text, rows[i].want);
	}
}

static void test_cut_utf8(void **state)
{
	const char *s = "ab\xc3\xbc" "cd";  /* the u-umlaut at bytes 2-3 */

	(void)state;
	assert_int_equal(cv_text_cut(s, strlen(s), 3), 2);  /* never half of it */
	assert_int_equal(cv_text_cut(s, strlen(s), 4), 4);
	assert_int_equal(cv_text_cut(s, strlen(s), 10), 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cut_word),
		cmocka_unit_test(test_cut_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
