/* Unit tests for vault/redact.c and vault/redpolicy.c: the redaction engine, fingerprints, the policy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "rules/redpolicy.h"

static cv_redactor *mk(void)
{
	cv_redactor *rd = NULL;

	assert_int_equal(cv_redactor_new(&rd, "[redacted]"), 0);
	return rd;
}

static void expect_red(cv_redactor *rd, const char *in, const char *want)
{
	char *out = NULL;

	assert_int_equal(cv_redactor_string(rd, in, &out), 0);
	if (strcmp(out, want))
		fail_msg("redact(\"%s\")\n  got  \"%s\"\n  want \"%s\"", in, out, want);
	free(out);
}

static int no_first(void *hook, const char *first)
{
	return strcasecmp(first, (const char *)hook) != 0;
}

static void test_name_variants(void **state)
{
	cv_redactor *rd = mk();

	(void)state;
	assert_int_equal(cv_redactor_add_name(rd, "Mrs Patricia Anne Jones-Hughes", 3, 4, NULL, NULL), 0);
	expect_red(rd, "Mrs Patricia Anne Jones-Hughes called.", "[redacted] called.");
	expect_red(rd, "patricia jones-hughes said", "[redacted] said");
	expect_red(rd, "Mrs Jones-Hughes and Mr Hughes; JONES too", "Mrs [redacted] and Mr [redacted]; [redacted] too");
	expect_red(rd, "Patricia's view, the Hughes's car, the Joneses", "[redacted] view, the [redacted] car, the [redacted]");
	expect_red(rd, "Patricia\n   Jones-Hughes across a line", "[redacted] across a line");
	/* word boundaries: not inside longer words */
	expect_red(rd, "Jonesborough, Hughesy, Patriciate", "Jonesborough, Hughesy, Patriciate");
	/* a curly apostrophe */
	expect_red(rd, "Patricia\xe2\x80\x99s dog", "[redacted] dog");
	cv_redactor_free(rd);
}

static void test_short_and_shared_first_names(void **state)
{
	cv_redactor *rd = mk();

	(void)state;
	/* first name "Sam" is 3 letters (< 4): not alone; surname "Li" is 2 (< 3): not alone */
	assert_int_equal(cv_redactor_add_name(rd, "Sam Li", 3, 4, NULL, NULL), 0);
	expect_red(rd, "Sam Li rang; Sam said Li was out", "[redacted] rang; Sam said Li was out");
	/* "Alex" is also the requester's first name: never redacted alone */
	assert_int_equal(cv_redactor_add_name(rd, "Alex Brown", 3, 4, no_first, "alex"), 0);
	expect_red(rd, "Alex Brown and Alex; Brown", "[redacted] and Alex; [redacted]");
	cv_redactor_free(rd);
}

static void test_protect(void **state)
{
	cv_redactor *rd = mk();

	(void)state;
	/* a third party sharing the requester's surname */
	assert_int_equal(cv_redactor_add_name(rd, "Pat Smith", 3, 4, NULL, NULL), 0);
	assert_int_equal(cv_redactor_add_term(rd, "Alex Smith", CV_TERM_PROTECT), 0);
	expect_red(rd, "Alex Smith met Pat Smith; Smith agreed", "Alex Smith met [redacted]; [redacted] agreed");
	cv_redactor_free(rd);
}

static void test_phones_and_patterns(void **state)
{
	cv_redactor *rd = mk();
	char err[128];

	(void)state;
	assert_int_equal(cv_redactor_add_phone(rd, "07700 900123"), 0);
	expect_red(rd, "ring 07700900123 or 07700-900-123 or (07700) 900 123 or +44 7700 900123.",
		   "ring [redacted] or [redacted] or ([redacted] or +[redacted].");
	expect_red(rd, "207700900123 is another number", "207700900123 is another number");
	assert_int_equal(cv_redactor_add_term(rd, "vera.q@example.org", CV_TERM_REDACT), 0);
	expect_red(rd, "mail VERA.Q@EXAMPLE.ORG now", "mail [redacted] now");
	assert_int_equal(cv_redactor_add_pattern(rd, "[0-9]{3}[[:space:]-]?[0-9]{3}[[:space:]-]?[0-9]{4}", err, sizeof(err)), 0);
	expect_red(rd, "NHS 943 476 5919.", "NHS [redacted].");
	/* not part of a longer number */
	expect_red(rd, "ref 99434765919", "ref 99434765919");
	assert_int_equal(cv_redactor_add_pattern(rd, "([", err, sizeof(err)), CV_EINVAL);
	assert_true(err[0] != '\0');
	assert_int_equal(cv_redactor_add_phone(rd, "12"), CV_EINVAL);
	assert_int_equal(cv_redactor_add_term(rd, "   ", 0), CV_EINVAL);
	cv_redactor_free(rd);
}

struct buf {
	char *p;
	size_t n, a;
};

static int sink(void *hook, const void *b, size_t n)
{
	struct buf *s = hook;

	if (s->n + n > s->a) {
		s->a = (s->n + n) * 2;
		s->p = realloc(s->p, s->a);
		if (!s->p)
			return -1;
	}
	memcpy(s->p + s->n, b, n);
	s->n += n;
	return 0;
}

/* A name at every offset around the 64 KiB window edge, fed in odd pieces, is always replaced. */
static void test_streaming_window_edges(void **state)
{
	size_t sizes[] = { 1, 7, 4096, 65536, 100000 };
	size_t pre, si;

	(void)state;
	for (si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++)
		for (pre = 65536 - 40; pre < 65536 + 20; pre += 3) {
			cv_redactor *rd = mk();
			struct buf out = { NULL, 0, 0 };
			size_t len = pre + 200, off;
			char *in = malloc(len + 1);
			char *want;

			assert_int_equal(cv_redactor_add_name(rd, "Patricia Jones", 3, 4, NULL, NULL), 0);
			memset(in, 'x', len);
			for (off = 0; off < len; off += 50)
				in[off] = ' ';
			in[pre - 1] = ' ';
			memcpy(in + pre, "Patricia   \n Jones ", 19);
			in[len] = '\0';
			for (off = 0; off < len; off += sizes[si]) {
				size_t n = len - off < sizes[si] ? len - off : sizes[si];
				assert_int_equal(cv_redactor_feed(rd, in + off, n, sink, &out), 0);
			}
			assert_int_equal(cv_redactor_finish(rd, sink, &out), 0);
			want = malloc(len + 1);
			memcpy(want, in, pre);
			memcpy(want + pre, "[redacted] ", 11);
			memcpy(want + pre + 11, in + pre + 19, len - pre - 19);
			if (out.n != len - 8 || memcmp(out.p, want, out.n))
				fail_msg("name at offset %zu, pieces of %zu: not replaced exactly", pre, sizes[si]);
			assert_int_equal(cv_redactor_hits(rd), 1);
			free(in);
			free(want);
			free(out.p);
			cv_redactor_free(rd);
		}
}

static int count_sink(void *hook, const void *b, size_t n)
{
	(void)b;
	*(size_t *)hook += n;
	return 0;
}

/* 20 MB through the redactor: output size exact, hits counted; memory is a fixed window. */
static void test_large_stream(void **state)
{
	cv_redactor *rd = mk();
	char chunk[8192];
	size_t i, total = 0, outn = 0;
	const char *line = "A line mentioning Patricia Jones and 07700 900123, then text.\n";
	size_t ll = strlen(line), k;

	(void)state;
	assert_int_equal(cv_redactor_add_name(rd, "Patricia Jones", 3, 4, NULL, NULL), 0);
	assert_int_equal(cv_redactor_add_phone(rd, "07700 900123"), 0);
	for (k = 0; k + ll <= sizeof(chunk); k += ll)
		memcpy(chunk + k, line, ll);
	for (i = 0; i < 2560; i++) {
		assert_int_equal(cv_redactor_feed(rd, chunk, k, count_sink, &outn), 0);
		total += k;
	}
	assert_int_equal(cv_redactor_finish(rd, count_sink, &outn), 0);
	assert_int_equal(cv_redactor_hits(rd), 2 * (total / ll));
	/* "Patricia Jones" (14) and "07700 900123" (12) each become "[redacted]" (10) */
	assert_int_equal(outn, total - (total / ll) * (4 + 2));
	cv_redactor_free(rd);
}

static void test_nul_is_refused(void **state)
{
	cv_redactor *rd = mk();
	struct buf out = { NULL, 0, 0 };

	(void)state;
	assert_int_equal(cv_redactor_add_term(rd, "Jones", 0), 0);
	/* UTF-16 text hides every name between NUL bytes: refused, not passed */
	assert_int_equal(cv_redactor_feed(rd, "J\0o\0n\0e\0s\0", 10, sink, &out), CV_EINVAL);
	assert_int_equal(cv_redactor_finish(rd, sink, &out), CV_EINVAL);
	/* and the next document starts clean */
	assert_int_equal(cv_redactor_feed(rd, "Jones", 5, sink, &out), 0);
	assert_int_equal(cv_redactor_finish(rd, sink, &out), 0);
	free(out.p);
	cv_redactor_free(rd);
}

static void test_fingerprints(void **state)
{
	cv_fprint *fp = NULL;
	const char *withheld = "The child disclosed bruising to the class teacher on Monday; a referral was made to the LADO after the strategy discussion with police.";
	char big[200000];
	size_t i;

	(void)state;
	assert_int_equal(cv_fprint_new(&fp), 0);
	/* fed in pieces of 3 bytes */
	for (i = 0; i < strlen(withheld); i += 3)
		cv_fprint_add(fp, withheld + i, strlen(withheld + i) < 3 ? strlen(withheld + i) : 3);
	cv_fprint_add_end(fp);
	assert_true(cv_fprint_count(fp) > 0);
	/* 60 characters of it, with other case and spacing, inside other text: found */
	assert_int_equal(cv_fprint_scan(fp, "Summary. THE CHILD  disclosed\nbruising to the class teacher on Monday; a referral was ", 82), 1);
	cv_fprint_scan_end(fp);
	/* a common phrase shorter than a shingle: not found */
	assert_int_equal(cv_fprint_scan(fp, "the strategy discussion with police", 35), 0);
	cv_fprint_scan_end(fp);
	/* across a long unrelated text split anywhere */
	memset(big, 'a', sizeof(big));
	for (i = 0; i < sizeof(big); i += 7)
		big[i] = ' ';
	memcpy(big + 100000, withheld + 10, 70);
	assert_int_equal(cv_fprint_scan(fp, big, 100005), 0);
	assert_int_equal(cv_fprint_scan(fp, big + 100005, sizeof(big) - 100005), 1);
	cv_fprint_scan_end(fp);
	cv_fprint_free(fp);
}

static char *write_tmp(const char *name, const char *text)
{
	char *dir = strdup("/tmp/cvred.XXXXXX"), *path = NULL;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(dir);
	return path;
}

static void rm_tmp(char *path)
{
	char *d = strdup(path);

	unlink(path);
	*strrchr(d, '/') = '\0';
	rmdir(d);
	free(d);
	free(path);
}

static void test_shipped_policy(void **state)
{
	cv_rpolicy *p = NULL;
	cv_problems probs = CV_PROBLEMS_INIT;

	(void)state;
	assert_int_equal(cv_rpolicy_load(&p, CV_TEST_SOURCE_DIR "/policies/redaction.ini",
					 CV_TEST_SOURCE_DIR "/policies/disclosure-letter.txt", &probs), 0);
	assert_int_equal(probs.n, 0);
	assert_string_equal(p->marker, "[redacted]");
	assert_int_equal(p->case_text, CV_DEC_REDACT);
	assert_int_equal(p->case_other, CV_DEC_NEEDED);
	assert_int_equal(p->case_other_none, CV_DEC_RELEASE);
	assert_non_null(cv_rpolicy_ground(p, "sch3-para21"));
	assert_true(cv_rpolicy_is_text(p, "text/plain"));
	/* the types whose words the formats layer extracts (docs/policy-redaction.md, [text]) */
	assert_true(cv_rpolicy_is_text(p, "message/rfc822"));
	assert_true(cv_rpolicy_is_text(p, "application/pdf"));
	assert_false(cv_rpolicy_is_text(p, "image/jpeg"));
	assert_int_equal(strlen(p->hash), 64);
	cv_rpolicy_free(p);
	assert_int_equal(cv_letter_check_file(CV_TEST_SOURCE_DIR "/policies/disclosure-letter.txt", NULL), 0);
}

static void test_policy_errors(void **state)
{
	cv_problems probs = CV_PROBLEMS_INIT;
	char *path;
	size_t i;
	int seen_regex = 0, seen_cp = 0, seen_key = 0, seen_section = 0;

	(void)state;
	path = write_tmp("redaction.ini",
		"[defaults]\n"                          /* 1 */
		"cp = release\n"                        /* 2 */
		"cp-ground = sch3-para21\n"             /* 3 */
		"colour = blue\n"                       /* 4 */
		"[text]\ntext/plain = yes\n"            /* 5, 6 */
		"[patterns]\n"                          /* 7 */
		"uk-phone = ([0-9\n"                    /* 8 */
		"[grounds]\nsch3-para21 = child abuse data\n"  /* 9, 10 */
		"[letter]\noffice = X\n"                /* 11, 12 */
		"[colours]\n");                         /* 13 */
	assert_int_equal(cv_redaction_check_file(path, &probs), CV_EPOLICY);
	for (i = 0; i < probs.n; i++) {
		if (probs.items[i].line == 8 && strstr(probs.items[i].msg, "uk-phone"))
			seen_regex = 1;
		if (probs.items[i].line == 2 && strstr(probs.items[i].msg, "withhold"))
			seen_cp = 1;
		if (probs.items[i].line == 4 && strstr(probs.items[i].msg, "colour"))
			seen_key = 1;
		if (probs.items[i].line == 13)
			seen_section = 1;
	}
	assert_true(seen_regex && seen_cp && seen_key && seen_section);
	cv_problems_release(&probs);
	rm_tmp(path);

	path = write_tmp("disclosure-letter.txt", "Dear {{requester}},\n\nyour {{secret}} is due {{due}}\n");
	assert_int_equal(cv_letter_check_file(path, &probs), CV_EPOLICY);
	assert_int_equal(probs.n, 1);
	assert_int_equal(probs.items[0].line, 3);
	cv_problems_release(&probs);
	rm_tmp(path);
}

/* cv_redactor_matches: each matched text once, white space folded, protected names left out, rd untouched. */
static void test_matches(void **state)
{
	cv_redactor *rd = mk();
	char **m = NULL, err[128];
	size_t n = 0;
	const char *text = "Patricia Jones rang.  patricia\n  JONES again; Mr Jones's phone 07700 900456.\nAlex Jones wrote.";

	(void)state;
	assert_int_equal(cv_redactor_add_name(rd, "Patricia Jones", 3, 4, NULL, NULL), 0);
	assert_int_equal(cv_redactor_add_phone(rd, "07700 900456"), 0);
	assert_int_equal(cv_redactor_add_term(rd, "Alex Jones", CV_TERM_PROTECT), 0);
	assert_int_equal(cv_redactor_add_pattern(rd, "[0-9]{3}-[0-9]{4}", err, sizeof(err)), 0);
	assert_int_equal(cv_redactor_matches(rd, text, strlen(text), &m, &n), 0);
	/* "Patricia Jones" and "patricia JONES" are one text; "Jones's" another; the protected name is not a match */
	assert_int_equal(n, 3);
	assert_string_equal(m[0], "Patricia Jones");
	assert_string_equal(m[1], "Jones's");
	assert_string_equal(m[2], "07700 900456");
	cv_redactor_matches_free(m, n);
	assert_int_equal(cv_redactor_hits(rd), 0);
	assert_int_equal(cv_redactor_matches(rd, "nothing here", 12, &m, &n), 0);
	assert_int_equal(n, 0);
	cv_redactor_matches_free(m, n);
	assert_int_equal(cv_redactor_matches(rd, "a\0b", 3, &m, &n), CV_EINVAL);
	/* the streaming state is still the redactor's own */
	expect_red(rd, "Call Patricia.", "Call [redacted].");
	cv_redactor_free(rd);
}

/* cv_fprint_scan_text finds a withheld passage in one text without touching the streaming scan. */
static void test_fprint_scan_text(void **state)
{
	const char *w = "The child disclosed bruising to the class teacher on Monday morning before school started.";
	const char *q = "Summary. the CHILD disclosed bruising to the class teacher, on Monday morning before school started!";
	cv_fprint *fp = NULL;

	(void)state;
	assert_int_equal(cv_fprint_new(&fp), 0);
	assert_int_equal(cv_fprint_scan_text(fp, q, strlen(q)), 0);
	assert_int_equal(cv_fprint_add(fp, w, strlen(w)), 0);
	cv_fprint_add_end(fp);
	assert_int_equal(cv_fprint_scan(fp, "The child disclosed", 19), 0);
	assert_int_equal(cv_fprint_scan_text(fp, q, strlen(q)), 1);
	assert_int_equal(cv_fprint_scan_text(fp, "An unrelated note about transport to school and the annual review.", 67), 0);
	/* the half-fed streaming scan goes on where it was */
	assert_int_equal(cv_fprint_scan(fp, w + 19, strlen(w) - 19), 1);
	cv_fprint_free(fp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_variants),
		cmocka_unit_test(test_short_and_shared_first_names),
		cmocka_unit_test(test_protect),
		cmocka_unit_test(test_phones_and_patterns),
		cmocka_unit_test(test_streaming_window_edges),
		cmocka_unit_test(test_large_stream),
		cmocka_unit_test(test_nul_is_refused),
		cmocka_unit_test(test_fingerprints),
		cmocka_unit_test(test_matches),
		cmocka_unit_test(test_fprint_scan_text),
		cmocka_unit_test(test_shipped_policy),
		cmocka_unit_test(test_policy_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
