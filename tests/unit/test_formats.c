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

#include <archive.h>
#include <archive_entry.h>
#include <magic.h>

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
	assert_int_equal(cv_fmt_caps(PDF), CV_FMT_TEXT | CV_FMT_CLEAN | CV_FMT_REDACT | CV_FMT_STRUCTURE | CV_FMT_OCR | CV_FMT_PREVIEW);
	assert_true(cv_fmt_caps(JPEG) & CV_FMT_PREVIEW);
	assert_true(cv_fmt_caps("text/plain") & CV_FMT_PREVIEW);
	assert_true(cv_fmt_caps(EML) & CV_FMT_PREVIEW);
	assert_true(cv_fmt_caps(ODT) & CV_FMT_PREVIEW);
	assert_true(cv_fmt_caps(DOCX) & CV_FMT_PREVIEW);
	assert_false(cv_fmt_caps("text/plain") & CV_FMT_STRUCTURE);
	assert_true(cv_fmt_caps(DOCX) & CV_FMT_TEXT);
	assert_false(cv_fmt_caps(DOCX) & CV_FMT_REDACT);
	assert_int_equal(cv_fmt_caps("application/zip"), 0);
	assert_int_equal(cv_fmt_caps(NULL), 0);
}

/* A fixture is sound; the same with bytes appended, or cut to its header, is refused. */
static void structure_case(const char *mime, const char *name)
{
	struct doc d = fixture(name);
	char err[256] = "", *grown = malloc(d.n + 8);

	assert_non_null(grown);
	assert_int_equal(cv_fmt_structure(mime, d.buf, d.n, err, sizeof(err)), 0);
	memcpy(grown, d.buf, d.n);
	memcpy(grown + d.n, "\x7f" "ELF\1\1\1\0", 8);
	assert_int_equal(cv_fmt_structure(mime, grown, d.n + 8, err, sizeof(err)), CV_EREFUSED);
	assert_non_null(strstr(err, "throughout"));
	assert_int_equal(cv_fmt_structure(mime, d.buf, 16, err, sizeof(err)), CV_EREFUSED);
	free(grown);
	free(d.buf);
}

static void test_structure(void **state)
{
	char err[256] = "";

	(void)state;
	structure_case(PDF, "letter.pdf");
	structure_case(PDF, "scan.pdf");
	structure_case(JPEG, "photo.jpg");
	structure_case(DOCX, "notes.docx");
	structure_case(ODT, "notes.odt");
	/* text and e-mail: nothing to check */
	assert_int_equal(cv_fmt_structure("text/plain", "\x7f" "ELF", 4, err, sizeof(err)), 0);
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

/* Embedded files and scripts are hidden content: removed, and the check fails while any is left. */
static void test_pdf_attachment(void **state)
{
	struct doc c;

	(void)state;
	c = cleaned(PDF, "attached.pdf", "PDF /");
	assert_null(memmem(c.buf, c.n, "Secret attachment", 17));
	assert_null(memmem(c.buf, c.n, "app.alert", 9));
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

/* Notes and bookmarks are read, and a name in them makes redaction fail closed. */
static void test_pdf_hidden_text(void **state)
{
	struct doc d = fixture("annotated.pdf");
	const char *terms[] = { "jane doe" };
	char err[256] = "", *t;
	void *out = NULL;
	size_t len = 0, hits = 0;

	(void)state;
	t = text_of(PDF, d.buf, d.n);
	expect_in(t, "A page with a note on it.");
	expect_in(t, "Call Jane Doe back");
	expect_in(t, "File of Mary Major");
	free(t);
	assert_int_equal(cv_fmt_redact(PDF, d.buf, d.n, terms, 1, &out, &len, &hits, err, sizeof(err)),
			 CV_EREFUSED);
	assert_non_null(strstr(err, "note or bookmark"));
	assert_null(out);
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

/* The text of a member of a cleaned zip, read back with libarchive; NULL when absent. */
static char *zip_member(const struct doc *d, const char *name, int *first)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	char *out = NULL;
	int i = 0;

	assert_int_equal(archive_read_support_format_zip(a), ARCHIVE_OK);
	assert_int_equal(archive_read_open_memory(a, d->buf, d->n), ARCHIVE_OK);
	while (!out && archive_read_next_header(a, &e) == ARCHIVE_OK) {
		if (strcmp(archive_entry_pathname(e), name) == 0) {
			la_int64_t sz = archive_entry_size(e);

			out = calloc(1, (size_t)sz + 1);
			assert_int_equal(archive_read_data(a, out, (size_t)sz), sz);
			if (first)
				*first = i == 0;
		}
		i++;
	}
	archive_read_free(a);
	return out;
}

/* 1 when any member of the zip holds needle. */
static int zip_holds(const struct doc *d, const char *needle)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	char *buf;
	int found = 0;

	assert_int_equal(archive_read_support_format_zip(a), ARCHIVE_OK);
	assert_int_equal(archive_read_open_memory(a, d->buf, d->n), ARCHIVE_OK);
	while (!found && archive_read_next_header(a, &e) == ARCHIVE_OK) {
		la_int64_t sz = archive_entry_size(e);

		buf = calloc(1, (size_t)sz + 1);
		assert_int_equal(archive_read_data(a, buf, (size_t)sz), sz);
		found = memmem(buf, (size_t)sz, needle, strlen(needle)) != NULL;
		free(buf);
	}
	archive_read_free(a);
	return found;
}

static void test_odt_text(void **state)
{
	struct doc d = fixture("notes.odt");
	char *t;

	(void)state;
	t = text_of(ODT, d.buf, d.n);
	expect_in(t, "The mother, Jane Doe, attended.\n");
	expect_in(t, "A footnote about Mr Smith.");
	expect_in(t, "Header: Private and confidential");
	free(t);
	free(d.buf);
}

static void test_docx_text(void **state)
{
	struct doc d = fixture("notes.docx");
	char *t;

	(void)state;
	t = text_of(DOCX, d.buf, d.n);
	expect_in(t, "The mother, Jane Doe, attended.\n");
	expect_in(t, "Second paragraph");
	expect_in(t, "Header: Private and confidential");
	expect_in(t, "Footer text");
	expect_in(t, "A footnote about Mr Smith.");
	expect_in(t, "Check with Mrs Brown.");
	expect_in(t, "Second paragraph inserted");
	free(t);
	free(d.buf);
}

/* What libmagic (file(1)'s library) takes the document for. */
static void magic_type(const struct doc *d, const char *want)
{
	magic_t m = magic_open(MAGIC_MIME_TYPE);

	assert_non_null(m);
	assert_int_equal(magic_load(m, NULL), 0);
	assert_string_equal(magic_buffer(m, d->buf, d->n), want);
	magic_close(m);
}

static void test_odt_clean(void **state)
{
	struct doc c;
	char *meta, *mt, *t;
	int first = 0;

	(void)state;
	c = cleaned(ODT, "notes.odt", "ODT");
	assert_false(zip_holds(&c, "Vera Volunteer"));
	assert_true(zip_holds(&c, "Checked by the office."));
	mt = zip_member(&c, "mimetype", &first);
	assert_non_null(mt);
	assert_string_equal(mt, "application/vnd.oasis.opendocument.text");
	assert_true(first);
	/* the first local header names mimetype, compression method 0 (stored) */
	assert_memory_equal(c.buf + 30, "mimetype", 8);
	assert_int_equal(c.buf[8] | c.buf[9], 0);
	/* ODF: no extra field, so the type is at offset 38, where libmagic reads it */
	assert_int_equal(c.buf[28] | c.buf[29], 0);
	assert_memory_equal(c.buf + 38, "application/vnd.oasis.opendocument.text", 39);
	magic_type(&c, "application/vnd.oasis.opendocument.text");
	meta = zip_member(&c, "meta.xml", NULL);
	assert_non_null(meta);
	assert_null(strstr(meta, "Caseworker"));
	assert_non_null(strstr(meta, "office:version=\"1.3\""));
	t = text_of(ODT, c.buf, c.n);
	expect_in(t, "Jane Doe, attended.");
	free(t);
	free(meta);
	free(mt);
	free(c.buf);
}

static void test_docx_clean(void **state)
{
	struct doc c;
	char *core, *app, *rels, *ct, *custom, *t;

	(void)state;
	c = cleaned(DOCX, "notes.docx", "DOCX");
	/* comment and tracked-change authors, initials, people.xml: nowhere */
	assert_false(zip_holds(&c, "Vera Volunteer"));
	assert_false(zip_holds(&c, "vera@example.org"));
	assert_false(zip_holds(&c, "\"VV\""));
	assert_true(zip_holds(&c, "w:author=\"\""));
	assert_false(zip_holds(&c, "people.xml"));
	core = zip_member(&c, "docProps/core.xml", NULL);
	app = zip_member(&c, "docProps/app.xml", NULL);
	rels = zip_member(&c, "_rels/.rels", NULL);
	ct = zip_member(&c, "[Content_Types].xml", NULL);
	custom = zip_member(&c, "docProps/custom.xml", NULL);
	assert_non_null(core);
	assert_null(strstr(core, "Caseworker"));
	assert_null(strstr(app, "Example Office"));
	assert_null(custom);
	assert_null(strstr(rels, "custom.xml"));
	assert_non_null(strstr(rels, "word/document.xml"));
	assert_null(strstr(ct, "custom.xml"));
	assert_non_null(strstr(ct, "/word/document.xml"));
	t = text_of(DOCX, c.buf, c.n);
	expect_in(t, "Jane Doe, attended.");
	free(t);
	free(core);
	free(app);
	free(rels);
	free(ct);
	free(c.buf);
}

static void test_mail_text(void **state)
{
	struct doc d = fixture("mail.eml");
	char *t;

	(void)state;
	t = text_of(EML, d.buf, d.n);
	expect_in(t, "Visit notes");                     /* the subject */
	expect_in(t, "The visit to Zo\xc3\xab Smith went well.\n");  /* quoted-printable UTF-8 */
	expect_in(t, "var hidden = 1;");                 /* script text in the HTML body */
	expect_in(t, "Attached note: Peter Pan visited on Tuesday.");  /* base64 attachment */
	expect_in(t, "Jane Doe met the social worker");  /* the attached PDF */
	free(t);
	free(d.buf);
}

static void test_mail_clean(void **state)
{
	struct doc c;
	char *t;

	(void)state;
	c = cleaned(EML, "mail.eml", "e-mail header");
	assert_null(memmem(c.buf, c.n, "X-Originating-IP", 16));
	assert_null(memmem(c.buf, c.n, "Received:", 9));
	assert_null(memmem(c.buf, c.n, "Message-ID", 10));
	assert_null(memmem(c.buf, c.n, "User-Agent", 10));
	assert_non_null(memmem(c.buf, c.n, "Subject: Visit notes", 20));
	assert_non_null(memmem(c.buf, c.n, "From: A Worker", 14));
	/* the attached PDF lost its Info too: the check above looked inside it */
	t = text_of(EML, c.buf, c.n);
	expect_in(t, "Attached note: Peter Pan");
	expect_in(t, "Jane Doe met the social worker");
	free(t);
	free(c.buf);
}

/* The PNG a preview of a fixture gives; its width and height from IHDR (docs/web.md, Previews). */
static struct doc preview_of(const char *mime, const char *name, unsigned *w, unsigned *h)
{
	struct doc d = fixture(name), p = { NULL, 0 };
	char err[256] = "";
	void *out = NULL;
	const unsigned char *b;
	int rc = cv_fmt_preview(mime, d.buf, d.n, 1200, &out, &p.n, err, sizeof(err));

	if (rc)
		fail_msg("cv_fmt_preview(%s) = %d: %s", name, rc, err);
	p.buf = out;
	b = out;
	assert_true(p.n > 24);
	assert_memory_equal(b, "\x89PNG\r\n\x1a\n", 8);
	assert_memory_equal(b + 12, "IHDR", 4);
	*w = (unsigned)b[16] << 24 | (unsigned)b[17] << 16 | (unsigned)b[18] << 8 | b[19];
	*h = (unsigned)b[20] << 24 | (unsigned)b[21] << 16 | (unsigned)b[22] << 8 | b[23];
	free(d.buf);
	return p;
}

static void test_preview(void **state)
{
	/* a PNG whose header claims 10000 x 10000 pixels (100 megapixels), in a few bytes */
	static const unsigned char huge[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
					       0, 0, 0x27, 0x10, 0, 0, 0x27, 0x10, 8, 2, 0, 0, 0, 0x35, 0x2c, 0xf5, 0x70,
					       0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82 };
	struct doc p, d;
	char err[256] = "";
	void *out = NULL;
	size_t n = 0;
	unsigned w, h;

	(void)state;
	p = preview_of(PDF, "letter.pdf", &w, &h);
	assert_true(w > 100 && w <= 1200 && h > 100 && h <= 2400);
	free(p.buf);
	/* an image drawn again: its pixels, none of its metadata */
	p = preview_of(JPEG, "photo.jpg", &w, &h);
	assert_true(w > 0 && w <= 1200);
	assert_null(memmem(p.buf, p.n, "Jane Doe", 8));
	free(p.buf);
	assert_int_equal(cv_fmt_preview("image/png", huge, sizeof(huge), 1200, &out, &n, err, sizeof(err)), CV_EINVAL);
	assert_null(out);
	if (!strstr(err, "10000 by 10000 pixels") || strchr(err, '\n'))
		fail_msg("the huge PNG's refusal: %s", err);
	d = fixture("bad.pdf");
	assert_int_equal(cv_fmt_preview(PDF, d.buf, d.n, 1200, &out, &n, err, sizeof(err)), CV_EINVAL);
	assert_null(out);
	free(d.buf);
	assert_int_equal(cv_fmt_preview("application/zip", "PK\3\4", 4, 1200, &out, &n, err, sizeof(err)),
			 CV_EREFUSED);
	assert_null(out);
}

/* The words a preview shows, read back from the picture by OCR (the library's Tesseract). */
static char *preview_words(const char *mime, const void *buf, size_t n, unsigned *w, unsigned *h)
{
	char err[256] = "", *t = NULL;
	void *png = NULL;
	size_t len = 0;
	const unsigned char *b;
	int rc = cv_fmt_preview(mime, buf, n, 1200, &png, &len, err, sizeof(err));

	if (rc)
		fail_msg("cv_fmt_preview(%s) = %d: %s", mime, rc, err);
	b = png;
	assert_memory_equal(b, "\x89PNG\r\n\x1a\n", 8);
	*w = (unsigned)b[16] << 24 | (unsigned)b[17] << 16 | (unsigned)b[18] << 8 | b[19];
	*h = (unsigned)b[20] << 24 | (unsigned)b[21] << 16 | (unsigned)b[22] << 8 | b[23];
	assert_null(memmem(png, len, "<script>", 8));
	if ((rc = cv_fmt_ocr("image/png", png, len, &t, &len, err, sizeof(err))))
		fail_msg("OCR of the preview of %s = %d: %s", mime, rc, err);
	free(png);
	return t;
}

/* A text, an ODT, a DOCX and an e-mail are drawn as their words on an A4 page (docs/web.md, Previews). */
static void test_preview_text(void **state)
{
	static const char txt[] = "Dear Marmalade,\n<script>alert(1)</script>\nBad \xff\xfe bytes and a cut \xc3";
	struct doc d;
	char *t, *big;
	unsigned w, h;
	size_t i;

	(void)state;
	t = preview_words("text/plain", txt, sizeof(txt) - 1, &w, &h);
	assert_true(w == 1200 && h == 1698);
	expect_in(t, "Marmalade");
	expect_in(t, "<script>alert");  /* the markup drawn as characters, not run */
	free(t);
	d = fixture("notes.odt");
	t = preview_words(ODT, d.buf, d.n, &w, &h);
	expect_in(t, "Jane Doe, attended");
	free(t);
	free(d.buf);
	d = fixture("notes.docx");
	t = preview_words(DOCX, d.buf, d.n, &w, &h);
	expect_in(t, "Second paragraph");
	free(t);
	free(d.buf);
	d = fixture("mail.eml");
	t = preview_words(EML, d.buf, d.n, &w, &h);
	expect_in(t, "Subject: Visit notes");
	expect_in(t, "went well");
	expect_in(t, "Attachment: letter.pdf");
	free(t);
	free(d.buf);
	/* 8 MB of text: only its first 64 KB are read, its first 60 lines drawn, then "..." */
	big = malloc(8u << 20);
	assert_non_null(big);
	for (i = 0; i < (8u << 20); i++)
		big[i] = i % 64 == 63 ? '\n' : "Line of words "[i % 14];
	t = preview_words("text/plain", big, 8u << 20, &w, &h);
	expect_in(t, "Line of words");
	free(t);
	free(big);
}

static void test_jpeg(void **state)
{
	struct doc d = fixture("photo.jpg"), c;
	char *t;

	(void)state;
	t = text_of(JPEG, d.buf, d.n);
	assert_string_equal(t, "");
	free(t);
	free(d.buf);
	c = cleaned(JPEG, "photo.jpg", "EXIF tag Exif.Image.Artist");
	assert_int_equal((unsigned char)c.buf[0], 0xff);
	assert_int_equal((unsigned char)c.buf[1], 0xd8);
	assert_null(memmem(c.buf, c.n, "Jane Doe", 8));
	assert_null(memmem(c.buf, c.n, "family home", 11));
	free(c.buf);
}

/* A DOCX whose body inflates past CV_FMT_MAX, made here with libarchive (257 MiB of zeros, ~260 KB). */
static void test_zip_bomb(void **state)
{
	static char zeros[1 << 20];
	size_t cap = 4 << 20, used = 0, i, mib = (CV_FMT_MAX >> 20) + 1;
	char *zip = malloc(cap), err[256] = "", *t = NULL;
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	size_t len = 0;

	(void)state;
	assert_int_equal(archive_write_set_format_zip(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_memory(a, zip, cap, &used), ARCHIVE_OK);
	archive_entry_set_pathname(e, "word/document.xml");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)(mib << 20));
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	for (i = 0; i < mib; i++)
		assert_int_equal(archive_write_data(a, zeros, sizeof(zeros)), (la_ssize_t)sizeof(zeros));
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_entry_free(e);
	archive_write_free(a);
	assert_true(used < cap);
	assert_int_equal(cv_fmt_text(DOCX, zip, used, &t, &len, err, sizeof(err)), CV_EINVAL);
	assert_non_null(strstr(err, "zip bomb"));
	assert_null(t);
	free(zip);
}

static void test_malformed(void **state)
{
	(void)state;
	expect_einval(PDF, "bad.pdf");
	expect_einval(ODT, "bad.odt");
	expect_einval(DOCX, "bad.docx");
	expect_einval(JPEG, "bad.jpg");
	expect_einval(EML, "bad.pdf");
	expect_einval("text/plain", "latin1.txt");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_refused_type),
		cmocka_unit_test(test_pdf_text),
		cmocka_unit_test(test_pdf_scan_empty),
		cmocka_unit_test(test_pdf_clean),
		cmocka_unit_test(test_pdf_redact),
		cmocka_unit_test(test_pdf_attachment),
		cmocka_unit_test(test_pdf_hidden_text),
		cmocka_unit_test(test_pdf_redact_bad_term),
		cmocka_unit_test(test_odt_text),
		cmocka_unit_test(test_docx_text),
		cmocka_unit_test(test_odt_clean),
		cmocka_unit_test(test_docx_clean),
		cmocka_unit_test(test_mail_text),
		cmocka_unit_test(test_mail_clean),
		cmocka_unit_test(test_jpeg),
		cmocka_unit_test(test_preview),
		cmocka_unit_test(test_preview_text),
		cmocka_unit_test(test_zip_bomb),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
