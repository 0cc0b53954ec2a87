/*
 * casevault - policy files: record classes with their retention rules, and
 * the allow-list of document types.
 *
 * The files are parsed with inih.  inih as shipped (r55) cannot tell its
 * handler the line number, truncates section names to 49 bytes (a MIME type
 * such as the .docx one is longer) and reports only the first syntax error,
 * so it reads through read_line() below, which
 *   - counts lines, so that every problem names its line;
 *   - takes the section headers itself, keeping the full name and noticing
 *     repeated sections (inih would merge them silently);
 *   - strips indentation, so that an indented line is never read as a
 *     continuation of the line above;
 *   - reports every line inih would reject (and over-long lines, which inih
 *     would split in two) and hands inih an empty line instead, so that one
 *     bad line never hides the next.
 * inih then splits "key = value" and strips inline comments.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "base/utf8.h"
#include "casevault/calendar.h"
#include "casevault/disclose.h"
#include "casevault/policy.h"
#include "crypto/seal.h"




#define POLICY_MAX_BYTES (1024 * 1024)

/* Upper bounds of each part of a period: no schedule keeps anything longer. */
#define PERIOD_MAX_YEARS 200
#define PERIOD_MAX_MONTHS (PERIOD_MAX_YEARS * 12)
#define PERIOD_MAX_DAYS (PERIOD_MAX_YEARS * 366)

enum kind { KIND_RETENTION, KIND_FILETYPES };

struct rclass {
	cv_class c;
	int line;               /* of the [section] header */
	int bad;                /* bad name or repeated: never loaded */
	int label_line, section_line, action_line, ceiling_line;
	int rule_lines;         /* rule lines seen, good or bad */
};

struct ftype {
	cv_filetype t;
	int line;
	int bad;
	int ext_line, comp_line, label_line, size_line;
};

struct cv_policy {
	struct rclass *classes;
	size_t nclasses;
	int keystore_backup_days;
	int backup_every_days;
	struct ftype *types;
	size_t ntypes;
	char hash[65];
};

struct parse {
	enum kind kind;
	const char *file;
	cv_problems *problems;  /* may be NULL */
	size_t nproblems;
	int failed;             /* out of memory */
	const char *buf;
	size_t len, pos;
	int line;               /* of the line last handed to inih */
	long cur;               /* current section entry, -1 before the first */
	struct rclass *classes;
	size_t nclasses, aclasses;
	struct ftype *types;
	size_t ntypes, atypes;
	int backup_days, backup_line;  /* [backups] keystore_backup_days, and where */
	int every_days, every_line;    /* [backups] backup_every_days, and where */
};

#define BACKUPS_SECTION (-2)      /* st->cur while in retention.ini's [backups] */
#define KEYSTORE_BACKUP_DAYS 35
#define KEYSTORE_BACKUP_DAYS_MAX 3660
/* a backup older than this is reported by doctor (docs/commands/doctor.md) */
#define BACKUP_EVERY_DAYS 7

static const char *const trigger_names[] = {
	"filed", "event-date", "case-closed", "child-dob", "last-contact"
};

#define TRIGGER_COUNT (sizeof(trigger_names) / sizeof(trigger_names[0]))

const char *cv_trigger_name(cv_trigger t)
{
	if ((unsigned)t >= TRIGGER_COUNT)
		return "unknown";
	return trigger_names[t];
}

const char *cv_action_name(cv_action a)
{
	return a == CV_ACTION_REVIEW ? "review" : "destroy";
}

static void problem(struct parse *st, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void problem(struct parse *st, int line, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	int n;

	st->nproblems++;
	if (!st->problems)
		return;
	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0) {
		st->failed = 1;
		return;
	}
	if (cv_problems_add(st->problems, st->file, line, "%s", msg))
		st->failed = 1;
	free(msg);
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static int is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/*
 * Where inih's find_chars_or_comment would stop in s[0..len): at the first
 * of chars, or at a ';' that follows whitespace (an inline comment).
 * Returns len when it finds neither.
 */
static size_t find_chars(const char *s, size_t len, const char *chars)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (strchr(chars, s[i]))
			return i;
		if (s[i] == ';' && i > 0 && is_blank(s[i - 1]))
			return len;
	}
	return len;
}

static int valid_class_name(const char *s, size_t len)
{
	size_t i;

	if (len < 1 || len > 63)
		return 0;
	for (i = 0; i < len; i++)
		if (!is_lower_alnum(s[i]) && s[i] != '-')
			return 0;
	return 1;
}

/* RFC 6838 restricted-name, lower case only, 1-63 characters. */
static int valid_mime_part(const char *s, size_t len)
{
	size_t i;

	if (len < 1 || len > 63 || !is_lower_alnum(s[0]))
		return 0;
	for (i = 1; i < len; i++)
		if (!is_lower_alnum(s[i]) && !strchr("!#$&^_.+-", s[i]))
			return 0;
	return 1;
}

static int valid_mime(const char *s, size_t len)
{
	const char *slash = memchr(s, '/', len);
	size_t tlen;

	if (!slash || len >= sizeof(((cv_filetype *)0)->mime))
		return 0;
	tlen = (size_t)(slash - s);
	return valid_mime_part(s, tlen) &&
	       valid_mime_part(slash + 1, len - tlen - 1);
}

static int grow(void **items, size_t *alloc, size_t n, size_t size)
{
	size_t na;
	void *ni;

	if (n < *alloc)
		return 0;
	na = *alloc ? *alloc * 2 : 16;
	ni = reallocarray(*items, na, size);
	if (!ni)
		return CV_ERROR;
	*items = ni;
	*alloc = na;
	return 0;
}

static void begin_class(struct parse *st, const char *name, size_t len, int line)
{
	struct rclass *rc;
	size_t i;

	/* [backups] is no class: how long key-store backups are kept (docs/policy-retention.md) */
	if (len == 7 && !memcmp(name, "backups", 7)) {
		st->cur = BACKUPS_SECTION;
		return;
	}
	if (grow((void **)&st->classes, &st->aclasses, st->nclasses,
		 sizeof(*st->classes))) {
		st->failed = 1;
		return;
	}
	rc = &st->classes[st->nclasses];
	memset(rc, 0, sizeof(*rc));
	rc->line = line;
	if (!valid_class_name(name, len)) {
		problem(st, line, "bad class name [%.*s]: use 1-63 characters "
			"from a-z, 0-9 and '-'", (int)(len > 80 ? 80 : len), name);
		rc->bad = 1;
		/* Keep a name for later messages; it is never looked up. */
		len = len < sizeof(rc->c.name) ? len : sizeof(rc->c.name) - 1;
	}
	memcpy(rc->c.name, name, len);
	rc->c.name[len] = '\0';
	/* Against first occurrences only (a bad name is truncated). */
	for (i = 0; !rc->bad && i < st->nclasses; i++) {
		if (!st->classes[i].bad &&
		    !strcmp(st->classes[i].c.name, rc->c.name)) {
			problem(st, line, "duplicate class [%s] (first defined at "
				"line %d)", rc->c.name, st->classes[i].line);
			rc->bad = 1;
		}
	}
	st->cur = (long)st->nclasses++;
}

static void begin_filetype(struct parse *st, const char *name, size_t len, int line)
{
	struct ftype *ft;
	size_t i;

	if (grow((void **)&st->types, &st->atypes, st->ntypes,
		 sizeof(*st->types))) {
		st->failed = 1;
		return;
	}
	ft = &st->types[st->ntypes];
	memset(ft, 0, sizeof(*ft));
	ft->line = line;
	if (!valid_mime(name, len)) {
		problem(st, line, "bad MIME type [%.*s]: write one lower-case "
			"type/subtype such as [application/pdf], without "
			"wildcards or parameters", (int)(len > 80 ? 80 : len), name);
		ft->bad = 1;
		len = len < sizeof(ft->t.mime) ? len : sizeof(ft->t.mime) - 1;
	}
	memcpy(ft->t.mime, name, len);
	ft->t.mime[len] = '\0';
	for (i = 0; !ft->bad && i < st->ntypes; i++) {
		if (!st->types[i].bad &&
		    !strcmp(st->types[i].t.mime, ft->t.mime)) {
			problem(st, line, "duplicate MIME type [%s] (first defined "
				"at line %d)", ft->t.mime, st->types[i].line);
			ft->bad = 1;
		}
	}
	st->cur = (long)st->ntypes++;
}

/*
 * The inih reader: hands inih one line at a time (see the comment at the
 * top).  Lines inih would reject are reported here and replaced by an
 * empty line.
 */
static char *read_line(char *str, int num, void *stream)
{
	struct parse *st = stream;
	const char *p, *end, *nl;
	size_t len, i;

	if (st->pos >= st->len || num < 2)
		return NULL;
	p = st->buf + st->pos;
	nl = memchr(p, '\n', st->len - st->pos);
	end = nl ? nl : st->buf + st->len;
	st->pos = (size_t)(end - st->buf) + (nl ? 1 : 0);
	st->line++;
	if (st->line == 1 && end - p >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
		p += 3;
	while (p < end && is_blank(*p))
		p++;
	while (end > p && is_blank(end[-1]))
		end--;
	len = (size_t)(end - p);
	str[0] = '\n';
	str[1] = '\0';

	if (len == 0 || *p == ';' || *p == '#')
		return str;     /* comments may be as long as they like */
	if (memchr(p, '\0', len)) {
		problem(st, st->line, "line contains a NUL byte");
		return str;
	}
	if (len + 2 > (size_t)num) {
		problem(st, st->line, "line is too long (at most %d characters)",
			num - 2);
		return str;
	}

	if (*p == '[') {
		i = find_chars(p + 1, len - 1, "]");
		if (i == len - 1) {
			problem(st, st->line, "section header has no closing ']'");
			return str;
		}
		end = p + 1 + i + 1;
		while (end < p + len && is_blank(*end))
			end++;
		if (end < p + len && *end != ';' && *end != '#') {
			problem(st, st->line, "unexpected text after ']'");
			return str;
		}
		if (st->kind == KIND_RETENTION)
			begin_class(st, p + 1, i, st->line);
		else
			begin_filetype(st, p + 1, i, st->line);
		/* inih still needs the header to track its own section. */
	} else if (find_chars(p, len, "=:") == len) {
		problem(st, st->line, "expected 'key = value' or [section]");
		return str;
	}
	memcpy(str, p, len);
	str[len] = '\n';
	str[len + 1] = '\0';
	return str;
}

/* Copies value into dst (of size) or says why not; 0 when copied. */
static int take_text(struct parse *st, char *dst, size_t size,
		     const char *key, const char *value)
{
	size_t len = strlen(value);
	size_t i;

	if (len == 0) {
		problem(st, st->line, "%s is empty", key);
		return -1;
	}
	if (len >= size) {
		problem(st, st->line, "%s is longer than %zu characters", key,
			size - 1);
		return -1;
	}
	for (i = 0; i < len; i++) {
		if ((unsigned char)value[i] < 0x20 || value[i] == 0x7f) {
			problem(st, st->line, "%s contains a control character",
				key);
			return -1;
		}
	}
	memcpy(dst, value, len + 1);
	return 0;
}

/* 0 when the key is seen for the first time in its section. */
static int once(struct parse *st, int *seen, const char *key)
{
	if (*seen) {
		problem(st, st->line, "duplicate key '%s' (first set at line %d)",
			key, *seen);
		return -1;
	}
	*seen = st->line;
	return 0;
}

enum period_err { PERIOD_OK, PERIOD_BAD, PERIOD_TOO_LONG, PERIOD_ZERO };

/* One or more <digits><unit>, units y, m, d in that order, each once. */
static enum period_err parse_period(cv_retention_rule *r, const char *s, size_t len)
{
	static const char units[] = "ymd";
	static const long max[] = {
		PERIOD_MAX_YEARS, PERIOD_MAX_MONTHS, PERIOD_MAX_DAYS
	};
	long part[3] = { 0, 0, 0 };
	size_t i = 0, next = 0, digits;
	const char *u;
	long v;

	if (len == 0)
		return PERIOD_BAD;
	while (i < len) {
		v = 0;
		digits = 0;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			if (++digits > 6)
				return PERIOD_TOO_LONG;
			v = v * 10 + (s[i++] - '0');
		}
		if (!digits || i == len || s[i] == '\0')
			return PERIOD_BAD;
		u = strchr(units, s[i]);
		if (!u || (size_t)(u - units) < next)
			return PERIOD_BAD;
		next = (size_t)(u - units);
		if (v > max[next])
			return PERIOD_TOO_LONG;
		part[next++] = v;
		i++;
	}
	if (!part[0] && !part[1] && !part[2])
		return PERIOD_ZERO;
	r->years = (int)part[0];
	r->months = (int)part[1];
	r->days = (int)part[2];
	return PERIOD_OK;
}

/* "TRIGGER + PERIOD"; 0 and fills r, or reports and returns -1. */
static int parse_rule(struct parse *st, cv_retention_rule *r, const char *value)
{
	const char *plus = strchr(value, '+');
	const char *t, *te, *pe;
	size_t tlen, i;
	int ret = 0;

	if (!plus) {
		problem(st, st->line, "rule '%s' is not TRIGGER + PERIOD "
			"(e.g. case-closed + 6y)", value);
		return -1;
	}
	t = value;
	te = plus;
	while (te > t && is_blank(te[-1]))
		te--;
	tlen = (size_t)(te - t);
	plus++;
	while (is_blank(*plus))
		plus++;
	pe = plus + strlen(plus);
	if (tlen == 0) {
		problem(st, st->line, "rule '%s' has no trigger before '+'", value);
		ret = -1;
	} else {
		for (i = 0; i < TRIGGER_COUNT; i++)
			if (strlen(trigger_names[i]) == tlen &&
			    !memcmp(trigger_names[i], t, tlen))
				break;
		if (i == TRIGGER_COUNT) {
			problem(st, st->line, "unknown trigger '%.*s' (expected "
				"filed, event-date, case-closed, child-dob or "
				"last-contact)", (int)tlen, t);
			ret = -1;
		} else {
			r->trigger = (cv_trigger)i;
		}
	}
	switch (parse_period(r, plus, (size_t)(pe - plus))) {
	case PERIOD_OK:
		break;
	case PERIOD_TOO_LONG:
		problem(st, st->line, "period '%s' is too long (at most %d "
			"years, %d months or %d days)", plus, PERIOD_MAX_YEARS,
			PERIOD_MAX_MONTHS, PERIOD_MAX_DAYS);
		ret = -1;
		break;
	case PERIOD_ZERO:
		problem(st, st->line, "period '%s' is zero: a record would "
			"fall due the day its trigger is known", plus);
		ret = -1;
		break;
	default:
		problem(st, st->line, "bad period '%s' (expected a number and "
			"y, m or d, e.g. 6y, 18m, 30d, 1y6m)", plus);
		ret = -1;
		break;
	}
	return ret;
}

static void retention_key(struct parse *st, struct rclass *rc,
			  const char *name, const char *value)
{
	cv_retention_rule r;
	cv_section sec;

	if (!strcmp(name, "label")) {
		if (once(st, &rc->label_line, name) == 0)
			take_text(st, rc->c.label, sizeof(rc->c.label), name, value);
	} else if (!strcmp(name, "section")) {
		if (once(st, &rc->section_line, name))
			return;
		if (cv_section_parse(&sec, value))
			problem(st, st->line, "bad section '%s' (expected case "
				"or cp)", value);
		else
			rc->c.section = sec;
	} else if (!strcmp(name, "action")) {
		if (once(st, &rc->action_line, name))
			return;
		if (!strcmp(value, "destroy"))
			rc->c.action = CV_ACTION_DESTROY;
		else if (!strcmp(value, "review"))
			rc->c.action = CV_ACTION_REVIEW;
		else
			problem(st, st->line, "bad action '%s' (expected destroy "
				"or review)", value);
	} else if (!strcmp(name, "rule")) {
		if (++rc->rule_lines > CV_RETENTION_RULES_MAX) {
			problem(st, st->line, "too many rules in [%s] (at most %d)",
				rc->c.name, CV_RETENTION_RULES_MAX);
			return;
		}
		memset(&r, 0, sizeof(r));
		if (parse_rule(st, &r, value) == 0)
			rc->c.rules[rc->c.nrules++] = r;
	} else if (!strcmp(name, "ceiling")) {
		if (once(st, &rc->ceiling_line, name))
			return;
		memset(&r, 0, sizeof(r));
		if (parse_rule(st, &r, value) == 0) {
			rc->c.ceiling = r;
			rc->c.has_ceiling = 1;
		}
	} else {
		problem(st, st->line, "unknown key '%s' (expected label, section, "
			"rule, ceiling or action)", name);
	}
}

/*
 * max_size: a whole number of bytes, or of K, M or G (1024-based), from
 * 1 byte up to CV_FILETYPE_MAX_SIZE (docs/policy-filetypes.md).
 */
static void take_size(struct parse *st, struct ftype *ft, const char *value)
{
	static const char units[] = "KMG";
	const char *u;
	char *end;
	long long n;

	errno = 0;
	n = strtoll(value, &end, 10);
	if (end != value && *end && !end[1] && (u = strchr(units, *end)) && n >= 0 && n <= (CV_FILETYPE_MAX_SIZE >> 10))
		n <<= 10 * (u - units + 1);
	else if (*end)
		n = -1;
	if (end == value || errno || n < 1 || n > CV_FILETYPE_MAX_SIZE)
		problem(st, st->line, "bad max_size '%s' (expected a size such as 64M or 512K, "
			"at most %lldM)", value, (long long)(CV_FILETYPE_MAX_SIZE >> 20));
	else
		ft->t.max_size = n;
}

static void filetype_key(struct parse *st, struct ftype *ft,
			 const char *name, const char *value)
{
	size_t len, i;

	if (!strcmp(name, "extension")) {
		if (once(st, &ft->ext_line, name))
			return;
		len = strlen(value);
		for (i = 0; i < len && is_lower_alnum(value[i]); i++)
			;
		if (len == 0 || i < len || len >= sizeof(ft->t.ext))
			problem(st, st->line, "bad extension '%s' (expected 1-%zu "
				"characters from a-z and 0-9, without the dot)",
				value, sizeof(ft->t.ext) - 1);
		else
			memcpy(ft->t.ext, value, len + 1);
	} else if (!strcmp(name, "compressible")) {
		if (once(st, &ft->comp_line, name))
			return;
		if (!strcmp(value, "yes"))
			ft->t.compressible = 1;
		else if (!strcmp(value, "no"))
			ft->t.compressible = 0;
		else
			problem(st, st->line, "bad compressible '%s' (expected yes "
				"or no)", value);
	} else if (!strcmp(name, "label")) {
		if (once(st, &ft->label_line, name) == 0)
			take_text(st, ft->t.label, sizeof(ft->t.label), name, value);
	} else if (!strcmp(name, "max_size")) {
		if (once(st, &ft->size_line, name) == 0)
			take_size(st, ft, value);
	} else {
		problem(st, st->line, "unknown key '%s' (expected extension, "
			"compressible, label or max_size)", name);
	}
}

/* A whole number of days, 1 to KEYSTORE_BACKUP_DAYS_MAX, once: into *out. */
static void days_value(struct parse *st, const char *name, const char *value, int *line, int *out)
{
	char *end;
	long d;

	if (once(st, line, name))
		return;
	d = strtol(value, &end, 10);
	if (end == value || *end || d < 1 || d > KEYSTORE_BACKUP_DAYS_MAX)
		problem(st, st->line, "bad %s '%s' (expected a whole number of days, 1 to %d)",
			name, value, KEYSTORE_BACKUP_DAYS_MAX);
	else
		*out = (int)d;
}

static void backups_key(struct parse *st, const char *name, const char *value)
{
	if (!strcmp(name, "keystore_backup_days"))
		days_value(st, name, value, &st->backup_line, &st->backup_days);
	else if (!strcmp(name, "backup_every_days"))
		days_value(st, name, value, &st->every_line, &st->every_days);
	else
		problem(st, st->line, "unknown key '%s' in [backups] (expected keystore_backup_days or "
			"backup_every_days)", name);
}

static int on_key(void *user, const char *section, const char *name,
		  const char *value)
{
	struct parse *st = user;

	(void)section;  /* inih truncates it; read_line tracks the real one */
	if (!name || !value)
		return 1;
	if (st->cur == BACKUPS_SECTION) {
		backups_key(st, name, value);
		return 1;
	}
	if (st->cur < 0) {
		problem(st, st->line, "key '%s' comes before the first [section]",
			name);
		return 1;
	}
	if (st->kind == KIND_RETENTION)
		retention_key(st, &st->classes[st->cur], name, value);
	else
		filetype_key(st, &st->types[st->cur], name, value);
	return 1;
}

static void rule_date(cv_date *out, const cv_retention_rule *r, const cv_date *from, int round);

/*
 * A ceiling and a rule that both run from the date of birth must never
 * meet in one calendar quarter: the rule's date, rounded up to its
 * quarter's end, would then pass the ceiling, and the record could only go
 * on an exact day that dates the birth (docs/legal-rules.md §12).  Both
 * dates depend on the quarter of birth alone (rule_date), so trying each
 * quarter of a four-year leap cycle tries every birthday.
 */
static void check_ceiling(struct parse *st, const struct rclass *rc)
{
	cv_date dob, lo, cq;
	size_t k;
	int n;

	if (!rc->c.has_ceiling || rc->c.ceiling.trigger != CV_TRIG_CHILD_DOB)
		return;
	for (k = 0; k < rc->c.nrules; k++) {
		if (rc->c.rules[k].trigger != CV_TRIG_CHILD_DOB)
			continue;
		for (n = 0; n < 16; n++) {
			dob = (cv_date){ 2000 + n / 4, n % 4 * 3 + 1, 1 };
			rule_date(&lo, &rc->c.rules[k], &dob, 1);
			rule_date(&cq, &rc->c.ceiling, &dob, -1);
			if (cv_date_cmp(&lo, &cq) > 0) {
				problem(st, rc->ceiling_line, "class [%s]: a "
					"child-dob rule comes within a calendar quarter "
					"of the ceiling (keep them a quarter apart, or "
					"the day a record goes dates a birth)", rc->c.name);
				return;
			}
		}
	}
}

/* Whole-section checks, once every line has been read. */
static void finish(struct parse *st)
{
	struct rclass *rc;
	struct ftype *ft;
	size_t i, j;

	if (st->kind == KIND_RETENTION) {
		if (st->nclasses == 0)
			problem(st, 0, "no record classes: every record needs one");
		for (i = 0; i < st->nclasses; i++) {
			rc = &st->classes[i];
			if (!rc->label_line)
				problem(st, rc->line, "class [%s] has no label",
					rc->c.name);
			if (!rc->section_line)
				problem(st, rc->line, "class [%s] has no section "
					"(case or cp)", rc->c.name);
			if (!rc->action_line)
				problem(st, rc->line, "class [%s] has no action "
					"(destroy or review)", rc->c.name);
			if (!rc->rule_lines)
				problem(st, rc->line, "class [%s] has no rule",
					rc->c.name);
			/* docs/legal-rules.md §12: child-protection records are never destroyed
			 * automatically; a manager reviews each one. */
			if (rc->section_line && rc->action_line &&
			    rc->c.section == CV_SECTION_CP &&
			    rc->c.action != CV_ACTION_REVIEW)
				problem(st, rc->action_line, "child-protection "
					"class [%s] must have action = review",
					rc->c.name);
			check_ceiling(st, rc);
		}
		return;
	}
	if (st->ntypes == 0)
		problem(st, 0, "no file types: every document would be refused");
	for (i = 0; i < st->ntypes; i++) {
		ft = &st->types[i];
		if (!ft->ext_line)
			problem(st, ft->line, "type [%s] has no extension",
				ft->t.mime);
		if (!ft->size_line)
			ft->t.max_size = CV_FILETYPE_MAX_SIZE;
		if (!ft->label_line) {
			/* Default label: the extension in capitals ("PDF"). */
			for (j = 0; ft->t.ext[j]; j++)
				ft->t.label[j] = (char)(ft->t.ext[j] >= 'a' &&
					ft->t.ext[j] <= 'z' ? ft->t.ext[j] - 32 :
					ft->t.ext[j]);
			ft->t.label[j] = '\0';
		}
	}
}

static void parse_init(struct parse *st, enum kind kind, const char *file,
		       cv_problems *problems)
{
	memset(st, 0, sizeof(*st));
	st->kind = kind;
	st->file = file;
	st->problems = problems;
	st->cur = -1;
}

static void parse_release(struct parse *st)
{
	free(st->classes);
	free(st->types);
	st->classes = NULL;
	st->types = NULL;
	st->nclasses = st->ntypes = 0;
}

/* Stable sort of items[from..n) by line, so a report reads top to bottom. */
static void sort_problems(cv_problems *p, size_t from)
{
	cv_problem tmp;
	size_t i, j;

	for (i = from + 1; i < p->n; i++) {
		tmp = p->items[i];
		for (j = i; j > from && p->items[j - 1].line > tmp.line; j--)
			p->items[j] = p->items[j - 1];
		p->items[j] = tmp;
	}
}

/* 0, CV_EPOLICY (problems reported) or CV_ERROR. */
static int parse_buf(struct parse *st, const char *buf, size_t len)
{
	size_t first = st->problems ? st->problems->n : 0;
	int r;

	st->buf = buf;
	st->len = len;
	st->pos = 0;
	st->line = 0;
	/* names and descriptions are shown and put in JSON: UTF-8 (docs/commands/README.md, Text and JSON) */
	if ((r = cv_text_bad_line(buf, len)) > 0)
		problem(st, r, "this line is not UTF-8; save the file as UTF-8");
	r = ini_parse_stream(read_line, st, on_key, st);
	if (r < 0 || st->failed)
		return CV_ERROR;
	/* read_line hides every line inih rejects, so this is a safety net. */
	if (r > 0)
		problem(st, r, "cannot parse this line");
	finish(st);
	if (st->problems)
		sort_problems(st->problems, first);
	if (st->failed)
		return CV_ERROR;
	return st->nproblems ? CV_EPOLICY : 0;
}

/*
 * Reads a whole policy file (the bytes parsed are the bytes hashed).
 * Symbolic links are followed: the file is administrator-owned policy.
 * 0, CV_ENOTFOUND, CV_EINVAL (not a regular file), CV_EPOLICY (too large)
 * or CV_ERROR, with a problem for each failure.
 */
static int read_file(const char *path, cv_problems *problems, char **out,
		     size_t *outlen)
{
	struct stat sb;
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd, ret;

	*out = NULL;
	*outlen = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR) {
			ret = CV_ENOTFOUND;
			if (problems && cv_problems_add(problems, path, 0,
							"file not found"))
				ret = CV_ERROR;
		} else {
			ret = CV_ERROR;
			if (problems)
				cv_problems_add(problems, path, 0, "cannot open: %s",
						strerror(errno));
		}
		goto out;
	}
	if (fstat(fd, &sb) < 0) {
		ret = CV_ERROR;
		if (problems)
			cv_problems_add(problems, path, 0, "cannot stat: %s",
					strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		ret = CV_EINVAL;
		if (problems && cv_problems_add(problems, path, 0,
						"not a regular file"))
			ret = CV_ERROR;
		goto out;
	}
	if (sb.st_size > POLICY_MAX_BYTES) {
		ret = CV_EPOLICY;
		if (problems && cv_problems_add(problems, path, 0,
						"file is larger than 1 MiB"))
			ret = CV_ERROR;
		goto out;
	}
	/* One byte spare to see a file that grew since fstat. */
	buf = malloc((size_t)sb.st_size + 2);
	if (!buf) {
		ret = CV_ERROR;
		goto out;
	}
	while (len < (size_t)sb.st_size + 1) {
		n = read(fd, buf + len, (size_t)sb.st_size + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = CV_ERROR;
			if (problems)
				cv_problems_add(problems, path, 0,
						"cannot read: %s", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > (size_t)sb.st_size) {
		ret = CV_ERROR;
		if (problems)
			cv_problems_add(problems, path, 0,
					"file changed while it was read");
		goto out;
	}
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return ret;
}

/*
 * The more serious of two results: CV_ERROR, CV_ENOTFOUND, CV_EINVAL (not a
 * regular file), CV_EPOLICY, 0.
 */
static int worse(int a, int b)
{
	static const int order[] = {
		CV_ERROR, CV_ENOTFOUND, CV_EINVAL, CV_EPOLICY
	};
	size_t i;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (a == order[i] || b == order[i])
			return order[i];
	return a ? a : b;
}

static int hash_hex(char out[65], const char *a, size_t alen,
		    const char *b, size_t blen)
{
	cv_sha256 *md = cv_sha256_new();

	if (!md)
		return CV_ERROR;
	cv_sha256_write(md, a, alen);
	cv_sha256_write(md, b, blen);
	cv_sha256_final(md, out);
	cv_sha256_free(md);
	return 0;
}

/* A policy from two parsed files: takes their classes and types; the hash covers both texts. */
static int assemble(cv_policy **out, struct parse *rs, struct parse *fs,
		    const char *rbuf, size_t rlen, const char *fbuf, size_t flen)
{
	cv_policy *p = calloc(1, sizeof(*p));
	int ret;

	if (!p)
		return CV_ERROR;
	if ((ret = hash_hex(p->hash, rbuf, rlen, fbuf, flen)) != 0) {
		cv_policy_free(p);
		return ret;
	}
	p->classes = rs->classes;
	p->nclasses = rs->nclasses;
	p->keystore_backup_days = rs->backup_days ? rs->backup_days : KEYSTORE_BACKUP_DAYS;
	p->backup_every_days = rs->every_days ? rs->every_days : BACKUP_EVERY_DAYS;
	p->types = fs->types;
	p->ntypes = fs->ntypes;
	rs->classes = NULL;
	rs->nclasses = 0;
	fs->types = NULL;
	fs->ntypes = 0;
	*out = p;
	return 0;
}

int cv_policy_load(cv_policy **out, const char *dir, cv_problems *problems)
{
	char *rpath = NULL, *fpath = NULL, *rbuf = NULL, *fbuf = NULL;
	size_t rlen = 0, flen = 0;
	struct parse rs, fs;
	int ret, r1, r2;

	parse_init(&rs, KIND_RETENTION, NULL, problems);
	parse_init(&fs, KIND_FILETYPES, NULL, problems);
	if (!out || !dir)
		return CV_EINVAL;
	*out = NULL;
	if (asprintf(&rpath, "%s/retention.ini", dir) < 0) {
		rpath = NULL;
		ret = CV_ERROR;
		goto out;
	}
	if (asprintf(&fpath, "%s/filetypes.ini", dir) < 0) {
		fpath = NULL;
		ret = CV_ERROR;
		goto out;
	}
	rs.file = rpath;
	fs.file = fpath;
	/* Read and check both files, so that one report lists everything. */
	r1 = read_file(rpath, problems, &rbuf, &rlen);
	if (r1 == 0)
		r1 = parse_buf(&rs, rbuf, rlen);
	r2 = read_file(fpath, problems, &fbuf, &flen);
	if (r2 == 0)
		r2 = parse_buf(&fs, fbuf, flen);
	ret = worse(r1, r2);
	if (ret)
		goto out;

	ret = assemble(out, &rs, &fs, rbuf, rlen, fbuf, flen);
out:
	parse_release(&rs);
	parse_release(&fs);
	free(rbuf);
	free(fbuf);
	free(rpath);
	free(fpath);
	return ret;
}

/*
 * Load a policy from the texts of retention.ini and filetypes.ini held in
 * memory (the last good policy kept in the index, see retention.c).  The
 * hash is the same as cv_policy_load would give for files with these bytes.
 */
int cv_policy_load_mem(cv_policy **out, const char *retention, size_t rlen,
		       const char *filetypes, size_t flen, cv_problems *problems)
{
	struct parse rs, fs;
	int ret, r1, r2;

	parse_init(&rs, KIND_RETENTION, "retention.ini", problems);
	parse_init(&fs, KIND_FILETYPES, "filetypes.ini", problems);
	if (!out || !retention || !filetypes)
		return CV_EINVAL;
	*out = NULL;
	r1 = parse_buf(&rs, retention, rlen);
	r2 = parse_buf(&fs, filetypes, flen);
	ret = worse(r1, r2);
	if (ret)
		goto out;
	ret = assemble(out, &rs, &fs, retention, rlen, filetypes, flen);
out:
	parse_release(&rs);
	parse_release(&fs);
	return ret;
}

void cv_policy_free(cv_policy *p)
{
	if (!p)
		return;
	free(p->classes);
	free(p->types);
	free(p);
}

const char *cv_policy_hash(const cv_policy *p)
{
	return p ? p->hash : NULL;
}

int cv_policy_keystore_backup_days(const cv_policy *p)
{
	return p && p->keystore_backup_days ? p->keystore_backup_days : KEYSTORE_BACKUP_DAYS;
}

int cv_policy_backup_every_days(const cv_policy *p)
{
	return p && p->backup_every_days ? p->backup_every_days : BACKUP_EVERY_DAYS;
}

size_t cv_policy_class_count(const cv_policy *p)
{
	return p ? p->nclasses : 0;
}

const cv_class *cv_policy_class_at(const cv_policy *p, size_t i)
{
	if (!p || i >= p->nclasses)
		return NULL;
	return &p->classes[i].c;
}

const cv_class *cv_policy_class(const cv_policy *p, const char *name)
{
	size_t i;

	if (!p || !name)
		return NULL;
	for (i = 0; i < p->nclasses; i++)
		if (!strcmp(p->classes[i].c.name, name))
			return &p->classes[i].c;
	return NULL;
}

/*
 * MIME types compare without case (RFC 2045) and without parameters, so
 * that "text/plain; charset=us-ascii" from libmagic's MAGIC_MIME finds
 * text/plain.  The allow-list itself holds lower-case bare types only.
 */
const cv_filetype *cv_policy_filetype(const cv_policy *p, const char *mime)
{
	size_t i, len;

	if (!p || !mime)
		return NULL;
	len = strcspn(mime, ";");
	while (len > 0 && is_blank(mime[len - 1]))
		len--;
	for (i = 0; i < p->ntypes; i++)
		if (strlen(p->types[i].t.mime) == len &&
		    !strncasecmp(p->types[i].t.mime, mime, len))
			return &p->types[i].t;
	return NULL;
}

size_t cv_policy_filetype_count(const cv_policy *p)
{
	return p ? p->ntypes : 0;
}

const cv_filetype *cv_policy_filetype_at(const cv_policy *p, size_t i)
{
	if (!p || i >= p->ntypes)
		return NULL;
	return &p->types[i].t;
}

int cv_policy_check_file(const char *path, cv_problems *problems)
{
	const char *base;
	struct parse st;
	char *buf = NULL;
	size_t len = 0;
	int ret;

	if (!path)
		return CV_EINVAL;
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (!strcmp(base, "calendar.ini"))
		return cv_calendar_check_file(path, problems);
	if (!strcmp(base, "redaction.ini"))
		return cv_redaction_check_file(path, problems);
	if (!strcmp(base, "disclosure-letter.txt"))
		return cv_letter_check_file(path, problems);
	if (!strcmp(base, "retention.ini")) {
		parse_init(&st, KIND_RETENTION, path, problems);
	} else if (!strcmp(base, "filetypes.ini")) {
		parse_init(&st, KIND_FILETYPES, path, problems);
	} else {
		if (problems && cv_problems_add(problems, path, 0,
				"unknown kind of policy file: the name must be "
				"retention.ini, filetypes.ini, calendar.ini, redaction.ini or disclosure-letter.txt"))
			return CV_ERROR;
		return CV_EINVAL;
	}
	ret = read_file(path, problems, &buf, &len);
	if (ret)
		goto out;
	ret = parse_buf(&st, buf, len);
out:
	parse_release(&st);
	free(buf);
	return ret;
}

static const cv_date *trigger_fact(const cv_retention_facts *f, cv_trigger t)
{
	switch (t) {
	case CV_TRIG_FILED:
		return f->filed;
	case CV_TRIG_EVENT_DATE:
		return f->event_date;
	case CV_TRIG_CASE_CLOSED:
		return f->case_closed;
	case CV_TRIG_CHILD_DOB:
		return f->child_dob;
	case CV_TRIG_LAST_CONTACT:
		return f->last_contact;
	}
	return NULL;
}

/*
 * The first (round < 0) or the last (round > 0) day of d's calendar
 * quarter.  A date of birth and what is worked out from it are moved to
 * these boundaries, so that the day a record falls due (and is reviewed or
 * destroyed, and certified) tells no more than the quarter of a birth
 * (docs/legal-rules.md §12).
 */
static void quarter_bound(cv_date *d, int round)
{
	int first = (d->m - 1) / 3 * 3 + 1;

	if (round > 0) {
		d->m = first + 2;
		d->d = cv_date_days_in_month(d->y, d->m);
	} else {
		d->m = first;
		d->d = 1;
	}
}

/*
 * One rule's date from its trigger: years, then months, then days, each
 * rounding later, never earlier (29 Feb + 1y = 1 Mar).  round = 0 gives the
 * exact date; otherwise a date of birth is moved to its quarter's boundary
 * (round > 0, a rule: the last day, never early; round < 0, a ceiling: the
 * first, never late) both before the period is added, so that every child
 * born in one quarter gets the same date whatever the period, and after,
 * so that the date is a quarter boundary.  Other triggers are exact.
 */
static void rule_date(cv_date *out, const cv_retention_rule *r, const cv_date *from, int round)
{
	int q = round && r->trigger == CV_TRIG_CHILD_DOB;
	cv_date d = *from, t;

	if (q)
		quarter_bound(&d, round);
	if (r->years) {
		cv_date_add_years_later(&t, &d, r->years);
		d = t;
	}
	if (r->months) {
		cv_date_add_months_later(&t, &d, r->months);
		d = t;
	}
	if (r->days) {
		cv_date_add_days(&t, &d, r->days);
		d = t;
	}
	if (q)
		quarter_bound(&d, round);
	*out = d;
}

/* CV_EINVAL for a rule no policy file can hold or a trigger date that is no date; else 0. */
static int rule_usable(const cv_retention_rule *r, const cv_retention_facts *facts)
{
	const cv_date *from;

	if ((unsigned)r->trigger >= TRIGGER_COUNT || r->years < 0 || r->months < 0 || r->days < 0)
		return CV_EINVAL;
	from = trigger_fact(facts, r->trigger);
	return from && !cv_date_valid(from) ? CV_EINVAL : 0;
}

/* 0 when every rule (and the ceiling) can be worked out; CV_ENOTFOUND while a trigger is not known. */
static int class_usable(const cv_class *cls, const cv_retention_facts *facts)
{
	size_t i;

	if (!cls || !facts || cls->nrules == 0 || cls->nrules > CV_RETENTION_RULES_MAX)
		return CV_EINVAL;
	for (i = 0; i < cls->nrules; i++)
		if (rule_usable(&cls->rules[i], facts))
			return CV_EINVAL;
	if (cls->has_ceiling && rule_usable(&cls->ceiling, facts))
		return CV_EINVAL;
	/* Until every trigger is known the record is kept: no date yet. */
	for (i = 0; i < cls->nrules; i++)
		if (!trigger_fact(facts, cls->rules[i].trigger))
			return CV_ENOTFOUND;
	if (cls->has_ceiling && !trigger_fact(facts, cls->ceiling.trigger))
		return CV_ENOTFOUND;
	return 0;
}

/*
 * The rules' date lo (rounded; lo_exact unrounded) under a ceiling whose
 * exact date is cx and rounded date cq (docs/legal-rules.md §12: no rule
 * extends a class's "at most").
 */
static cv_date under_ceiling(cv_date lo, cv_date lo_exact, cv_date cx, cv_date cq)
{
	if (cv_date_cmp(&lo, &cq) <= 0)
		return lo;         /* the ceiling does not bind */
	if (cv_date_cmp(&lo_exact, &cx) > 0)
		return cq;         /* it binds: the first day of its quarter */
	/*
	 * The rules end inside the ceiling's quarter: never before their exact
	 * date, never past the ceiling.  Their rounded date when it fits (then
	 * it is a boundary, or not worked out from the birth); otherwise a
	 * child-dob rule ends in the ceiling's quarter, which policy check
	 * refuses, and the exact date keeps both limits.
	 */
	return cv_date_cmp(&lo, &cx) <= 0 ? lo : lo_exact;
}

int cv_retention_date(cv_date *out, const cv_class *cls,
		      const cv_retention_facts *facts)
{
	cv_date lo = { 0, 0, 0 }, lo_exact = { 0, 0, 0 }, d, cx, cq;
	size_t i;
	int r;

	if (!out)
		return CV_EINVAL;
	if ((r = class_usable(cls, facts)) != 0)
		return r;
	for (i = 0; i < cls->nrules; i++) {
		const cv_date *from = trigger_fact(facts, cls->rules[i].trigger);

		rule_date(&d, &cls->rules[i], from, 0);
		if (i == 0 || cv_date_cmp(&d, &lo_exact) > 0)
			lo_exact = d;
		rule_date(&d, &cls->rules[i], from, 1);
		if (i == 0 || cv_date_cmp(&d, &lo) > 0)
			lo = d;
	}
	if (cls->has_ceiling) {
		const cv_date *from = trigger_fact(facts, cls->ceiling.trigger);

		rule_date(&cx, &cls->ceiling, from, 0);
		rule_date(&cq, &cls->ceiling, from, -1);
		lo = under_ceiling(lo, lo_exact, cx, cq);
	}
	*out = lo;
	return 0;
}

/* The ceiling's day as cv_retention_date uses it: the first day of its quarter (policy.h). */
int cv_retention_ceiling(cv_date *out, const cv_class *cls, const cv_retention_facts *facts)
{
	const cv_date *from;

	if (!cls->has_ceiling || !(from = trigger_fact(facts, cls->ceiling.trigger)))
		return CV_ENOTFOUND;
	rule_date(out, &cls->ceiling, from, -1);
	return 0;
}
