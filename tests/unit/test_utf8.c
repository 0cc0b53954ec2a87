/* Unit tests for vault/base/utf8.c: checking, showing, cutting and converting text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include <sqlite3.h>

#include "casevault/case.h"
#include "casevault/common.h"
#include "casevault/record.h"
#include "casevault/text.h"
#include "base/handle.h"
#include "store/sealed.h"
#include "testutil.h"
#include "testvault.h"

static void test_check(void **state)
{
	static const struct {
		const char *s;
		int kind, want;
		size_t at;
	} rows[] = {
		{ "Caf\xc3\xa9 notes", CV_TEXT_LINE, CV_TEXT_OK, 0 },
		{ "Caf\xe9", CV_TEXT_LINE, CV_TEXT_NOT_UTF8, 3 },             /* Windows-1252 e-acute */
		{ "ab\xff", CV_TEXT_LINE, CV_TEXT_NOT_UTF8, 2 },
		{ "\xc0\xaf", CV_TEXT_LINE, CV_TEXT_NOT_UTF8, 0 },            /* overlong '/' */
		{ "\xed\xa0\x80", CV_TEXT_LINE, CV_TEXT_NOT_UTF8, 0 },        /* a UTF-16 surrogate */
		{ "\xf4\x90\x80\x80", CV_TEXT_LINE, CV_TEXT_NOT_UTF8, 0 },    /* above U+10FFFF */
		{ "x\xe2\x82", CV_TEXT_LINE, CV_TEXT_NOT_UTF8, 1 },           /* cut short */
		{ "\xf0\x9f\x98\x80 ok", CV_TEXT_LINE, CV_TEXT_OK, 0 },
		{ "title\x1b[2J", CV_TEXT_LINE, CV_TEXT_CONTROL, 5 },         /* ESC: a terminal attack */
		{ "a\tb", CV_TEXT_LINE, CV_TEXT_CONTROL, 1 },
		{ "a\tb\nc\r\n", CV_TEXT_LINES, CV_TEXT_OK, 0 },
		{ "a\x7f", CV_TEXT_LINES, CV_TEXT_CONTROL, 1 },
		{ "a\xc2\x9b", CV_TEXT_LINES, CV_TEXT_CONTROL, 1 },           /* C1 CSI */
		{ "a\x1b", CV_TEXT_ANY, CV_TEXT_OK, 0 },
	};
	size_t i, at;

	(void)state;
	for (i = 0; i < NROWS(rows); i++) {
		at = 999;
		if (cv_text_check_str(rows[i].s, rows[i].kind, &at) != rows[i].want)
			fail_msg("row %zu: got %d, want %d", i, cv_text_check_str(rows[i].s, rows[i].kind, NULL), rows[i].want);
		if (rows[i].want != CV_TEXT_OK && at != rows[i].at)
			fail_msg("row %zu: at %zu, want %zu", i, at, rows[i].at);
	}
	assert_int_equal(cv_text_check_str(NULL, CV_TEXT_LINE, NULL), CV_TEXT_OK);
}

static void test_display(void **state)
{
	char *d;

	(void)state;
	d = cv_text_display("Caf\xe9 \xff!", CV_TEXT_ANY);
	assert_string_equal(d, "Caf\xef\xbf\xbd \xef\xbf\xbd!");
	free(d);
	d = cv_text_display("a\x1b[2Jb", CV_TEXT_LINE);
	assert_string_equal(d, "a\xef\xbf\xbd[2Jb");
	free(d);
	d = cv_text_display("a\x1b" "b", CV_TEXT_ANY);
	assert_string_equal(d, "a\x1b" "b");
	free(d);
	assert_null(cv_text_display(NULL, CV_TEXT_ANY));
}

/* A stored title that is not UTF-8 still makes an item: shown with U+FFFD, never dropped. */
static void test_json_keeps_item(void **state)
{
	json_t *arr = json_array(), *o = json_object();
	int failed = 0;
	char *d = cv_text_display("Caf\xe9", CV_TEXT_ANY);

	(void)state;
	cv_json_set(&failed, o, "title", json_string("Caf\xe9"));
	assert_int_equal(failed, 1);  /* what jansson refuses is noticed */
	failed = 0;
	cv_json_set(&failed, o, "title", json_string(d));
	cv_json_push(&failed, arr, o);
	assert_int_equal(failed, 0);
	assert_int_equal(json_array_size(arr), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 0), "title")), "Caf\xef\xbf\xbd");
	cv_json_push(&failed, arr, NULL);
	assert_int_equal(failed, 1);
	json_decref(arr);
	free(d);
}

static void test_cut(void **state)
{
	const char *s = "ab\xc3\xa9" "cd";  /* "abécd" */

	(void)state;
	assert_int_equal(cv_text_cut(s, 6, 3), 2);  /* not inside the é */
	assert_int_equal(cv_text_cut(s, 6, 4), 4);
	assert_int_equal(cv_text_cut(s, 6, 80), 6);
	assert_int_equal(cv_text_cut("\xe2\x82\xac", 3, 2), 0);
	/* the line a policy problem names */
	assert_int_equal(cv_text_bad_line("a\nb\nCaf\xe9\n", 9), 3);
	assert_int_equal(cv_text_bad_line("a\nb\n", 4), 0);
}

static void test_convert(void **state)
{
	cv_text_conv *cv = cv_text_conv_open("WINDOWS-1252");
	char *out = NULL;
	size_t at = 0;

	(void)state;
	assert_non_null(cv);
	assert_int_equal(cv_text_conv_run(cv, "Caf\xe9 \x80", 6, &out, &at), 0);
	assert_string_equal(out, "Caf\xc3\xa9 \xe2\x82\xac");  /* "Café €" */
	free(out);
	/* 0x81 has no character in Windows-1252 */
	assert_int_equal(cv_text_conv_run(cv, "ab\x81", 3, &out, &at), CV_EINVAL);
	assert_null(out);
	assert_int_equal(at, 2);
	cv_text_conv_close(cv);
	cv = cv_text_conv_open("UTF-8");
	assert_int_equal(cv_text_conv_run(cv, "Caf\xe9", 4, &out, &at), CV_EINVAL);
	assert_int_equal(at, 3);
	assert_int_equal(cv_text_conv_run(cv, "Caf\xc3\xa9", 5, &out, &at), 0);
	assert_string_equal(out, "Caf\xc3\xa9");
	free(out);
	cv_text_conv_close(cv);
	assert_null(cv_text_conv_open("no-such-encoding"));
}

/* Put title (any bytes) in record id's sealed title, as a vault from before the check could hold. */
static void plant_title(cv_vault *v, const char *id, const char *title)
{
	sqlite3_stmt *st = NULL;

	assert_int_equal(sqlite3_prepare_v2(v->db, "UPDATE records SET title = ?1 WHERE id = ?2", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(cv_sealed_bind(v, st, 1, CV_SECTION_CASE, "records", "title", id, title), 0);
	assert_int_equal(sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	assert_int_equal(sqlite3_changes(v->db), 1);
	sqlite3_finalize(st);
}

/* The CLI's output of cmd on the test vault, parsed as JSON (it must be valid). */
static json_t *cli_json(const char *cmd, const char *errfile)
{
	char line[512];
	json_t *j;
	FILE *p;

	snprintf(line, sizeof(line), "%s/casevault --json -C %s %s 2>%s", CV_TEST_BINARY_DIR, tv_path, cmd, errfile);
	assert_non_null(p = popen(line, "r"));
	j = json_loadf(p, 0, NULL);
	assert_int_equal(pclose(p), 0);
	assert_non_null(j);
	return j;
}

/*
 * A title stored before text was checked (bytes that are not UTF-8, a
 * terminal escape) is still listed by --json ls with U+FFFD, never left
 * out, and verify names its record in a warning.
 */
static void test_stored_title_not_dropped(void **state)
{
	static const char note[] = "A note filed now";
	cv_file_item it[2];
	char case_id[24], errfile[128], err[1024] = "", cmd[64];
	json_t *j, *recs;
	cv_vault *v;
	FILE *f;
	size_t n;
	int i;

	(void)state;
	tv_make("cvutf8", "Unit Manager", &v);
	assert_int_equal(cv_vault_unlock(v), 0);
	assert_int_equal(cv_case_open(v, "Parent Name", "Child Name", "2014-05-06", 1, NULL, case_id), 0);
	memset(it, 0, sizeof(it));
	for (i = 0; i < 2; i++) {
		it[i].case_id = case_id;
		it[i].class_name = "case-note";
		it[i].text = note;
		it[i].text_len = sizeof(note) - 1;
		it[i].title = i ? "Second" : "First";
	}
	assert_int_equal(cv_file(v, it, 2, 0, NULL, NULL, NULL), 0);
	it[0].title = "Caf\xe9";  /* what the library now refuses */
	it[0].record_id[0] = it[0].status = 0;
	assert_int_equal(cv_file(v, it, 1, 0, NULL, NULL, NULL), CV_EINVAL);
	plant_title(v, it[1].record_id, "Caf\xe9 \x1b[2J");
	cv_vault_close(v);

	snprintf(errfile, sizeof(errfile), "%s/err", tv_dir);
	snprintf(cmd, sizeof(cmd), "ls %s", case_id);
	j = cli_json(cmd, errfile);
	recs = json_object_get(j, "records");
	n = json_array_size(recs);
	assert_int_equal(n, 2);
	assert_true(json_is_true(json_object_get(j, "ok")));
	assert_string_equal(json_string_value(json_object_get(json_array_get(recs, 1), "title")),
			    "Caf\xef\xbf\xbd \x1b[2J");  /* JSON escapes ESC */
	json_decref(j);
	j = cli_json("verify", errfile);
	json_decref(j);
	assert_non_null(f = fopen(errfile, "r"));
	n = fread(err, 1, sizeof(err) - 1, f);
	err[n] = '\0';
	fclose(f);
	if (!strstr(err, it[1].record_id) || !strstr(err, "not UTF-8"))
		fail_msg("verify did not name %s: %s", it[1].record_id, err);
	tv_remove();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_display),
		cmocka_unit_test(test_json_keeps_item),
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_convert),
		cmocka_unit_test(test_stored_title_not_dropped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
