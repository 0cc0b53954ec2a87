/*
 * casevault - the redaction policy (policies/redaction.ini) and the
 * disclosure letter template (policies/disclosure-letter.txt).
 *
 * Parsed with inih; as in calendar.c, line numbers come from our own line
 * reader because Debian's libinih is built without INI_HANDLER_LINENO.
 * Loading is all or nothing: any problem fails the load with CV_EPOLICY and
 * every problem is listed with its line number.
 */
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <ini.h>

#include "base/handle.h"
#include "base/utf8.h"
#include "crypto/seal.h"
#include "rules/redpolicy.h"
#include "casevault/date.h"

const char *const cv_letter_fields[] = {
	"requester", "request", "received", "due", "date", "office", "case", "child", "client", NULL
};

struct rparse {
	FILE *f;
	const char *path;
	cv_problems *problems;
	cv_rpolicy *p;
	char *buf;
	size_t bufsz;
	int lineno;
	size_t nproblems;
	int oom;
	int seen[8];
};

static void problem(struct rparse *c, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void problem(struct rparse *c, int line, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	c->nproblems++;
	if (!c->problems)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0) {
		va_end(ap);
		c->oom = 1;
		return;
	}
	va_end(ap);
	if (cv_problems_add(c->problems, c->path, line, "%s", msg) < 0)
		c->oom = 1;
	free(msg);
}

static const char *const sections[] = { "defaults", "text", "names", "patterns", "grounds", "letter", "cp-hints", NULL };

static void check_section_line(struct rparse *c, const char *s)
{
	const char *end;
	int i;

	if (c->lineno == 1 && !strncmp(s, "\xEF\xBB\xBF", 3))
		s += 3;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s != '[' || !(end = strchr(s, ']')))
		return;
	s++;
	for (i = 0; sections[i]; i++)
		if (strlen(sections[i]) == (size_t)(end - s) && !strncmp(s, sections[i], (size_t)(end - s)))
			return;
	problem(c, c->lineno, "unknown section [%.*s]; expected [defaults], [text], [names], [patterns], [grounds], [letter] or [cp-hints]",
		(int)(end - s), s);
}

static char *read_line(char *str, int num, void *stream)
{
	struct rparse *c = stream;
	ssize_t len;
	size_t n, body;

	len = getline(&c->buf, &c->bufsz, c->f);
	if (len < 0)
		return NULL;
	c->lineno++;
	n = (size_t)len;
	body = n;
	if (body && c->buf[body - 1] == '\n')
		body--;
	if (body && c->buf[body - 1] == '\r')
		body--;
	if (memchr(c->buf, '\0', n))
		problem(c, c->lineno, "line contains a NUL byte");
	else if (cv_text_bad_line(c->buf, n))
		problem(c, c->lineno, "this line is not UTF-8; save the file as UTF-8");
	if (body > (size_t)num - 2) {
		problem(c, c->lineno, "line is longer than %d characters", num - 2);
		n = (size_t)num - 1;
	}
	memcpy(str, c->buf, n);
	str[n] = '\0';
	check_section_line(c, str);
	return str;
}

static int parse_decision(const char *s, cv_decision *out)
{
	if (!strcmp(s, "release"))
		*out = CV_DEC_RELEASE;
	else if (!strcmp(s, "redact"))
		*out = CV_DEC_REDACT;
	else if (!strcmp(s, "withhold"))
		*out = CV_DEC_WITHHOLD;
	else if (!strcmp(s, "needs-decision"))
		*out = CV_DEC_NEEDED;
	else
		return -1;
	return 0;
}

static int parse_int(const char *s, int lo, int hi, int *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno || *end || end == s || n < lo || n > hi)
		return -1;
	*out = (int)n;
	return 0;
}

static int valid_name(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n >= 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

/* One term of [cp-hints] terms (docs/legal-rules.md §9): kept trimmed, lower-case as written. */
static void add_hint(struct rparse *c, const char *t, size_t n)
{
	cv_rpolicy *p = c->p;
	char **nh;

	while (n && (*t == ' ' || *t == '\t'))
		t++, n--;
	while (n && (t[n - 1] == ' ' || t[n - 1] == '\t'))
		n--;
	if (!n)
		return;
	if (n > 200) {
		problem(c, c->lineno, "a [cp-hints] term is longer than 200 characters");
		return;
	}
	if (!(nh = reallocarray(p->cp_hints, p->ncp_hints + 1, sizeof(char *))) || !(nh[p->ncp_hints] = strndup(t, n))) {
		if (nh)
			p->cp_hints = nh;
		c->oom = 1;
		return;
	}
	p->cp_hints = nh;
	p->ncp_hints++;
}

/*
 * Keys added for the requester-aware rules: [cp-hints] terms (a list, comma
 * separated, the key may repeat) and [defaults] cp-ground-other, the ground
 * logged for child-protection records when Sch 3 para 21 cannot apply
 * (docs/legal-rules.md §8).  1 when the key was this function's.
 */
static int on_requester_key(struct rparse *c, const char *section, const char *name, const char *value)
{
	const char *comma;

	if (!strcmp(section, "defaults") && !strcmp(name, "cp-ground-other")) {
		if (!valid_name(value))
			problem(c, c->lineno, "cp-ground-other must name a ground of [grounds]");
		else
			snprintf(c->p->cp_ground_other, sizeof(c->p->cp_ground_other), "%s", value);
		c->seen[6] = c->lineno;
		return 1;
	}
	if (strcmp(section, "cp-hints"))
		return 0;
	if (strcmp(name, "terms")) {
		problem(c, c->lineno, "unknown key '%s' in [cp-hints]; expected terms = a, b, c", name);
		return 1;
	}
	for (; (comma = strchr(value, ',')); value = comma + 1)
		add_hint(c, value, (size_t)(comma - value));
	add_hint(c, value, strlen(value));
	return 1;
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
	struct rparse *c = user;
	cv_rpolicy *p = c->p;
	int line = c->lineno;

	if (on_requester_key(c, section, name, value))
		return 1;
	if (!strcmp(section, "defaults")) {
		cv_decision d;

		if (!strcmp(name, "marker")) {
			if (!*value || strlen(value) >= sizeof(p->marker))
				problem(c, line, "marker must be 1 to %zu characters", sizeof(p->marker) - 1);
			else
				snprintf(p->marker, sizeof(p->marker), "%s", value);
			c->seen[0] = line;
		} else if (!strcmp(name, "case-text")) {
			if (parse_decision(value, &d) < 0 || d == CV_DEC_RELEASE)
				problem(c, line, "case-text must be redact, withhold or needs-decision (docs/legal-rules.md LR-7: never release text unredacted by default)");
			else
				p->case_text = d;
			c->seen[1] = line;
		} else if (!strcmp(name, "case-other")) {
			if (parse_decision(value, &d) < 0 || d == CV_DEC_RELEASE || d == CV_DEC_REDACT)
				problem(c, line, "case-other must be needs-decision or withhold (a scan naming third parties cannot be released unread)");
			else
				p->case_other = d;
			c->seen[2] = line;
		} else if (!strcmp(name, "case-other-no-people")) {
			if (parse_decision(value, &d) < 0 || d == CV_DEC_REDACT)
				problem(c, line, "case-other-no-people must be release, needs-decision or withhold");
			else
				p->case_other_none = d;
			c->seen[3] = line;
		} else if (!strcmp(name, "cp")) {
			if (strcmp(value, "withhold"))
				problem(c, line, "cp must be withhold (docs/legal-rules.md LR-8: releasing child-protection material needs a recorded decision)");
			c->seen[4] = line;
		} else if (!strcmp(name, "cp-ground")) {
			if (!valid_name(value))
				problem(c, line, "cp-ground must name a ground of [grounds]");
			else
				snprintf(p->cp_ground, sizeof(p->cp_ground), "%s", value);
			c->seen[5] = line;
		} else {
			problem(c, line, "unknown key '%s' in [defaults]", name);
		}
	} else if (!strcmp(section, "text")) {
		char **nt;

		if (!strchr(name, '/') || strcmp(value, "yes"))
			problem(c, line, "[text] lists MIME types as 'type/subtype = yes'");
		else if (!(nt = reallocarray(p->text_types, p->ntext + 1, sizeof(char *))) ||
			 !(nt[p->ntext] = strdup(name))) {
			if (nt)
				p->text_types = nt;
			c->oom = 1;
		} else {
			p->text_types = nt;
			p->ntext++;
		}
	} else if (!strcmp(section, "names")) {
		if (!strcmp(name, "surname-min")) {
			if (parse_int(value, 2, 20, &p->surname_min) < 0)
				problem(c, line, "surname-min must be a number from 2 to 20");
		} else if (!strcmp(name, "first-name-min")) {
			if (parse_int(value, 2, 20, &p->first_min) < 0)
				problem(c, line, "first-name-min must be a number from 2 to 20");
		} else {
			problem(c, line, "unknown key '%s' in [names]", name);
		}
	} else if (!strcmp(section, "patterns")) {
		regex_t re;
		int rc;
		cv_rpattern *np;

		if (!valid_name(name)) {
			problem(c, line, "pattern names are lower-case letters, digits and '-'");
			return 1;
		}
		rc = regcomp(&re, value, REG_EXTENDED | REG_ICASE);
		if (rc != 0) {
			char err[128];
			regerror(rc, &re, err, sizeof(err));
			problem(c, line, "pattern '%s' is not a valid extended regular expression: %s", name, err);
			return 1;
		}
		if (regexec(&re, "", 0, NULL, 0) == 0)
			problem(c, line, "pattern '%s' matches empty text", name);
		regfree(&re);
		np = reallocarray(p->patterns, p->npatterns + 1, sizeof(*np));
		if (!np) {
			c->oom = 1;
			return 1;
		}
		p->patterns = np;
		snprintf(np[p->npatterns].name, sizeof(np[0].name), "%s", name);
		if (!(np[p->npatterns].regex = strdup(value))) {
			c->oom = 1;
			return 1;
		}
		p->npatterns++;
	} else if (!strcmp(section, "grounds")) {
		cv_rground *ng;
		size_t i;

		if (!valid_name(name)) {
			problem(c, line, "ground names are lower-case letters, digits and '-'");
			return 1;
		}
		for (i = 0; i < p->ngrounds; i++)
			if (!strcmp(p->grounds[i].name, name))
				problem(c, line, "ground '%s' is listed twice", name);
		if (!*value)
			problem(c, line, "ground '%s' needs a description", name);
		ng = reallocarray(p->grounds, p->ngrounds + 1, sizeof(*ng));
		if (!ng) {
			c->oom = 1;
			return 1;
		}
		p->grounds = ng;
		snprintf(ng[p->ngrounds].name, sizeof(ng[0].name), "%s", name);
		if (!(ng[p->ngrounds].text = strdup(value))) {
			c->oom = 1;
			return 1;
		}
		p->ngrounds++;
	} else if (!strcmp(section, "letter")) {
		if (!strcmp(name, "office")) {
			if (!*value || strlen(value) >= sizeof(p->office))
				problem(c, line, "office must be 1 to %zu characters", sizeof(p->office) - 1);
			else
				snprintf(p->office, sizeof(p->office), "%s", value);
		} else {
			problem(c, line, "unknown key '%s' in [letter]", name);
		}
	}
	/* unknown sections were reported by the line reader */
	return 1;
}

void cv_rpolicy_free(cv_rpolicy *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->ntext; i++)
		free(p->text_types[i]);
	free(p->text_types);
	for (i = 0; i < p->npatterns; i++)
		free(p->patterns[i].regex);
	free(p->patterns);
	for (i = 0; i < p->ngrounds; i++)
		free(p->grounds[i].text);
	free(p->grounds);
	for (i = 0; i < p->ncp_hints; i++)
		free(p->cp_hints[i]);
	free(p->cp_hints);
	free(p->letter);
	free(p);
}

static int slurp(const char *path, char **out, size_t *len, size_t max)
{
	FILE *f = fopen(path, "re");
	char *b;
	size_t n;

	if (!f)
		return errno == ENOENT ? CV_ENOTFOUND : CV_ERROR;
	b = malloc(max + 1);
	if (!b) {
		fclose(f);
		return CV_ERROR;
	}
	n = fread(b, 1, max + 1, f);
	if (ferror(f) || n > max) {
		fclose(f);
		free(b);
		return CV_EINVAL;
	}
	fclose(f);
	b[n] = '\0';
	*out = b;
	*len = n;
	return 0;
}

/* Every {{field}} must be known; problems by line. */
static int check_letter_text(const char *path, const char *t, cv_problems *problems, size_t *nprob)
{
	const char *p = t;
	int line = 1;

	for (; *p; p++) {
		if (*p == '\n')
			line++;
		if (p[0] == '{' && p[1] == '{') {
			const char *e = strstr(p + 2, "}}");
			size_t i, n;
			int known = 0;

			if (!e || memchr(p, '\n', (size_t)(e - p))) {
				(*nprob)++;
				if (problems && cv_problems_add(problems, path, line, "'{{' without a closing '}}' on the same line") < 0)
					return CV_ERROR;
				continue;
			}
			n = (size_t)(e - p - 2);
			for (i = 0; cv_letter_fields[i]; i++)
				if (strlen(cv_letter_fields[i]) == n && !strncmp(p + 2, cv_letter_fields[i], n))
					known = 1;
			if (!known) {
				(*nprob)++;
				if (problems && cv_problems_add(problems, path, line,
					"unknown placeholder {{%.*s}}; known: requester, request, received, due, date, office, case, child, client",
					(int)(n > 40 ? 40 : n), p + 2) < 0)
					return CV_ERROR;
			}
			p = e + 1;
		}
	}
	if (memchr(t, '\0', strlen(t)) != NULL)
		(*nprob)++;
	return 0;
}

int cv_letter_check_file(const char *path, cv_problems *problems)
{
	char *t = NULL;
	size_t len = 0, np = 0;
	int r = slurp(path, &t, &len, 1 << 20), line;

	if (r < 0) {
		if (problems)
			cv_problems_add(problems, path, 0, r == CV_ENOTFOUND ? "no such file" :
					r == CV_EINVAL ? "larger than 1 MiB" : "cannot read");
		return r == CV_EINVAL ? CV_EPOLICY : r;
	}
	if (strlen(t) != len) {
		np++;
		if (problems)
			cv_problems_add(problems, path, 0, "the template holds a NUL byte");
	} else if ((line = cv_text_bad_line(t, len)) > 0) {
		np++;
		if (problems)
			cv_problems_add(problems, path, line, "this line is not UTF-8; save the file as UTF-8");
	}
	r = check_letter_text(path, t, problems, &np);
	free(t);
	if (r < 0)
		return r;
	return np ? CV_EPOLICY : 0;
}

int cv_rpolicy_load(cv_rpolicy **out, const char *path, const char *letter, cv_problems *problems)
{
	struct rparse c;
	struct stat sb;
	size_t i;
	int rc, ret;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	c.path = path;
	c.problems = problems;
	if (stat(path, &sb) < 0) {
		if (problems)
			cv_problems_add(problems, path, 0, "no such file");
		return CV_ENOTFOUND;
	}
	if (!S_ISREG(sb.st_mode)) {
		if (problems)
			cv_problems_add(problems, path, 0, "not a regular file");
		return CV_EINVAL;
	}
	if (!(c.f = fopen(path, "re"))) {
		if (problems)
			cv_problems_add(problems, path, 0, "cannot open: %s", strerror(errno));
		return CV_ERROR;
	}
	if (!(c.p = calloc(1, sizeof(*c.p)))) {
		fclose(c.f);
		return CV_ERROR;
	}
	snprintf(c.p->marker, sizeof(c.p->marker), "[redacted]");
	c.p->case_text = CV_DEC_REDACT;
	c.p->case_other = CV_DEC_NEEDED;
	c.p->case_other_none = CV_DEC_RELEASE;
	c.p->surname_min = 3;
	c.p->first_min = 4;
	/* a policy written before the key existed: the serious-harm ground (docs/legal-rules.md §8) */
	snprintf(c.p->cp_ground_other, sizeof(c.p->cp_ground_other), "sch3-para7");
	rc = ini_parse_stream(read_line, &c, on_key, &c);
	if (rc == -2)
		c.oom = 1;
	else if (rc > 0)
		problem(&c, rc, "expected [section] or key = value");
	if (!c.seen[5])
		problem(&c, 0, "[defaults] must set cp-ground (the ground logged for withheld child-protection records)");
	else if (!cv_rpolicy_ground(c.p, c.p->cp_ground))
		problem(&c, c.seen[5], "cp-ground '%s' is not listed in [grounds]", c.p->cp_ground);
	if (!cv_rpolicy_ground(c.p, c.p->cp_ground_other))
		problem(&c, c.seen[6], "cp-ground-other '%s' is not listed in [grounds]", c.p->cp_ground_other);
	if (c.p->ntext == 0)
		problem(&c, 0, "[text] lists no type: no record could be redacted automatically");
	if (!c.p->office[0])
		problem(&c, 0, "[letter] must set office (the service's name, for the cover letter)");
	/* the patterns the rules name (docs/legal-rules.md §7) must stay */
	{
		static const char *const need[] = { "uk-phone", "email", "ni-number", "nhs-number" };
		size_t j;
		for (j = 0; j < 4; j++) {
			int found = 0;
			for (i = 0; i < c.p->npatterns; i++)
				if (!strcmp(c.p->patterns[i].name, need[j]))
					found = 1;
			if (!found)
				problem(&c, 0, "[patterns] must define %s", need[j]);
		}
	}
	fclose(c.f);
	free(c.buf);
	if (letter) {
		char *t = NULL;
		size_t len = 0, np = 0;
		int r = slurp(letter, &t, &len, 1 << 20);

		if (r < 0) {
			problem(&c, 0, "%s: %s", letter, r == CV_ENOTFOUND ? "no such file (the disclosure letter template)" : "cannot read");
		} else {
			if (check_letter_text(letter, t, problems, &np) < 0)
				c.oom = 1;
			c.nproblems += np;
			c.p->letter = t;
		}
	}
	if (c.oom)
		ret = CV_ERROR;
	else if (c.nproblems)
		ret = CV_EPOLICY;
	else
		ret = 0;
	if (ret == 0) {
		/* the hash of the two files, recorded with every decision and bundle */
		cv_sha256 *h = cv_sha256_new();
		char *t = NULL;
		size_t len = 0;

		if (h) {
			if (slurp(path, &t, &len, 1 << 20) == 0) {
				cv_sha256_write(h, t, len);
				free(t);
			}
			if (c.p->letter)
				cv_sha256_write(h, c.p->letter, strlen(c.p->letter));
			cv_sha256_final(h, c.p->hash);
			cv_sha256_free(h);
		}
		*out = c.p;
	} else {
		cv_rpolicy_free(c.p);
	}
	return ret;
}

int cv_redaction_check_file(const char *path, cv_problems *problems)
{
	cv_rpolicy *p = NULL;
	int r = cv_rpolicy_load(&p, path, NULL, problems);

	cv_rpolicy_free(p);
	return r;
}

int cv_rpolicy_vault(cv_vault *v, cv_rpolicy **out)
{
	cv_problems probs = CV_PROBLEMS_INIT;
	char *path = NULL, *letter = NULL;
	int r;

	*out = NULL;
	if (asprintf(&path, "%s/policies/redaction.ini", v->path) < 0 ||
	    asprintf(&letter, "%s/policies/disclosure-letter.txt", v->path) < 0) {
		free(path);
		return cv_error(v, CV_ERROR, "out of memory");
	}
	r = cv_rpolicy_load(out, path, letter, &probs);
	if (r < 0) {
		if (r == CV_ENOTFOUND)
			r = cv_error(v, CV_EPOLICY, "this vault has no policies/redaction.ini; copy it (and disclosure-letter.txt) from the installed policies into %s/policies and check it with 'casevault policy check'", v->path);
		else if (probs.n)
			r = cv_error(v, CV_EPOLICY, "the redaction policy is invalid: %s:%d: %s; fix it (casevault policy check FILE)",
				     probs.items[0].file ? probs.items[0].file : path, probs.items[0].line, probs.items[0].msg);
		else
			r = cv_error(v, r, "cannot load the redaction policy");
	}
	cv_problems_release(&probs);
	free(path);
	free(letter);
	return r;
}

int cv_rpolicy_is_text(const cv_rpolicy *p, const char *mime)
{
	size_t i, n;

	for (i = 0; i < p->ntext; i++) {
		n = strlen(p->text_types[i]);
		/* "text/plain" matches "text/plain" and "text/plain; charset=..." */
		if (!strncmp(mime, p->text_types[i], n) && (mime[n] == '\0' || mime[n] == ';'))
			return 1;
	}
	return 0;
}

const cv_rground *cv_rpolicy_ground(const cv_rpolicy *p, const char *name)
{
	size_t i;

	for (i = 0; name && i < p->ngrounds; i++)
		if (!strcmp(p->grounds[i].name, name))
			return &p->grounds[i];
	return NULL;
}

int cv_rpolicy_para21(int parent, const char *child_dob, const char *received)
{
	cv_date dob, rec, adult;

	/* docs/legal-rules.md §8: a request by a person with parental responsibility only */
	if (!parent || !child_dob || !received)
		return 0;
	/* an unknown date of birth cannot show the child is under 18: the exemption is not assumed */
	if (cv_date_parse(&dob, child_dob) < 0 || cv_date_parse(&rec, received) < 0)
		return 0;
	/* born 29 February: 18 on 1 March in a common year (the later date) */
	cv_date_add_years_later(&adult, &dob, 18);
	return cv_date_cmp(&rec, &adult) < 0;
}
