/* casevault - policy files: the shipped schedule, every malformed case, dates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <gcrypt.h>

#include "casevault/policy.h"
#include "testutil.h"

#define SHIPPED CV_TEST_SOURCE_DIR "/policies"

/* A valid filetypes.ini, for tests that break retention.ini (and back). */
static const char *const good_filetypes =
	"[application/pdf]\n"
	"extension = pdf\n";

/* One good class, the start of many broken files below. */
#define CASE_NOTE_CLASS \
	"[case-note]\n" "label = Case note\n" "section = case\n" \
	"rule = case-closed + 6y\n" "action = destroy\n"

static const char *const good_retention = CASE_NOTE_CLASS;

struct fixture {
	char dir[64];
	cv_problems problems;
	cv_policy *policy;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	strcpy(f->dir, "/tmp/cv-test-policy-XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static void remove_in(const char *dir, const char *name)
{
	char path[128];

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) < (int)sizeof(path))
		unlink(path);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	cv_policy_free(f->policy);
	cv_problems_release(&f->problems);
	remove_in(f->dir, "retention.ini");
	remove_in(f->dir, "filetypes.ini");
	remove_in(f->dir, "calendar.ini");
	remove_in(f->dir, "other.ini");
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Write (mode "w") or append ("a") text to dir/name. */
static void put_text(const char *dir, const char *name, const char *mode, const char *text)
{
	char path[128];

	assert_true(snprintf(path, sizeof(path), "%s/%s", dir, name) <
		    (int)sizeof(path));
	tu_write(path, mode, text);
}

static void write_text(const char *dir, const char *name, const char *text)
{
	put_text(dir, name, "w", text);
}

static void append_text(const char *dir, const char *name, const char *text)
{
	put_text(dir, name, "a", text);
}

static void copy_shipped(const char *dir, const char *name)
{
	char src[512];
	size_t len;
	char *text;

	assert_true(snprintf(src, sizeof(src), "%s/%s", SHIPPED, name) <
		    (int)sizeof(src));
	text = tu_slurp(src, &len);
	write_text(dir, name, text);
	free(text);
}

/* The problem on line (whose message contains what) must be there. */
static void assert_problem(const cv_problems *p, const char *file_suffix,
			   int line, const char *what)
{
	size_t i, fl, sl = strlen(file_suffix);

	for (i = 0; i < p->n; i++) {
		if (p->items[i].line != line || !strstr(p->items[i].msg, what) ||
		    !p->items[i].file)
			continue;
		fl = strlen(p->items[i].file);
		if (fl >= sl && !strcmp(p->items[i].file + fl - sl, file_suffix))
			return;
	}
	for (i = 0; i < p->n; i++)
		print_message("  have: %s:%d: %s\n", p->items[i].file,
			      p->items[i].line, p->items[i].msg);
	fail_msg("no problem in *%s at line %d containing \"%s\"",
		 file_suffix, line, what);
}

/*
 * Writes name (text) and other (good text), loads the directory, then
 * checks name on its own: both must fail with CV_EPOLICY and name line
 * with a message containing what.
 */
static void expect_file_error(struct fixture *f, const char *name, const char *text,
			      const char *other, const char *good, int line, const char *what)
{
	char path[128], suffix[32];

	write_text(f->dir, name, text);
	write_text(f->dir, other, good);
	snprintf(suffix, sizeof(suffix), "/%s", name);
	cv_problems_release(&f->problems);
	assert_int_equal(cv_policy_load(&f->policy, f->dir, &f->problems),
			 CV_EPOLICY);
	assert_null(f->policy);
	assert_problem(&f->problems, suffix, line, what);

	cv_problems_release(&f->problems);
	assert_true(snprintf(path, sizeof(path), "%s/%s", f->dir, name) <
		    (int)sizeof(path));
	assert_int_equal(cv_policy_check_file(path, &f->problems), CV_EPOLICY);
	assert_problem(&f->problems, suffix, line, what);
	cv_problems_release(&f->problems);
}

/* retention.ini is text (with a good filetypes.ini beside it). */
static void expect_retention_error(struct fixture *f, const char *text,
				   int line, const char *what)
{
	expect_file_error(f, "retention.ini", text, "filetypes.ini", good_filetypes, line, what);
}

/* filetypes.ini is text (with a good retention.ini beside it). */
static void expect_filetypes_error(struct fixture *f, const char *text,
				   int line, const char *what)
{
	expect_file_error(f, "filetypes.ini", text, "retention.ini", good_retention, line, what);
}

static int has_rule(const cv_class *c, cv_trigger t, int y, int m, int d)
{
	size_t i;

	for (i = 0; i < c->nrules; i++)
		if (c->rules[i].trigger == t && c->rules[i].years == y &&
		    c->rules[i].months == m && c->rules[i].days == d)
			return 1;
	return 0;
}

/* ---- the shipped policy ---- */

static void test_shipped_loads(void **state)
{
	struct fixture *f = *state;
	static const char *const case_classes[] = {
		"case-note", "phone-call", "meeting-note", "letter", "report",
		"school-report", "sen-ehcp", "complaint", "consent-form",
		"confidentiality-notice", "correspondence", "email",
		"subject-access"
	};
	static const char *const cp_classes[] = {
		"cp-note", "cp-report", "cp-referral"
	};
	const cv_class *c;
	const char *h;
	size_t i;

	assert_int_equal(cv_policy_load(&f->policy, SHIPPED, &f->problems), 0);
	assert_int_equal(f->problems.n, 0);
	assert_non_null(f->policy);
	assert_int_equal(cv_policy_class_count(f->policy), 17);

	/* Every case-file class: closure + 6 years at least (docs/legal-rules.md §12). */
	for (i = 0; i < sizeof(case_classes) / sizeof(case_classes[0]); i++) {
		c = cv_policy_class(f->policy, case_classes[i]);
		assert_non_null(c);
		assert_string_equal(c->name, case_classes[i]);
		assert_true(c->label[0] != '\0');
		assert_int_equal(c->section, CV_SECTION_CASE);
		assert_true(has_rule(c, CV_TRIG_CASE_CLOSED, 6, 0, 0));
	}
	/* Child protection: DOB + 25 years, then review (docs/legal-rules.md §12). */
	for (i = 0; i < sizeof(cp_classes) / sizeof(cp_classes[0]); i++) {
		c = cv_policy_class(f->policy, cp_classes[i]);
		assert_non_null(c);
		assert_int_equal(c->section, CV_SECTION_CP);
		assert_int_equal(c->action, CV_ACTION_REVIEW);
		assert_true(has_rule(c, CV_TRIG_CHILD_DOB, 25, 0, 0));
	}

	c = cv_policy_class(f->policy, "case-note");
	assert_string_equal(c->label, "Case note");
	assert_int_equal(c->action, CV_ACTION_DESTROY);
	assert_int_equal(c->nrules, 1);

	c = cv_policy_class(f->policy, "enquiry");
	assert_non_null(c);
	assert_string_equal(c->label, "Anonymous enquiry");
	assert_int_equal(c->section, CV_SECTION_CASE);
	assert_int_equal(c->action, CV_ACTION_DESTROY);
	assert_int_equal(c->nrules, 1);
	assert_true(has_rule(c, CV_TRIG_EVENT_DATE, 1, 0, 0));

	c = cv_policy_class(f->policy, "complaint");
	assert_int_equal(c->nrules, 2);
	assert_true(has_rule(c, CV_TRIG_EVENT_DATE, 6, 0, 0));

	c = cv_policy_class(f->policy, "sen-ehcp");
	assert_int_equal(c->action, CV_ACTION_REVIEW);
	assert_true(has_rule(c, CV_TRIG_CHILD_DOB, 25, 0, 0));

	c = cv_policy_class(f->policy, "consent-form");
	assert_int_equal(c->nrules, 1);

	assert_null(cv_policy_class(f->policy, "no-such-class"));
	assert_null(cv_policy_class_at(f->policy, 17));
	assert_string_equal(cv_policy_class_at(f->policy, 0)->name, "case-note");

	h = cv_policy_hash(f->policy);
	assert_int_equal(strlen(h), 64);
	assert_int_equal(strspn(h, "0123456789abcdef"), 64);
}

static void test_shipped_filetypes(void **state)
{
	struct fixture *f = *state;
	const cv_filetype *t;

	assert_int_equal(cv_policy_load(&f->policy, SHIPPED, &f->problems), 0);
	assert_int_equal(cv_policy_filetype_count(f->policy), 8);

	t = cv_policy_filetype(f->policy, "application/pdf");
	assert_non_null(t);
	assert_string_equal(t->ext, "pdf");
	assert_string_equal(t->label, "PDF document");
	assert_int_equal(t->compressible, 0);

	t = cv_policy_filetype(f->policy, "image/tiff");
	assert_string_equal(t->ext, "tif");
	assert_int_equal(t->compressible, 1);
	t = cv_policy_filetype(f->policy, "image/jpeg");
	assert_string_equal(t->ext, "jpg");
	assert_int_equal(t->compressible, 0);
	t = cv_policy_filetype(f->policy, "image/png");
	assert_string_equal(t->ext, "png");
	t = cv_policy_filetype(f->policy, "text/plain");
	assert_string_equal(t->ext, "txt");
	assert_int_equal(t->compressible, 1);
	t = cv_policy_filetype(f->policy, "application/vnd.oasis.opendocument.text");
	assert_string_equal(t->ext, "odt");
	/* 71 characters: longer than inih's own section buffer. */
	t = cv_policy_filetype(f->policy, "application/vnd.openxmlformats-"
			       "officedocument.wordprocessingml.document");
	assert_non_null(t);
	assert_string_equal(t->ext, "docx");
	assert_int_equal(t->compressible, 0);
	t = cv_policy_filetype(f->policy, "message/rfc822");
	assert_string_equal(t->ext, "eml");
	assert_int_equal(t->compressible, 1);

	/* libmagic's MAGIC_MIME form and case do not matter. */
	t = cv_policy_filetype(f->policy, "text/plain; charset=us-ascii");
	assert_non_null(t);
	assert_string_equal(t->ext, "txt");
	assert_non_null(cv_policy_filetype(f->policy, "Application/PDF"));

	/* Not on the list: refused. */
	assert_null(cv_policy_filetype(f->policy, "text/html"));
	assert_null(cv_policy_filetype(f->policy, "image/svg+xml"));
	assert_null(cv_policy_filetype(f->policy, "application/x-executable"));
	assert_null(cv_policy_filetype(f->policy, "application/zip"));
	assert_null(cv_policy_filetype(f->policy, "application/pdfx"));
	assert_null(cv_policy_filetype(f->policy, "text/plai"));
	assert_null(cv_policy_filetype(f->policy, ""));
	assert_null(cv_policy_filetype_at(f->policy, 8));
	assert_string_equal(cv_policy_filetype_at(f->policy, 0)->mime,
			    "application/pdf");
}

static void test_check_shipped_files(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(cv_policy_check_file(SHIPPED "/retention.ini",
					      &f->problems), 0);
	assert_int_equal(cv_policy_check_file(SHIPPED "/filetypes.ini",
					      &f->problems), 0);
	assert_int_equal(cv_policy_check_file(SHIPPED "/calendar.ini",
					      &f->problems), 0);
	assert_int_equal(f->problems.n, 0);
}

/* ---- the hash ---- */

static void test_hash(void **state)
{
	struct fixture *f = *state;
	unsigned char d[32];
	char want[65], first[65], path[128];
	char *r, *t, *both;
	size_t rl, tl, i;

	copy_shipped(f->dir, "retention.ini");
	copy_shipped(f->dir, "filetypes.ini");
	assert_int_equal(cv_policy_load(&f->policy, f->dir, &f->problems), 0);

	/* SHA-256 over retention.ini's bytes, then filetypes.ini's. */
	snprintf(path, sizeof(path), "%s/retention.ini", f->dir);
	r = tu_slurp(path, &rl);
	snprintf(path, sizeof(path), "%s/filetypes.ini", f->dir);
	t = tu_slurp(path, &tl);
	both = malloc(rl + tl);
	assert_non_null(both);
	memcpy(both, r, rl);
	memcpy(both + rl, t, tl);
	gcry_md_hash_buffer(GCRY_MD_SHA256, d, both, rl + tl);
	for (i = 0; i < 32; i++)
		snprintf(want + 2 * i, 3, "%02x", d[i]);
	assert_string_equal(cv_policy_hash(f->policy), want);
	free(r);
	free(t);
	free(both);
	strcpy(first, want);

	/* A comment is a change of schedule version too. */
	append_text(f->dir, "filetypes.ini", "; reviewed 2026\n");
	cv_policy_free(f->policy);
	f->policy = NULL;
	assert_int_equal(cv_policy_load(&f->policy, f->dir, &f->problems), 0);
	assert_string_not_equal(cv_policy_hash(f->policy), first);
	strcpy(want, cv_policy_hash(f->policy));

	append_text(f->dir, "retention.ini", "\n");
	cv_policy_free(f->policy);
	f->policy = NULL;
	assert_int_equal(cv_policy_load(&f->policy, f->dir, &f->problems), 0);
	assert_string_not_equal(cv_policy_hash(f->policy), first);
	assert_string_not_equal(cv_policy_hash(f->policy), want);

	/* Same bytes, same hash. */
	strcpy(want, cv_policy_hash(f->policy));
	cv_policy_free(f->policy);
	f->policy = NULL;
	assert_int_equal(cv_policy_load(&f->policy, f->dir, &f->problems), 0);
	assert_string_equal(cv_policy_hash(f->policy), want);
	assert_int_equal(f->problems.n, 0);
}

/* ---- malformed retention.ini ---- */

static void test_bad_periods(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *rule;
		const char *what;
	} cases[] = {
		{ "case-closed + 6x", "bad period '6x'" },
		{ "case-closed + -1y", "bad period '-1y'" },
		{ "case-closed + y", "bad period 'y'" },
		{ "case-closed +", "bad period ''" },
		{ "case-closed + 6", "bad period '6'" },
		{ "case-closed + 6 y", "bad period '6 y'" },
		{ "case-closed + 6Y", "bad period '6Y'" },
		{ "case-closed + 6m1y", "bad period '6m1y'" },
		{ "case-closed + 1y1y", "bad period '1y1y'" },
		{ "case-closed + +6y", "bad period '+6y'" },
		{ "case-closed + 99999999999999999999y", "too long" },
		{ "case-closed + 201y", "too long" },
		{ "case-closed + 0y", "is zero" },
		{ "case-closed + 0y0m0d", "is zero" },
		{ "case-closed 6y", "not TRIGGER + PERIOD" },
		{ "+ 6y", "no trigger" },
	};
	char text[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text),
			 "; a comment\n"
			 "[case-note]\n"
			 "label = Case note\n"
			 "section = case\n"
			 "\n"
			 "rule = %s\n"
			 "action = destroy\n", cases[i].rule);
		expect_retention_error(f, text, 6, cases[i].what);
	}
}

static void test_good_periods(void **state)
{
	struct fixture *f = *state;
	const cv_class *c;

	write_text(f->dir, "retention.ini",
		   "[x]\n"
		   "label = X\n"
		   "section = cp\n"
		   "rule = filed+1y6m\n"
		   "rule = event-date + 18m\n"
		   "rule = last-contact   +   30d\n"
		   "rule = child-dob + 1y2m3d ; inline comment\n"
		   "rule = case-closed + 200y\n"
		   "action = review\n");
	write_text(f->dir, "filetypes.ini", good_filetypes);
	assert_int_equal(cv_policy_load(&f->policy, f->dir, &f->problems), 0);
	c = cv_policy_class(f->policy, "x");
	assert_non_null(c);
	assert_int_equal(c->nrules, 5);
	assert_int_equal(c->rules[0].trigger, CV_TRIG_FILED);
	assert_int_equal(c->rules[0].years, 1);
	assert_int_equal(c->rules[0].months, 6);
	assert_int_equal(c->rules[0].days, 0);
	assert_true(has_rule(c, CV_TRIG_EVENT_DATE, 0, 18, 0));
	assert_true(has_rule(c, CV_TRIG_LAST_CONTACT, 0, 0, 30));
	assert_true(has_rule(c, CV_TRIG_CHILD_DOB, 1, 2, 3));
	assert_true(has_rule(c, CV_TRIG_CASE_CLOSED, 200, 0, 0));
	assert_int_equal(c->section, CV_SECTION_CP);
	assert_int_equal(c->action, CV_ACTION_REVIEW);
}

/* Which test a malformed file belongs to; FILETYPES breaks filetypes.ini, the others retention.ini. */
enum file_group {
	UNKNOWN_TRIGGER, UNKNOWN_KEY, MISSING_KEYS, BAD_SECTION, BAD_ACTION, TOO_MANY_RULES,
	KEY_AND_SYNTAX, FILETYPES
};

static const struct {
	enum file_group group;
	const char *text;
	int line;         /* the line the problem names */
	const char *what; /* in its message */
} file_cases[] = {
	{ UNKNOWN_TRIGGER, "[case-note]\nlabel = Case note\nsection = case\n"
	  "rule = case-closed + 6y\nrule = closure + 6y\naction = destroy\n", 5, "unknown trigger 'closure'" },
	{ UNKNOWN_KEY, "[case-note]\nlabel = Case note\nsection = case\n"
	  "retain = forever\nrule = case-closed + 6y\naction = destroy\n", 4, "unknown key 'retain'" },
	{ TOO_MANY_RULES, "[a]\nlabel = A\nsection = case\naction = destroy\n"
	  "rule = filed + 1y\nrule = filed + 2y\nrule = filed + 3y\nrule = filed + 4y\nrule = filed + 5y\n"
	  "rule = filed + 6y\nrule = filed + 7y\nrule = filed + 8y\nrule = filed + 9y\n", 13, "too many rules" },
	/* missing_keys */
	{ MISSING_KEYS, CASE_NOTE_CLASS "\n[letter]\nsection = case\nrule = case-closed + 6y\n"
	  "action = destroy\n", 7, "[letter] has no label" },
	{ MISSING_KEYS, "[a]\nlabel = A\nrule = filed + 1y\naction = destroy\n", 1, "has no section" },
	{ MISSING_KEYS, "[a]\nlabel = A\nsection = case\nrule = filed + 1y\n", 1, "has no action" },
	{ MISSING_KEYS, "[a]\nlabel = A\nsection = case\naction = destroy\n", 1, "has no rule" },
	{ MISSING_KEYS, "[a]\nlabel =\nsection = case\nrule = filed + 1y\naction = destroy\n", 2,
	  "label is empty" },
	/* bad_section */
	{ BAD_SECTION, "[case-note]\nlabel = Case note\nsection = main-file\n"
	  "rule = case-closed + 6y\naction = destroy\n", 3, "bad section 'main-file'" },
	{ BAD_SECTION, CASE_NOTE_CLASS "\n[Case Note]\nlabel = Case note\nsection = case\n"
	  "rule = case-closed + 6y\naction = destroy\n", 7, "bad class name [Case Note]" },
	{ BAD_SECTION, "[a-class-name-that-is-far-too-long-to-be-a-record-class-in-the-schedule]\n"
	  "label = A\nsection = case\nrule = filed + 1y\naction = destroy\n", 1,
	  "bad class name" },
	{ BAD_SECTION, "[]\nlabel = A\n", 1, "bad class name []" },
	{ BAD_SECTION, "[case-note\nlabel = A\n", 1, "no closing ']'" },
	{ BAD_SECTION, "[case-note] junk\nlabel = A\n", 1, "unexpected text after ']'" },
	/* bad_action_and_cp_destroy */
	{ BAD_ACTION, "[case-note]\nlabel = A\nsection = case\nrule = filed + 1y\naction = shred\n",
	  5, "bad action 'shred'" },
	/* docs/legal-rules.md §12: child-protection records are never destroyed automatically. */
	{ BAD_ACTION, "[cp-note]\nlabel = A\nsection = cp\nrule = child-dob + 25y\naction = destroy\n",
	  5, "must have action = review" },
	/* duplicate_key_and_syntax */
	{ KEY_AND_SYNTAX, "[a]\nlabel = A\nlabel = B\nsection = case\nrule = filed + 1y\naction = destroy\n",
	  3, "duplicate key 'label' (first set at line 2)" },
	{ KEY_AND_SYNTAX, "label = A\n[a]\nlabel = A\nsection = case\nrule = filed + 1y\naction = destroy\n",
	  1, "before the first [section]" },
	{ KEY_AND_SYNTAX, "[a]\nlabel = A\nsection = case\nrule filed + 1y\naction = destroy\n",
	  4, "expected 'key = value'" },
	{ KEY_AND_SYNTAX, "", 0, "no record classes" },
	/* filetype_errors */
	{ FILETYPES, "[application/pdf]\nextension = pdf\n\n[image/png]\nextension = png\n"
	  "[application/pdf]\nextension = pdf\n", 6,
	  "duplicate MIME type [application/pdf] (first defined at line 1)" },
	{ FILETYPES, "[application/pdf]\nextension = .pdf\n", 2, "bad extension '.pdf'" },
	{ FILETYPES, "[application/pdf]\nextension = PDF\n", 2, "bad extension 'PDF'" },
	{ FILETYPES, "[application/pdf]\nextension =\n", 2, "bad extension ''" },
	{ FILETYPES, "[application/pdf]\nextension = abcdefghijklmnop\n", 2, "bad extension" },
	{ FILETYPES, "[application/pdf]\nextension = pdf\ncompressible = true\n", 3,
	  "bad compressible 'true'" },
	{ FILETYPES, "[application/pdf]\nlabel = PDF\n", 1, "has no extension" },
	{ FILETYPES, "[application/pdf]\nextension = pdf\nexecutable = no\n", 3,
	  "unknown key 'executable'" },
	{ FILETYPES, "[image/*]\nextension = img\n", 1, "bad MIME type [image/*]" },
	{ FILETYPES, "[Application/PDF]\nextension = pdf\n", 1, "bad MIME type" },
	{ FILETYPES, "[pdf]\nextension = pdf\n", 1, "bad MIME type [pdf]" },
	{ FILETYPES, "[text/plain; charset=utf-8]\nextension = txt\n", 1, "bad MIME type" },
	{ FILETYPES, "; nothing\n", 0, "no file types" },
};

static void run_file_errors(struct fixture *f, enum file_group g)
{
	size_t i;

	for (i = 0; i < NROWS(file_cases); i++) {
		if (file_cases[i].group != g)
			continue;
		if (g == FILETYPES)
			expect_filetypes_error(f, file_cases[i].text, file_cases[i].line, file_cases[i].what);
		else
			expect_retention_error(f, file_cases[i].text, file_cases[i].line, file_cases[i].what);
	}
}

static void test_unknown_trigger(void **state)
{
	run_file_errors(*state, UNKNOWN_TRIGGER);
}

static void test_unknown_key(void **state)
{
	run_file_errors(*state, UNKNOWN_KEY);
}

static void test_missing_keys(void **state)
{
	/* Each missing key is reported at the class's header. */
	run_file_errors(*state, MISSING_KEYS);
}

static void test_duplicate_class(void **state)
{
	struct fixture *f = *state;

	expect_retention_error(f,
			       CASE_NOTE_CLASS
			       "[letter]\n"
			       "label = Letter\n"
			       "section = case\n"
			       "rule = case-closed + 6y\n"
			       "action = destroy\n"
			       "[case-note]\n"
			       "rule = filed + 1y\n",
			       11, "duplicate class [case-note] (first defined at line 1)");
	/* Only that one problem: the repeat is not merged into the first. */
	write_text(f->dir, "retention.ini",
		   "[case-note]\nlabel = A\nsection = case\nrule = filed + 1y\n"
		   "action = destroy\n[case-note]\nlabel = B\nsection = case\n"
		   "rule = filed + 2y\naction = destroy\n");
	assert_int_equal(cv_policy_load(&f->policy, f->dir, &f->problems),
			 CV_EPOLICY);
	assert_int_equal(f->problems.n, 1);
	assert_problem(&f->problems, "/retention.ini", 6, "duplicate class");
	cv_problems_release(&f->problems);
	/* A third time still names the first. */
	append_text(f->dir, "retention.ini",
		    "[case-note]\nlabel = C\nsection = case\n"
		    "rule = filed + 3y\naction = destroy\n");
	assert_int_equal(cv_policy_load(&f->policy, f->dir, &f->problems),
			 CV_EPOLICY);
	assert_int_equal(f->problems.n, 2);
	assert_problem(&f->problems, "/retention.ini", 11,
		       "duplicate class [case-note] (first defined at line 1)");
}

static void test_bad_section(void **state)
{
	run_file_errors(*state, BAD_SECTION);
}

static void test_bad_action_and_cp_destroy(void **state)
{
	run_file_errors(*state, BAD_ACTION);
}

static void test_too_many_rules(void **state)
{
	run_file_errors(*state, TOO_MANY_RULES);
}

static void test_duplicate_key_and_syntax(void **state)
{
	run_file_errors(*state, KEY_AND_SYNTAX);
}

static void test_long_line(void **state)
{
	struct fixture *f = *state;
	char text[1024], label[400];

	memset(label, 'x', sizeof(label) - 1);
	label[sizeof(label) - 1] = '\0';
	snprintf(text, sizeof(text),
		 "[a]\nlabel = %s\nsection = case\nrule = filed + 1y\n"
		 "action = destroy\n", label);
	expect_retention_error(f, text, 2, "line is too long");
	/* The line after it keeps its own number. */
	snprintf(text, sizeof(text),
		 "[a]\nlabel = %s\nsection = bogus\nrule = filed + 1y\n"
		 "action = destroy\n", label);
	expect_retention_error(f, text, 3, "bad section 'bogus'");
	/* A label that fits on a line but not in the class. */
	memset(label, 'x', 150);
	label[150] = '\0';
	snprintf(text, sizeof(text),
		 "[a]\nlabel = %s\nsection = case\nrule = filed + 1y\n"
		 "action = destroy\n", label);
	expect_retention_error(f, text, 2, "label is longer than 127");
	/* Comments may be as long as they like, and count as one line. */
	memset(label, '-', sizeof(label) - 1);
	snprintf(text, sizeof(text),
		 "; %s\n[a]\nlabel = A\nsection = case\nrule = filed + 1y\n"
		 "action = destroy\nextra = 1\n", label);
	expect_retention_error(f, text, 7, "unknown key 'extra'");
}

static void test_all_problems_collected(void **state)
{
	struct fixture *f = *state;
	size_t i;

	write_text(f->dir, "retention.ini",
		   "[a]\n"                        /* 1 */
		   "label = A\n"                  /* 2 */
		   "section = nowhere\n"          /* 3 */
		   "rule = filed + 6x\n"          /* 4 */
		   "rule = closure + 1y\n"        /* 5 */
		   "colour = red\n"               /* 6 */
		   "action = destroy\n"           /* 7 */
		   "[a]\n"                        /* 8 */
		   "[B]\n"                        /* 9 */
		   "nonsense\n");                 /* 10 */
	write_text(f->dir, "filetypes.ini",
		   "[application/pdf]\n"
		   "extension = .pdf\n"
		   "compressible = maybe\n");
	assert_int_equal(cv_policy_load(&f->policy, f->dir, &f->problems),
			 CV_EPOLICY);
	assert_problem(&f->problems, "/retention.ini", 3, "bad section");
	assert_problem(&f->problems, "/retention.ini", 4, "bad period '6x'");
	assert_problem(&f->problems, "/retention.ini", 5, "unknown trigger");
	assert_problem(&f->problems, "/retention.ini", 6, "unknown key 'colour'");
	assert_problem(&f->problems, "/retention.ini", 8, "duplicate class [a]");
	assert_problem(&f->problems, "/retention.ini", 9, "bad class name [B]");
	assert_problem(&f->problems, "/retention.ini", 10, "expected 'key = value'");
	assert_problem(&f->problems, "/filetypes.ini", 2, "bad extension '.pdf'");
	assert_problem(&f->problems, "/filetypes.ini", 3, "bad compressible 'maybe'");
	/* And the empty sections at 8 and 9 lack everything. */
	assert_problem(&f->problems, "/retention.ini", 9, "has no rule");
	assert_int_equal(f->problems.n, 9 + 2 * 4);
	/* Reported top to bottom, file by file. */
	for (i = 1; i < f->problems.n; i++)
		if (!strcmp(f->problems.items[i].file,
			    f->problems.items[i - 1].file))
			assert_true(f->problems.items[i].line >=
				    f->problems.items[i - 1].line);
}

static void test_indentation_and_comments(void **state)
{
	struct fixture *f = *state;
	const cv_class *c;

	/* Indented lines are keys, not continuations of the line above. */
	write_text(f->dir, "retention.ini",
		   "\xef\xbb\xbf; BOM, CRLF, indentation, comments\r\n"
		   "[a]\r\n"
		   "  label = A label ; with a comment\r\n"
		   "\tsection = case\r\n"
		   "  rule = filed + 1y\r\n"
		   "    rule = case-closed + 6y\r\n"
		   "  # a comment\r\n"
		   "  action = destroy\r\n"
		   "[b] ; trailing comment\n"
		   "label = B;not a comment\n"
		   "section = cp\n"
		   "rule = child-dob + 25y\n"
		   "action = review");
	write_text(f->dir, "filetypes.ini", good_filetypes);
	assert_int_equal(cv_policy_load(&f->policy, f->dir, &f->problems), 0);
	c = cv_policy_class(f->policy, "a");
	assert_non_null(c);
	assert_string_equal(c->label, "A label");
	assert_int_equal(c->nrules, 2);
	c = cv_policy_class(f->policy, "b");
	assert_non_null(c);
	assert_string_equal(c->label, "B;not a comment");
	assert_int_equal(c->section, CV_SECTION_CP);
}

/* ---- malformed filetypes.ini ---- */

static void test_filetype_errors(void **state)
{
	run_file_errors(*state, FILETYPES);
}

static void test_filetype_default_label(void **state)
{
	struct fixture *f = *state;
	const cv_filetype *t;

	write_text(f->dir, "retention.ini", good_retention);
	write_text(f->dir, "filetypes.ini", "[image/png]\nextension = png\n");
	assert_int_equal(cv_policy_load(&f->policy, f->dir, &f->problems), 0);
	t = cv_policy_filetype(f->policy, "image/png");
	assert_non_null(t);
	assert_string_equal(t->label, "PNG");
	assert_int_equal(t->compressible, 0);
}

/* ---- files missing, wrong kind ---- */

static void test_missing_and_unknown_files(void **state)
{
	struct fixture *f = *state;
	char path[128];

	/* Neither file: both reported. */
	assert_int_equal(cv_policy_load(&f->policy, f->dir, &f->problems),
			 CV_ENOTFOUND);
	assert_null(f->policy);
	assert_problem(&f->problems, "/retention.ini", 0, "not found");
	assert_problem(&f->problems, "/filetypes.ini", 0, "not found");
	cv_problems_release(&f->problems);

	/* One missing, the other malformed: both reported, not-found wins. */
	write_text(f->dir, "retention.ini", "[a]\nbogus = 1\n");
	assert_int_equal(cv_policy_load(&f->policy, f->dir, &f->problems),
			 CV_ENOTFOUND);
	assert_problem(&f->problems, "/retention.ini", 2, "unknown key 'bogus'");
	assert_problem(&f->problems, "/filetypes.ini", 0, "not found");
	cv_problems_release(&f->problems);

	/* Without a problem list the result is the same. */
	assert_int_equal(cv_policy_load(&f->policy, f->dir, NULL), CV_ENOTFOUND);
	write_text(f->dir, "filetypes.ini", good_filetypes);
	assert_int_equal(cv_policy_load(&f->policy, f->dir, NULL), CV_EPOLICY);
	assert_null(f->policy);

	snprintf(path, sizeof(path), "%s/other.ini", f->dir);
	write_text(f->dir, "other.ini", good_retention);
	assert_int_equal(cv_policy_check_file(path, &f->problems), CV_EINVAL);
	assert_problem(&f->problems, "/other.ini", 0, "unknown kind");
	cv_problems_release(&f->problems);

	snprintf(path, sizeof(path), "%s/nothere/retention.ini", f->dir);
	assert_int_equal(cv_policy_check_file(path, &f->problems), CV_ENOTFOUND);
	cv_problems_release(&f->problems);

	/* A directory is not a policy file. */
	remove_in(f->dir, "retention.ini");
	snprintf(path, sizeof(path), "%s/retention.ini", f->dir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(cv_policy_check_file(path, &f->problems), CV_EINVAL);
	assert_problem(&f->problems, "/retention.ini", 0, "not a regular file");
	cv_problems_release(&f->problems);
	assert_int_equal(cv_policy_load(&f->policy, f->dir, &f->problems),
			 CV_EINVAL);
	cv_problems_release(&f->problems);
	assert_int_equal(rmdir(path), 0);

	/* calendar.ini goes to the calendar checker. */
	snprintf(path, sizeof(path), "%s/calendar.ini", f->dir);
	write_text(f->dir, "calendar.ini", "[no-such-section]\nx = 1\n");
	assert_int_equal(cv_policy_check_file(path, &f->problems), CV_EPOLICY);
	assert_true(f->problems.n > 0);
	assert_problem(&f->problems, "/calendar.ini", 1, "");
}

/* ---- retention dates ---- */

static cv_class one_rule(cv_trigger t, int y, int m, int d)
{
	cv_class c;

	memset(&c, 0, sizeof(c));
	strcpy(c.name, "t");
	c.nrules = 1;
	c.rules[0].trigger = t;
	c.rules[0].years = y;
	c.rules[0].months = m;
	c.rules[0].days = d;
	return c;
}

/* The class's retention date from facts must be y-m-d. */
static void expect_kept_until(const cv_class *c, const cv_retention_facts *facts,
			      int y, int m, int d)
{
	cv_date out;

	assert_int_equal(cv_retention_date(&out, c, facts), 0);
	assert_date(out, y, m, d);
}

static void test_retention_each_trigger(void **state)
{
	static const struct {
		cv_trigger t;
		int y, m, d;
		int want[3];
	} rows[] = {
		{ CV_TRIG_FILED, 1, 0, 0, { 2025, 3, 1 } },          /* 29 Feb + 1y = 1 Mar */
		{ CV_TRIG_EVENT_DATE, 0, 0, 10, { 2024, 1, 4 } },
		{ CV_TRIG_CASE_CLOSED, 6, 0, 0, { 2026, 3, 15 } },
		{ CV_TRIG_CHILD_DOB, 25, 0, 0, { 2037, 3, 31 } },    /* 29 Feb 2012 + 25y: its quarter's end */
		{ CV_TRIG_LAST_CONTACT, 0, 1, 0, { 2021, 3, 1 } },   /* 31 Jan + 1m, never early */
	};
	cv_date filed = D(2024, 2, 29), event = D(2023, 12, 25),
		closed = D(2020, 3, 15), dob = D(2012, 2, 29),
		contact = D(2021, 1, 31);
	cv_retention_facts facts = { &filed, &event, &closed, &dob, &contact };
	cv_class c;
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		c = one_rule(rows[i].t, rows[i].y, rows[i].m, rows[i].d);
		expect_kept_until(&c, &facts, rows[i].want[0], rows[i].want[1], rows[i].want[2]);
	}
}

static void test_retention_rounding(void **state)
{
	cv_date d;
	cv_retention_facts facts = { &d, NULL, NULL, NULL, NULL };
	cv_class c;

	/* 31 Jan + 1m = 1 Mar, in a leap year too (no 31 Feb). */
	d = D(2023, 1, 31);
	c = one_rule(CV_TRIG_FILED, 0, 1, 0);
	expect_kept_until(&c, &facts, 2023, 3, 1);
	d = D(2024, 1, 31);
	expect_kept_until(&c, &facts, 2024, 3, 1);
	/* 31 Aug + 1m = 1 Oct. */
	d = D(2024, 8, 31);
	expect_kept_until(&c, &facts, 2024, 10, 1);
	/* 29 Feb + 4y stays 29 Feb. */
	d = D(2012, 2, 29);
	c = one_rule(CV_TRIG_FILED, 4, 0, 0);
	expect_kept_until(&c, &facts, 2016, 2, 29);
	/* Years, then months, then days: 29 Feb 2012 + 1y = 1 Mar 2013,
	 * + 6m = 1 Sep 2013, + 1d = 2 Sep 2013. */
	c = one_rule(CV_TRIG_FILED, 1, 6, 1);
	expect_kept_until(&c, &facts, 2013, 9, 2);
	/* 30 Nov 2023 + 3m = 1 Mar 2024 (no 30 Feb); never 29 Feb. */
	d = D(2023, 11, 30);
	c = one_rule(CV_TRIG_FILED, 0, 3, 0);
	expect_kept_until(&c, &facts, 2024, 3, 1);
}

static void test_retention_latest_wins(void **state)
{
	struct fixture *f = *state;
	cv_date event, closed = D(2020, 1, 10), dob = D(2012, 2, 29);
	cv_retention_facts facts = { NULL, &event, &closed, &dob, NULL };
	const cv_class *c;

	assert_int_equal(cv_policy_load(&f->policy, SHIPPED, &f->problems), 0);

	/* complaint: case-closed + 6y and event-date + 6y. */
	c = cv_policy_class(f->policy, "complaint");
	event = D(2019, 6, 1);
	expect_kept_until(c, &facts, 2026, 1, 10);
	event = D(2023, 5, 5);                  /* complaint after closure */
	expect_kept_until(c, &facts, 2029, 5, 5);

	/* cp-referral: the child's 25th birthday (its quarter's end) beats closure + 6y... */
	c = cv_policy_class(f->policy, "cp-referral");
	expect_kept_until(c, &facts, 2037, 3, 31);
	/* ...until the case closes late. */
	closed = D(2035, 7, 1);
	expect_kept_until(c, &facts, 2041, 7, 1);

	/* sen-ehcp: never later than DOB + 31y (1 Mar 2043)... */
	c = cv_policy_class(f->policy, "sen-ehcp");
	closed = D(2037, 2, 28);
	expect_kept_until(c, &facts, 2043, 2, 28);
	closed = D(2016, 9, 1);
	expect_kept_until(c, &facts, 2037, 3, 31);
	/* ...even when the case closes late: the first day of the ceiling's quarter */
	closed = D(2038, 6, 1);
	expect_kept_until(c, &facts, 2043, 1, 1);

	/* enquiry: a year after the enquiry's own date, not the day it was logged (RULES 12). */
	c = cv_policy_class(f->policy, "enquiry");
	{
		cv_date filed = D(2024, 6, 1), on = D(2024, 2, 29);
		cv_retention_facts ef = { &filed, &on, NULL, NULL, NULL };

		expect_kept_until(c, &ef, 2025, 3, 1);
	}
}

static void test_retention_not_known(void **state)
{
	struct fixture *f = *state;
	cv_date event = D(2024, 1, 1), dob = D(2012, 2, 29), out = D(1, 1, 1);
	cv_retention_facts facts = { &event, &event, NULL, &dob, &event };
	const cv_class *c;
	cv_class none;

	assert_int_equal(cv_policy_load(&f->policy, SHIPPED, &f->problems), 0);
	/* The case is still open: kept until it closes. */
	c = cv_policy_class(f->policy, "case-note");
	assert_int_equal(cv_retention_date(&out, c, &facts), CV_ENOTFOUND);
	assert_date(out, 1, 1, 1);             /* untouched */
	/* Even when another rule's date is known (DOB + 25y). */
	c = cv_policy_class(f->policy, "cp-note");
	assert_int_equal(cv_retention_date(&out, c, &facts), CV_ENOTFOUND);
	/* A rule on the child's DOB, no child recorded. */
	facts.child_dob = NULL;
	facts.case_closed = &event;
	assert_int_equal(cv_retention_date(&out, c, &facts), CV_ENOTFOUND);
	assert_date(out, 1, 1, 1);

	/* A class without rules, bad input. */
	memset(&none, 0, sizeof(none));
	assert_int_equal(cv_retention_date(&out, &none, &facts), CV_EINVAL);
	assert_int_equal(cv_retention_date(&out, NULL, &facts), CV_EINVAL);
	assert_int_equal(cv_retention_date(&out, c, NULL), CV_EINVAL);
	{
		cv_date bad = D(2023, 2, 29);
		cv_retention_facts bf = { &bad, &bad, &bad, &bad, &bad };

		assert_int_equal(cv_retention_date(&out, c, &bf), CV_EINVAL);
	}
}

static void test_names(void **state)
{
	assert_string_equal(cv_trigger_name(CV_TRIG_FILED), "filed");
	assert_string_equal(cv_trigger_name(CV_TRIG_EVENT_DATE), "event-date");
	assert_string_equal(cv_trigger_name(CV_TRIG_CASE_CLOSED), "case-closed");
	assert_string_equal(cv_trigger_name(CV_TRIG_CHILD_DOB), "child-dob");
	assert_string_equal(cv_trigger_name(CV_TRIG_LAST_CONTACT), "last-contact");
	assert_string_equal(cv_action_name(CV_ACTION_DESTROY), "destroy");
	assert_string_equal(cv_action_name(CV_ACTION_REVIEW), "review");
	assert_null(cv_policy_class(NULL, "case-note"));
	assert_int_equal(cv_policy_class_count(NULL), 0);
	cv_policy_free(NULL);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_shipped_loads),
		T(test_shipped_filetypes),
		T(test_check_shipped_files),
		T(test_hash),
		T(test_bad_periods),
		T(test_good_periods),
		T(test_unknown_trigger),
		T(test_unknown_key),
		T(test_missing_keys),
		T(test_duplicate_class),
		T(test_bad_section),
		T(test_bad_action_and_cp_destroy),
		T(test_too_many_rules),
		T(test_duplicate_key_and_syntax),
		T(test_long_line),
		T(test_all_problems_collected),
		T(test_indentation_and_comments),
		T(test_filetype_errors),
		T(test_filetype_default_label),
		T(test_missing_and_unknown_files),
		T(test_retention_each_trigger),
		T(test_retention_rounding),
		T(test_retention_latest_wins),
		T(test_retention_not_known),
		T(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
