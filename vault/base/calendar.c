/*
 * casevault - working-day calendar and subject access request due dates.
 *
 * The policy file is parsed with inih.  Debian's libinih is built without
 * INI_HANDLER_LINENO, so line numbers come from our own reader: inih asks
 * the reader for one line, then calls the handler for it, so the count the
 * reader keeps is the line the handler is looking at.
 *
 * Rule holidays are not stored: they are computed for a date's year when
 * asked (a few additions and one Easter computation), which keeps the
 * calendar valid for any year without a table to maintain.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "casevault/calendar.h"




enum {
	RULE_NEW_YEAR = 0,
	RULE_GOOD_FRIDAY,
	RULE_EASTER_MONDAY,
	RULE_EARLY_MAY,
	RULE_SPRING,
	RULE_SUMMER,
	RULE_CHRISTMAS,
	RULE_BOXING_DAY,
	RULE_COUNT
};

static const struct {
	const char *key;
	const char *name;
	const char *substitute;
} rules[RULE_COUNT] = {
	[RULE_NEW_YEAR] = { "new-year", "New Year's Day",
			    "New Year's Day (substitute day)" },
	[RULE_GOOD_FRIDAY] = { "good-friday", "Good Friday", NULL },
	[RULE_EASTER_MONDAY] = { "easter-monday", "Easter Monday", NULL },
	[RULE_EARLY_MAY] = { "early-may", "Early May bank holiday", NULL },
	[RULE_SPRING] = { "spring", "Spring bank holiday", NULL },
	[RULE_SUMMER] = { "summer", "Summer bank holiday", NULL },
	[RULE_CHRISTMAS] = { "christmas", "Christmas Day",
			     "Christmas Day (substitute day)" },
	[RULE_BOXING_DAY] = { "boxing-day", "Boxing Day",
			      "Boxing Day (substitute day)" },
};

struct cv_day {
	cv_date date;
	int line;
	char *text;        /* [extra]: the holiday's name; [removed]: why */
};

struct cv_daylist {
	struct cv_day *items;
	size_t n, alloc;
};

struct cv_calendar {
	unsigned rules;    /* bit (1u << RULE_*) set when the rule is on */
	struct cv_daylist extra;
	struct cv_daylist removed;
};

struct holiday {
	cv_date date;
	const char *name;
};

/* ---- rule holidays ---- */

/* Easter Sunday: the anonymous Gregorian algorithm (Meeus/Jones/Butcher). */
static void easter_sunday(cv_date *out, int y)
{
	int a = y % 19, b = y / 100, c = y % 100;
	int d = b / 4, e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3;
	int h = (19 * a + b - d - g + 15) % 30;
	int i = c / 4, k = c % 4;
	int l = (32 + 2 * e + 2 * i - h - k) % 7;
	int m = (a + 11 * h + 22 * l) / 451;

	out->y = y;
	out->m = (h + l - 7 * m + 114) / 31;
	out->d = (h + l - 7 * m + 114) % 31 + 1;
}

static void first_monday(cv_date *out, int y, int m)
{
	cv_date first = { y, m, 1 };

	cv_date_add_days(out, &first, (7 - cv_date_weekday(&first)) % 7);
}

static void last_monday(cv_date *out, int y, int m)
{
	cv_date last = { y, m, cv_date_days_in_month(y, m) };

	cv_date_add_days(out, &last, -(long)cv_date_weekday(&last));
}

static int is_weekend(const cv_date *d)
{
	return cv_date_weekday(d) >= 5;
}

static int taken(const struct holiday *h, size_t n, const cv_date *d)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!cv_date_cmp(&h[i].date, d))
			return 1;
	return 0;
}

/*
 * Fixed-date holidays (ids[], in order of precedence, all within one
 * stretch of days).  Those on a weekday stay; each one on a weekend moves
 * to the next weekday that is not already a holiday.  This gives the
 * published days: Christmas on a Saturday -> Mon 27 and Tue 28; on a
 * Sunday -> Boxing Day Mon 26, Christmas Tue 27; on a Friday -> Boxing Day
 * Mon 28.
 */
static size_t add_fixed(struct holiday *h, size_t n, unsigned on, int y,
			const int *ids, const int (*md)[2], size_t count)
{
	size_t i;

	for (i = 0; i < count; i++) {
		cv_date d = { y, md[i][0], md[i][1] };

		if ((on & (1u << ids[i])) && !is_weekend(&d)) {
			h[n].date = d;
			h[n++].name = rules[ids[i]].name;
		}
	}
	for (i = 0; i < count; i++) {
		cv_date d = { y, md[i][0], md[i][1] };

		if (!(on & (1u << ids[i])) || !is_weekend(&d))
			continue;
		while (is_weekend(&d) || taken(h, n, &d))
			cv_date_add_days(&d, &d, 1);
		h[n].date = d;
		h[n++].name = rules[ids[i]].substitute;
	}
	return n;
}

/* Every rule holiday of year y; h has room for RULE_COUNT. */
static size_t rule_holidays(struct holiday *h, unsigned on, int y)
{
	static const int ny_ids[] = { RULE_NEW_YEAR };
	static const int ny_md[][2] = { { 1, 1 } };
	static const int xmas_ids[] = { RULE_CHRISTMAS, RULE_BOXING_DAY };
	static const int xmas_md[][2] = { { 12, 25 }, { 12, 26 } };
	cv_date easter;
	size_t n = 0;

	n = add_fixed(h, n, on, y, ny_ids, ny_md, 1);
	easter_sunday(&easter, y);
	if (on & (1u << RULE_GOOD_FRIDAY)) {
		cv_date_add_days(&h[n].date, &easter, -2);
		h[n++].name = rules[RULE_GOOD_FRIDAY].name;
	}
	if (on & (1u << RULE_EASTER_MONDAY)) {
		cv_date_add_days(&h[n].date, &easter, 1);
		h[n++].name = rules[RULE_EASTER_MONDAY].name;
	}
	if (on & (1u << RULE_EARLY_MAY)) {
		first_monday(&h[n].date, y, 5);
		h[n++].name = rules[RULE_EARLY_MAY].name;
	}
	if (on & (1u << RULE_SPRING)) {
		last_monday(&h[n].date, y, 5);
		h[n++].name = rules[RULE_SPRING].name;
	}
	if (on & (1u << RULE_SUMMER)) {
		last_monday(&h[n].date, y, 8);
		h[n++].name = rules[RULE_SUMMER].name;
	}
	return add_fixed(h, n, on, y, xmas_ids, xmas_md, 2);
}

static const char *rule_holiday_name(unsigned on, const cv_date *d)
{
	struct holiday h[RULE_COUNT];
	size_t i, n = rule_holidays(h, on, d->y);

	for (i = 0; i < n; i++)
		if (!cv_date_cmp(&h[i].date, d))
			return h[i].name;
	return NULL;
}

static const struct cv_day *find_day(const struct cv_daylist *l, const cv_date *d)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!cv_date_cmp(&l->items[i].date, d))
			return &l->items[i];
	return NULL;
}

const char *cv_calendar_holiday_name(const cv_calendar *cal, const cv_date *d)
{
	const struct cv_day *day;

	if (!cal || !cv_date_valid(d))
		return NULL;
	if ((day = find_day(&cal->extra, d)))
		return day->text;
	if (find_day(&cal->removed, d))
		return NULL;
	return rule_holiday_name(cal->rules, d);
}

int cv_calendar_is_holiday(const cv_calendar *cal, const cv_date *d)
{
	return cv_calendar_holiday_name(cal, d) != NULL;
}

int cv_calendar_is_working_day(const cv_calendar *cal, const cv_date *d)
{
	if (!cal || !cv_date_valid(d))
		return 0;
	return !is_weekend(d) && !cv_calendar_is_holiday(cal, d);
}

int cv_calendar_next_working_day(cv_date *out, const cv_calendar *cal, const cv_date *d)
{
	static const cv_date last = { 9999, 12, 31 };
	cv_date cur;

	if (!cal || !cv_date_valid(d))
		return CV_EINVAL;
	cur = *d;
	while (!cv_calendar_is_working_day(cal, &cur)) {
		if (!cv_date_cmp(&cur, &last))
			return CV_EINVAL;
		cv_date_add_days(&cur, &cur, 1);
	}
	*out = cur;
	return 0;
}

/* ---- subject access requests ---- */

int cv_calendar_sar_clock_start(cv_date *out, const cv_sar_facts *facts)
{
	const cv_date *later[3];
	cv_date start;
	size_t i;

	if (!facts || !cv_date_valid(facts->received))
		return CV_EINVAL;
	later[0] = facts->identity_verified;
	later[1] = facts->fee_received;
	later[2] = facts->clarification_received;
	start = *facts->received;
	for (i = 0; i < 3; i++) {
		if (!later[i])
			continue;
		if (!cv_date_valid(later[i]))
			return CV_EINVAL;
		if (cv_date_cmp(later[i], &start) > 0)
			start = *later[i];
	}
	*out = start;
	return 0;
}

static int due_after(cv_date *out, const cv_calendar *cal, const cv_date *start, int months)
{
	cv_date d;

	if (!cal || !cv_date_valid(start))
		return CV_EINVAL;
	/* Past the end of the range cv_date_add_months_clamp would saturate. */
	if ((long)start->y * 12 + start->m - 1 + months > 9999L * 12 + 11)
		return CV_EINVAL;
	cv_date_add_months_clamp(&d, start, months);
	return cv_calendar_next_working_day(out, cal, &d);
}

int cv_calendar_sar_due(cv_date *out, const cv_calendar *cal, const cv_date *clock_start)
{
	return due_after(out, cal, clock_start, 1);
}

int cv_calendar_sar_extended_due(cv_date *out, const cv_calendar *cal,
				 const cv_date *clock_start)
{
	return due_after(out, cal, clock_start, 3);
}

static int blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return 0;
	return 1;
}

int cv_calendar_sar_extend(cv_date *out, const cv_calendar *cal, const cv_date *clock_start,
			   const cv_sar_extension *ext, cv_problems *problems)
{
	cv_date due, extended;
	char due_s[11], told_s[11];
	int refused = 0, ret;

	if (!ext || (ext->notified && !cv_date_valid(ext->notified)))
		return CV_EINVAL;
	if ((ret = cv_calendar_sar_due(&due, cal, clock_start)) < 0)
		return ret;
	if ((ret = cv_calendar_sar_extended_due(&extended, cal, clock_start)) < 0)
		return ret;

	/* Problems are best effort: the refusal stands even if one is lost. */
	if (!ext->complex && !ext->one_of_several) {
		refused = 1;
		if (problems)
			cv_problems_add(problems, NULL, 0,
					"extension refused: the request is neither flagged "
					"complex nor one of several from the requester");
	}
	if (!ext->reason || blank(ext->reason)) {
		refused = 1;
		if (problems)
			cv_problems_add(problems, NULL, 0,
					"extension refused: no reason was given to the requester");
	}
	cv_date_format(&due, due_s);
	if (!ext->notified) {
		refused = 1;
		if (problems)
			cv_problems_add(problems, NULL, 0,
					"extension refused: the requester has not been told; "
					"tell them, with reasons, by %s", due_s);
	} else if (cv_date_cmp(ext->notified, &due) > 0) {
		refused = 1;
		cv_date_format(ext->notified, told_s);
		if (problems)
			cv_problems_add(problems, NULL, 0,
					"extension refused: the requester was told on %s, "
					"after the original due date %s", told_s, due_s);
	}
	if (refused)
		return CV_EREFUSED;
	*out = extended;
	return 0;
}

/* ---- loading the policy file ---- */

struct parse_ctx {
	FILE *f;
	const char *path;
	cv_problems *problems;
	cv_calendar *cal;
	char *buf;                /* getline buffer */
	size_t bufsz;
	int lineno;               /* the line inih is working on */
	int rules_line;           /* first [rules] header; 0 = none */
	int rule_line[RULE_COUNT]; /* where each rule was set; 0 = not set */
	size_t nproblems;
	int oom;
};

static void problem(struct parse_ctx *ctx, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void problem(struct parse_ctx *ctx, int line, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	ctx->nproblems++;
	if (!ctx->problems)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0) {
		va_end(ap);
		ctx->oom = 1;
		return;
	}
	va_end(ap);
	if (cv_problems_add(ctx->problems, ctx->path, line, "%s", msg) < 0)
		ctx->oom = 1;
	free(msg);
}

static int section_known(const char *name, size_t len)
{
	static const char *const known[] = { "rules", "extra", "removed" };
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strlen(known[i]) == len && !memcmp(known[i], name, len))
			return 1;
	return 0;
}

/*
 * Section headers are checked here rather than in the handler because
 * inih never calls the handler for a section with no keys in it.
 */
static void check_section_line(struct parse_ctx *ctx, const char *s)
{
	const char *end;

	if (ctx->lineno == 1 && !strncmp(s, "\xEF\xBB\xBF", 3))
		s += 3;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s != '[' || !(end = strchr(s, ']')))
		return;         /* not a header, or one inih reports as a syntax error */
	s++;
	if (!section_known(s, (size_t)(end - s)))
		problem(ctx, ctx->lineno,
			"unknown section [%.*s]; expected [rules], [extra] or [removed]",
			(int)(end - s), s);
	else if (!strncmp(s, "rules]", 6) && !ctx->rules_line)
		ctx->rules_line = ctx->lineno;
}

static char *read_line(char *str, int num, void *stream)
{
	struct parse_ctx *ctx = stream;
	ssize_t len;
	size_t n, body;

	len = getline(&ctx->buf, &ctx->bufsz, ctx->f);
	if (len < 0)
		return NULL;
	ctx->lineno++;
	n = (size_t)len;
	body = n;
	if (body && ctx->buf[body - 1] == '\n')
		body--;
	if (body && ctx->buf[body - 1] == '\r')
		body--;
	if (memchr(ctx->buf, '\0', n))
		problem(ctx, ctx->lineno, "line contains a NUL byte");
	if (body > (size_t)num - 2) {
		problem(ctx, ctx->lineno, "line is longer than %d characters", num - 2);
		n = (size_t)num - 1;
	}
	memcpy(str, ctx->buf, n);
	str[n] = '\0';
	check_section_line(ctx, str);
	return str;
}

static int rule_index(const char *key)
{
	int i;

	for (i = 0; i < RULE_COUNT; i++)
		if (!strcmp(rules[i].key, key))
			return i;
	return -1;
}

static void on_rule(struct parse_ctx *ctx, const char *key, const char *value)
{
	int i = rule_index(key);

	if (i < 0) {
		problem(ctx, ctx->lineno,
			"unknown rule '%s' in [rules]; expected new-year, good-friday, "
			"easter-monday, early-may, spring, summer, christmas or boxing-day",
			key);
		return;
	}
	if (ctx->rule_line[i]) {
		problem(ctx, ctx->lineno, "rule '%s' is already set on line %d",
			key, ctx->rule_line[i]);
		return;
	}
	/* Set even when the value is bad, so it is not also reported unset. */
	ctx->rule_line[i] = ctx->lineno;
	if (!strcmp(value, "yes"))
		ctx->cal->rules |= 1u << i;
	else if (strcmp(value, "no"))
		problem(ctx, ctx->lineno, "rule '%s' must be yes or no, not '%s'",
			key, value);
}

static void on_day(struct parse_ctx *ctx, struct cv_daylist *l, const char *section,
		   const char *key, const char *value)
{
	const struct cv_day *dup;
	struct cv_day *items;
	cv_date d;
	char *text;

	if (cv_date_parse(&d, key) < 0) {
		problem(ctx, ctx->lineno,
			"'%s' in [%s] is not a date: expected YYYY-MM-DD = %s",
			key, section, l == &ctx->cal->extra ? "name" : "reason");
		return;
	}
	if ((dup = find_day(l, &d))) {
		problem(ctx, ctx->lineno, "%s is already in [%s] on line %d",
			key, section, dup->line);
		return;
	}
	if (!*value) {
		problem(ctx, ctx->lineno, "%s in [%s] needs a %s after '='",
			key, section, l == &ctx->cal->extra ? "name" : "reason");
		return;
	}
	if (l->n == l->alloc) {
		size_t na = l->alloc ? l->alloc * 2 : 16;

		items = reallocarray(l->items, na, sizeof(*items));
		if (!items) {
			ctx->oom = 1;
			return;
		}
		l->items = items;
		l->alloc = na;
	}
	if (!(text = strdup(value))) {
		ctx->oom = 1;
		return;
	}
	l->items[l->n].date = d;
	l->items[l->n].line = ctx->lineno;
	l->items[l->n].text = text;
	l->n++;
}

/*
 * Always returns 1: our problems are recorded here, so inih's return value
 * is left to report its own syntax errors.
 */
static int on_key(void *user, const char *section, const char *key, const char *value)
{
	struct parse_ctx *ctx = user;

	if (!strcmp(section, "rules"))
		on_rule(ctx, key, value);
	else if (!strcmp(section, "extra"))
		on_day(ctx, &ctx->cal->extra, section, key, value);
	else if (!strcmp(section, "removed"))
		on_day(ctx, &ctx->cal->removed, section, key, value);
	else if (!*section)
		problem(ctx, ctx->lineno,
			"'%s' is outside any section; expected [rules], [extra] or [removed]",
			key);
	/* else: an unknown section, already reported at its header */
	return 1;
}

/* Checks that need the whole file: rules unset, days that do nothing. */
static void check_whole(struct parse_ctx *ctx)
{
	const cv_calendar *cal = ctx->cal;
	const struct cv_day *day, *other;
	const char *rule_name;
	char ds[11];
	size_t i;
	int r;

	if (!ctx->rules_line) {
		problem(ctx, 0, "no [rules] section: set every rule to yes or no");
	} else {
		for (r = 0; r < RULE_COUNT; r++)
			if (!ctx->rule_line[r])
				problem(ctx, ctx->rules_line,
					"rule '%s' is not set in [rules] (yes or no)",
					rules[r].key);
	}
	for (i = 0; i < cal->removed.n; i++) {
		day = &cal->removed.items[i];
		cv_date_format(&day->date, ds);
		if (!rule_holiday_name(cal->rules, &day->date))
			problem(ctx, day->line,
				"%s in [removed] is not a holiday under [rules]; nothing to remove",
				ds);
	}
	for (i = 0; i < cal->extra.n; i++) {
		day = &cal->extra.items[i];
		cv_date_format(&day->date, ds);
		if ((other = find_day(&cal->removed, &day->date)))
			problem(ctx, day->line, "%s is also in [removed] on line %d",
				ds, other->line);
		else if ((rule_name = rule_holiday_name(cal->rules, &day->date)))
			problem(ctx, day->line,
				"%s in [extra] is already a holiday under [rules] (%s)",
				ds, rule_name);
		else if (is_weekend(&day->date))
			problem(ctx, day->line,
				"%s in [extra] is a %s: a weekend day is never a working day",
				ds, cv_date_weekday(&day->date) == 5 ? "Saturday" : "Sunday");
	}
}

static void daylist_release(struct cv_daylist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->items[i].text);
	free(l->items);
}

void cv_calendar_free(cv_calendar *cal)
{
	if (!cal)
		return;
	daylist_release(&cal->extra);
	daylist_release(&cal->removed);
	free(cal);
}

/* Open path as a regular file, following symlinks. */
static int open_policy(FILE **out, const char *path, cv_problems *problems)
{
	struct stat st;
	FILE *f;
	int fd, err;

	/* O_NONBLOCK: opening a FIFO must not hang before fstat refuses it. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		err = errno;
		if (problems)
			cv_problems_add(problems, path, 0, "cannot open: %s", strerror(err));
		return err == ENOENT || err == ENOTDIR ? CV_ENOTFOUND : CV_ERROR;
	}
	if (fstat(fd, &st) < 0) {
		err = errno;
		close(fd);
		if (problems)
			cv_problems_add(problems, path, 0, "cannot stat: %s", strerror(err));
		return CV_ERROR;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		if (problems)
			cv_problems_add(problems, path, 0, "not a regular file");
		return CV_EINVAL;
	}
	if (!(f = fdopen(fd, "r"))) {
		err = errno;
		close(fd);
		if (problems)
			cv_problems_add(problems, path, 0, "cannot read: %s", strerror(err));
		return CV_ERROR;
	}
	*out = f;
	return 0;
}

int cv_calendar_load(cv_calendar **out, const char *path, cv_problems *problems)
{
	struct parse_ctx ctx;
	int ret, rc;

	*out = NULL;
	memset(&ctx, 0, sizeof(ctx));
	ctx.path = path;
	ctx.problems = problems;
	if ((ret = open_policy(&ctx.f, path, problems)) < 0)
		return ret;
	if (!(ctx.cal = calloc(1, sizeof(*ctx.cal)))) {
		ret = CV_ERROR;
		goto out;
	}

	rc = ini_parse_stream(read_line, &ctx, on_key, &ctx);
	if (ferror(ctx.f)) {
		if (problems)
			cv_problems_add(problems, path, 0, "read error");
		ret = CV_ERROR;
		goto out;
	}
	if (rc == -2) {
		ret = CV_ERROR;
		goto out;
	}
	if (rc > 0)
		problem(&ctx, rc, "expected [section] or key = value");
	check_whole(&ctx);

	if (ctx.oom)
		ret = CV_ERROR;
	else if (ctx.nproblems)
		ret = CV_EPOLICY;
	else
		ret = 0;
out:
	free(ctx.buf);
	fclose(ctx.f);
	if (ret == 0)
		*out = ctx.cal;
	else
		cv_calendar_free(ctx.cal);
	return ret;
}

int cv_calendar_check_file(const char *path, cv_problems *problems)
{
	cv_calendar *cal;
	int ret = cv_calendar_load(&cal, path, problems);

	cv_calendar_free(cal);
	return ret;
}
