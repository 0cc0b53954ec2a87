/*
 * Unit tests for vault/ops/search_words.c: a word set holds each word of
 * the text once, folded as search's matcher folds it (ASCII letters; other
 * bytes kept), sorted, one a line, padded with empty lines to a power of
 * two of at least 256 bytes (docs/security.md, Search).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ops/search_words.h"

/* The words of a set, without its padding. */
static size_t unpadded(const char *set)
{
	size_t n = strlen(set);

	while (n > 0 && set[n - 1] == '\n' && (n < 2 || set[n - 2] == '\n'))
		n--;
	return n;
}

static void test_words(void **state)
{
	char *set = cv_search_wordset("The school said JANE DOE was absent. Jane's school: absent, ABSENT!");

	(void)state;
	assert_non_null(set);
	assert_int_equal(unpadded(set), strlen("absent\ndoe\njane\ns\nsaid\nschool\nthe\nwas\n"));
	assert_memory_equal(set, "absent\ndoe\njane\ns\nsaid\nschool\nthe\nwas\n", unpadded(set));
	assert_int_equal(strlen(set) + 1, 256);
	cv_search_words_free(set);
}

static void test_non_ascii(void **state)
{
	/* "Café CAFÉ": the ASCII letters fold, the é (two bytes) stays as written */
	char *set = cv_search_wordset("Caf\xc3\xa9 CAF\xc3\x89 caf\xc3\xa9-au-lait 2026");

	(void)state;
	assert_non_null(set);
	assert_memory_equal(set, "2026\nau\ncaf\xc3\x89\ncaf\xc3\xa9\nlait\n", unpadded(set));
	cv_search_words_free(set);
}

static void test_padding(void **state)
{
	char text[2000], *set;
	size_t i;

	(void)state;
	set = cv_search_wordset("");
	assert_non_null(set);
	assert_int_equal(strlen(set) + 1, 256);
	assert_int_equal(unpadded(set), 0);
	cv_search_words_free(set);
	for (i = 0; i < sizeof(text) - 1; i++)
		text[i] = (i % 7 == 6) ? ' ' : (char)('a' + (i * 7 + i / 7) % 26);
	text[sizeof(text) - 1] = '\0';
	set = cv_search_wordset(text);
	assert_non_null(set);
	/* a power of two, all of it lines */
	assert_int_equal((strlen(set) + 1) & strlen(set), 0);
	assert_true(strlen(set) + 1 >= 256);
	cv_search_words_free(set);
}

static void test_word_byte(void **state)
{
	(void)state;
	assert_true(cv_search_word_byte('a'));
	assert_true(cv_search_word_byte('Z'));
	assert_true(cv_search_word_byte('7'));
	assert_true(cv_search_word_byte(0xc3));
	assert_false(cv_search_word_byte('-'));
	assert_false(cv_search_word_byte('\''));
	assert_false(cv_search_word_byte('\n'));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_non_ascii),
		cmocka_unit_test(test_padding),
		cmocka_unit_test(test_word_byte),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
