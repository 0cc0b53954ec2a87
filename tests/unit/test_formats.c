/*
 * Unit tests for vault/formats/: the text, the metadata and the redaction
 * of every admitted format, on the documents tests/fixtures/formats/make.sh
 * makes (docs/legal-rules.md §7-§10).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "formats/formats.h"

#define PDF "application/pdf"
#define ODT "application/vnd.oasis.opendocument.text"
#define DOCX "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#define EML "message/rfc822"
#define JPEG "image/jpeg"

struct doc {
	char *buf;
	size_t n;
};

static struct doc fixture(const char *name)
{
	char path[4096];
	struct doc d = { NULL, 0 };
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/tests/fixtures/formats/%s", CV_TEST_SOURCE_DIR, name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	d.buf = malloc((size_t)n + 1);
	assert_non_null(d.buf);
	assert_int_equal(fread(d.buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	d.n = (size_t)n;
	return d;
}

/* The text of a document; fails the test unless it is read. */
static char *text_of(const char *mime, const void *buf, size_t n)
{
	char err[256] = "", *t = NULL;
	size_t len = 99;
	int rc = cv_fmt_text(mime, buf, n, &t, &len, err, sizeof(err));

	if (rc)
		fail_msg("cv_fmt_text(%s) = %d: %s", mime, rc, err);
	assert_non_null(t);
	assert_int_equal(strlen(t), len);
	return t;
}

static void expect_in(const char *text, const char *want)
{
	if (!strstr(text, want))
		fail_msg("\"%s\" not in the text:\n%s", want, text);
}

static void expect_not_in(const char *text, const char *unwanted)
{
	if (strcasestr(text, unwanted))
		fail_msg("\"%s\" still in the text:\n%s", unwanted, text);
}

/* Clean a fixture; the metadata check refuses the original and accepts the copy. */
static struct doc cleaned(const char *mime, const char *name, const char *named_before)
{
	struct doc d = fixture(name), c = { NULL, 0 };
	char err[256] = "";
	void *out = NULL;
	int rc;

	assert_int_equal(cv_fmt_metadata_check(mime, d.buf, d.n, err, sizeof(err)), CV_EREFUSED);
	if (!strstr(err, named_before))
		fail_msg("check of %s: \"%s\" does not name %s", name, err, named_before);
	rc = cv_fmt_clean(mime, d.buf, d.n, &out, &c.n, err, sizeof(err));
	if (rc)
		fail_msg("cv_fmt_clean(%s) = %d: %s", name, rc, err);
	c.buf = out;
	err[0] = '\0';
	rc = cv_fmt_metadata_check(mime, c.buf, c.n, err, sizeof(err));
	if (rc)
		fail_msg("check of cleaned %s = %d: %s", name, rc, err);
	free(d.buf);
	return c;
}

static void expect_einval(const char *mime, const char *name)
{
	struct doc d = fixture(name);
	char err[256] = "", *t = NULL;
	void *out = NULL;
	size_t len = 0;

	assert_int_equal(cv_fmt_text(mime, d.buf, d.n, &t, &len, err, sizeof(err)), CV_EINVAL);
	assert_null(t);
	assert_true(err[0] != '\0');
	assert_true(strchr(err, '\n') == NULL);
	if (cv_fmt_caps(mime) & CV_FMT_CLEAN) {
		assert_int_equal(cv_fmt_clean(mime, d.buf, d.n, &out, &len, err, sizeof(err)), CV_EINVAL);
		assert_null(out);
		assert_int_equal(cv_fmt_metadata_check(mime, d.buf, d.n, err, sizeof(err)), CV_EINVAL);
	}
	free(d.buf);
}

static void test_caps(void **state)
{
	(void)state;
	assert_int_equal(cv_fmt_caps(PDF), CV_FMT_TEXT | CV_FMT_CLEAN | CV_FMT_REDACT);
	assert_true(cv_fmt_caps(DOCX) & CV_FMT_TEXT);
	assert_false(cv_fmt_caps(DOCX) & CV_FMT_REDACT);
	assert_int_equal(cv_fmt_caps("application/zip"), 0);
	assert_int_equal(cv_fmt_caps(NULL), 0);
}

static void test_refused_type(void **state)
{
	char err[256] = "", *t = NULL;
	void *out = NULL;
	size_t len = 0, hits = 0;
	const char *terms[] = { "x" };

	(void)state;
	assert_int_equal(cv_fmt_text("application/zip", "PK", 2, &t, &len, err, sizeof(err)), CV_EREFUSED);
	assert_non_null(strstr(err, "application/zip"));
	assert_int_equal(cv_fmt_redact(DOCX, "PK", 2, terms, 1, &out, &len, &hits, err, sizeof(err)),
			 CV_EREFUSED);
	assert_null(out);
}

static void test_pdf_text(void **state)
{
	struct doc d = fixture("letter.pdf");
	char *t;

	(void)state;
	t = text_of(PDF, d.buf, d.n);
	expect_in(t, "Jane Doe met the social worker on Monday.");
	expect_in(t, "Second page: no names here.");
	free(t);
	free(d.buf);
}

static void test_pdf_scan_empty(void **state)
{
	struct doc d = fixture("scan.pdf");
	char *t;

	(void)state;
	t = text_of(PDF, d.buf, d.n);
	assert_string_equal(t, "");
	free(t);
	free(d.buf);
}

static void test_pdf_clean(void **state)
{
	struct doc c;
	char *t;

	(void)state;
	c = cleaned(PDF, "letter.pdf", "PDF Info /");
	/* the old objects are gone, not only unreferenced */
	assert_null(memmem(c.buf, c.n, "A. Caseworker", 13));
	assert_null(memmem(c.buf, c.n, "xmpmeta", 7));
	assert_null(memmem(c.buf, c.n, "PieceInfo", 9));
	t = text_of(PDF, c.buf, c.n);
	expect_in(t, "Jane Doe met the social worker");
	free(t);
	free(c.buf);
}

static void test_pdf_redact(void **state)
{
	struct doc d = fixture("letter.pdf");
	const char *terms[] = { "Jane Doe" };
	char err[256] = "", *t;
	void *out = NULL;
	size_t len = 0, hits = 0;
	int rc;

	(void)state;
	rc = cv_fmt_redact(PDF, d.buf, d.n, terms, 1, &out, &len, &hits, err, sizeof(err));
	if (rc)
		fail_msg("cv_fmt_redact = %d: %s", rc, err);
	assert_int_equal(hits, 3);
	t = text_of(PDF, out, len);
	expect_not_in(t, "Jane");
	expect_not_in(t, "Doe");
	expect_in(t, "met the social worker on Monday.");
	expect_in(t, "Second page: no names here.");
	assert_null(memmem(out, len, "Jane Doe", 8));
	assert_int_equal(cv_fmt_metadata_check(PDF, out, len, err, sizeof(err)), 0);
	free(t);
	free(out);
	free(d.buf);
}

static void test_pdf_redact_bad_term(void **state)
{
	struct doc d = fixture("letter.pdf");
	const char *terms[] = { "Jane Doe", "  " };
	char err[256] = "";
	void *out = NULL;
	size_t len = 0, hits = 0;

	(void)state;
	assert_int_equal(cv_fmt_redact(PDF, d.buf, d.n, terms, 2, &out, &len, &hits, err, sizeof(err)),
			 CV_EINVAL);
	assert_null(out);
	free(d.buf);
}

static void test_malformed(void **state)
{
	(void)state;
	expect_einval(PDF, "bad.pdf");
	expect_einval("text/plain", "latin1.txt");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_refused_type),
		cmocka_unit_test(test_pdf_text),
		cmocka_unit_test(test_pdf_scan_empty),
		cmocka_unit_test(test_pdf_clean),
		cmocka_unit_test(test_pdf_redact),
		cmocka_unit_test(test_pdf_redact_bad_term),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
