/*
 * casevault - the redaction engine and withheld-text fingerprints.
 *
 * Redaction streams: text is appended to a window; when the window holds
 * more than WIN_CHUNK + WIN_OVERLAP bytes, every match that starts in the
 * first part is replaced and the text before it emitted, and the last
 * WIN_OVERLAP bytes (or more, when a match runs into them) stay for the
 * next round.  A match is never longer than WIN_OVERLAP (terms are at most
 * 256 bytes; a pattern match that long is cut and both parts replaced), so
 * nothing is missed at a window edge, and memory stays bounded whatever
 * the size of the document.
 *
 * Names and literal terms are matched by hand (case-insensitive for ASCII,
 * white space flexible, word boundaries); patterns with POSIX regcomp /
 * regexec (REG_EXTENDED | REG_ICASE, glibc's REG_STARTEND for the window).
 */
#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "casevault/common.h"
#include "casevault/disclose.h"




#define WIN_CHUNK (64 * 1024)
#define WIN_OVERLAP 4096
#define TERM_MAX 256
#define MAX_WS 16        /* white space a term's space may stand for */
#define MAX_SEP 3        /* separators allowed between two digits of a phone number */

typedef struct {
	char *text;          /* lower-case; ' ' stands for any run of white space */
	size_t len;
	int protect;
	int phone;           /* text is digits only */
} term;

typedef struct {
	size_t so, eo;
	int protect;
} span;

struct cv_redactor {
	char *marker;
	size_t marker_len;
	term *terms;
	size_t nterms, aterms;
	/* terms by their first character (lower-case), as indexes into terms */
	size_t *by_first[256];
	size_t nby_first[256];
	regex_t *pats;
	size_t npats, apats;
	char *buf;
	size_t len, cap;
	int prev;            /* the byte before buf[0]; '\n' at a document start */
	span *spans;
	size_t nspans, aspans;
	size_t hits;
	int bad;             /* a NUL byte was seen in this document */
	struct matchlist *found; /* cv_redactor_matches: where the matched texts go */
};

static int is_word(int c)
{
	return c >= 0 && c < 128 && isalnum(c);
}

static int is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

int cv_redactor_new(cv_redactor **out, const char *marker)
{
	cv_redactor *rd = calloc(1, sizeof(*rd));

	*out = NULL;
	if (!rd)
		return CV_ERROR;
	rd->marker = strdup(marker ? marker : "[redacted]");
	if (!rd->marker) {
		free(rd);
		return CV_ERROR;
	}
	rd->marker_len = strlen(rd->marker);
	rd->prev = '\n';
	*out = rd;
	return 0;
}

void cv_redactor_free(cv_redactor *rd)
{
	size_t i;

	if (!rd)
		return;
	for (i = 0; i < rd->nterms; i++) {
		explicit_bzero(rd->terms[i].text, rd->terms[i].len);
		free(rd->terms[i].text);
	}
	free(rd->terms);
	for (i = 0; i < 256; i++)
		free(rd->by_first[i]);
	for (i = 0; i < rd->npats; i++)
		regfree(&rd->pats[i]);
	free(rd->pats);
	if (rd->buf) {
		explicit_bzero(rd->buf, rd->cap);
		free(rd->buf);
	}
	free(rd->spans);
	free(rd->marker);
	free(rd);
}

size_t cv_redactor_hits(const cv_redactor *rd)
{
	return rd->hits;
}

size_t cv_redactor_term_count(const cv_redactor *rd)
{
	return rd->nterms + rd->npats;
}

static int push_term(cv_redactor *rd, char *text, size_t len, int protect, int phone)
{
	unsigned char f = (unsigned char)text[0];
	size_t *nb;
	size_t i;

	/* the same term twice is one term (a protect wins over a redact of the same text) */
	for (i = 0; i < rd->nterms; i++)
		if (rd->terms[i].len == len && rd->terms[i].phone == phone && !memcmp(rd->terms[i].text, text, len)) {
			if (protect)
				rd->terms[i].protect = 1;
			free(text);
			return 0;
		}
	if (rd->nterms == rd->aterms) {
		size_t na = rd->aterms ? rd->aterms * 2 : 16;
		term *nt = reallocarray(rd->terms, na, sizeof(*nt));
		if (!nt) {
			free(text);
			return CV_ERROR;
		}
		rd->terms = nt;
		rd->aterms = na;
	}
	nb = reallocarray(rd->by_first[f], rd->nby_first[f] + 1, sizeof(size_t));
	if (!nb) {
		free(text);
		return CV_ERROR;
	}
	rd->by_first[f] = nb;
	nb[rd->nby_first[f]++] = rd->nterms;
	rd->terms[rd->nterms].text = text;
	rd->terms[rd->nterms].len = len;
	rd->terms[rd->nterms].protect = protect;
	rd->terms[rd->nterms].phone = phone;
	rd->nterms++;
	return 0;
}

int cv_redactor_add_term(cv_redactor *rd, const char *t, int flags)
{
	char *norm;
	size_t i, n = 0, len;
	int sp = 0;

	if (!t)
		return CV_EINVAL;
	while (is_space((unsigned char)*t))
		t++;
	len = strlen(t);
	while (len && is_space((unsigned char)t[len - 1]))
		len--;
	if (len == 0 || len > TERM_MAX)
		return CV_EINVAL;
	norm = malloc(len + 1);
	if (!norm)
		return CV_ERROR;
	for (i = 0; i < len; i++) {
		int c = (unsigned char)t[i];
		if (is_space(c)) {
			if (!sp)
				norm[n++] = ' ';
			sp = 1;
		} else {
			norm[n++] = (char)lower(c);
			sp = 0;
		}
	}
	norm[n] = '\0';
	return push_term(rd, norm, n, flags & CV_TERM_PROTECT, 0);
}

int cv_redactor_add_phone(cv_redactor *rd, const char *phone)
{
	char digits[64];
	size_t n = 0;
	const char *p;
	int r;

	if (!phone)
		return CV_EINVAL;
	for (p = phone; *p; p++)
		if (*p >= '0' && *p <= '9') {
			if (n + 1 >= sizeof(digits))
				return CV_EINVAL;
			digits[n++] = *p;
		}
	digits[n] = '\0';
	if (n < 6)
		return CV_EINVAL;
	{
		char *d = strdup(digits);
		if (!d || (r = push_term(rd, d, n, 0, 1)) < 0)
			return CV_ERROR;
	}
	/* +44 7700 900123 is also written 07700 900123, and the other way round */
	if (!strncmp(digits, "44", 2) && strchr(phone, '+')) {
		char *d;
		if (asprintf(&d, "0%s", digits + 2) < 0)
			return CV_ERROR;
		return push_term(rd, d, strlen(d), 0, 1);
	}
	if (digits[0] == '0' && digits[1] != '0') {
		char *d;
		if (asprintf(&d, "44%s", digits + 1) < 0)
			return CV_ERROR;
		return push_term(rd, d, strlen(d), 0, 1);
	}
	return 0;
}

static int honorific(const char *w, size_t n)
{
	static const char *const h[] = { "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "rev", "sir", "dame" };
	size_t i, j;

	if (n && w[n - 1] == '.')
		n--;
	for (i = 0; i < sizeof(h) / sizeof(h[0]); i++) {
		if (strlen(h[i]) != n)
			continue;
		for (j = 0; j < n && lower((unsigned char)w[j]) == h[i][j]; j++)
			;
		if (j == n)
			return 1;
	}
	return 0;
}

/* Letters in w (ASCII letters and any byte of a multi-byte character). */
static size_t letters(const char *w, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		if (isalpha((unsigned char)w[i]) || ((unsigned char)w[i] >= 0xc0))
			c++;
	return c;
}

static int add_piece(cv_redactor *rd, const char *w, size_t n)
{
	char *t = strndup(w, n);
	int r;

	if (!t)
		return CV_ERROR;
	r = cv_redactor_add_term(rd, t, CV_TERM_REDACT);
	free(t);
	return r == CV_EINVAL ? 0 : r;
}

int cv_redactor_add_name(cv_redactor *rd, const char *name, int surname_min, int first_min,
			 int (*first_ok)(void *hook, const char *first), void *hook)
{
	const char *w[16];
	size_t wl[16], nw = 0;
	const char *p = name;
	char first[TERM_MAX + 1], fl[2 * TERM_MAX + 2];
	int r;

	if (!name || !*name)
		return CV_EINVAL;
	if ((r = cv_redactor_add_term(rd, name, CV_TERM_REDACT)) < 0)
		return r;
	while (*p && nw < 16) {
		while (*p && is_space((unsigned char)*p))
			p++;
		if (!*p)
			break;
		w[nw] = p;
		while (*p && !is_space((unsigned char)*p))
			p++;
		wl[nw] = (size_t)(p - w[nw]);
		/* "Smith," at the end of a word: keep letters only at the edges */
		while (wl[nw] && !isalnum((unsigned char)w[nw][wl[nw] - 1]) && (unsigned char)w[nw][wl[nw] - 1] < 0x80)
			wl[nw]--;
		if (wl[nw] && !honorific(w[nw], wl[nw]))
			nw++;
	}
	if (nw == 0)
		return 0;
	if (nw >= 2) {
		/* first and last name without the middle ones */
		if (wl[0] + wl[nw - 1] + 2 <= sizeof(fl)) {
			snprintf(fl, sizeof(fl), "%.*s %.*s", (int)wl[0], w[0], (int)wl[nw - 1], w[nw - 1]);
			if ((r = cv_redactor_add_term(rd, fl, CV_TERM_REDACT)) < 0 && r != CV_EINVAL)
				return r;
		}
		/* the surname alone, and each part of a double-barrelled one */
		if (letters(w[nw - 1], wl[nw - 1]) >= (size_t)surname_min &&
		    (r = add_piece(rd, w[nw - 1], wl[nw - 1])) < 0)
			return r;
		{
			const char *s = w[nw - 1], *e = s + wl[nw - 1], *q = s;
			while (q <= e) {
				if (q == e || *q == '-') {
					if (q != e || s != w[nw - 1]) {
						if (letters(s, (size_t)(q - s)) >= (size_t)surname_min &&
						    (r = add_piece(rd, s, (size_t)(q - s))) < 0)
							return r;
					}
					s = q + 1;
				}
				q++;
			}
		}
	}
	/* the first name alone: long enough and not shared with someone disclosed */
	if (wl[0] <= TERM_MAX && letters(w[0], wl[0]) >= (size_t)first_min && (nw >= 2 || letters(w[0], wl[0]) >= (size_t)surname_min)) {
		snprintf(first, sizeof(first), "%.*s", (int)wl[0], w[0]);
		if (!first_ok || first_ok(hook, first))
			if ((r = add_piece(rd, w[0], wl[0])) < 0)
				return r;
	}
	return 0;
}

int cv_redactor_add_pattern(cv_redactor *rd, const char *re, char *err, size_t errlen)
{
	int rc;

	if (rd->npats == rd->apats) {
		size_t na = rd->apats ? rd->apats * 2 : 8;
		regex_t *np = reallocarray(rd->pats, na, sizeof(*np));
		if (!np)
			return CV_ERROR;
		rd->pats = np;
		rd->apats = na;
	}
	rc = regcomp(&rd->pats[rd->npats], re, REG_EXTENDED | REG_ICASE);
	if (rc != 0) {
		if (err)
			regerror(rc, &rd->pats[rd->npats], err, errlen);
		return CV_EINVAL;
	}
	rd->npats++;
	return 0;
}

static int add_span(cv_redactor *rd, size_t so, size_t eo, int protect)
{
	if (rd->nspans == rd->aspans) {
		size_t na = rd->aspans ? rd->aspans * 2 : 64;
		span *ns = reallocarray(rd->spans, na, sizeof(*ns));
		if (!ns)
			return CV_ERROR;
		rd->spans = ns;
		rd->aspans = na;
	}
	rd->spans[rd->nspans].so = so;
	rd->spans[rd->nspans].eo = eo;
	rd->spans[rd->nspans].protect = protect;
	rd->nspans++;
	return 0;
}

static int byte_at(const cv_redactor *rd, size_t i)
{
	return i < rd->len ? (unsigned char)rd->buf[i] : -1;
}

/* Length of term t matched at i, or 0.  At the window's end (-1) a final window ends the word. */
static size_t match_term(const cv_redactor *rd, const term *t, size_t i)
{
	size_t j = i, k;
	int c;

	if (t->phone) {
		for (k = 0; k < t->len; k++) {
			c = byte_at(rd, j);
			if (c != t->text[k]) {
				size_t sep = 0;
				if (k == 0)
					return 0;
				while (sep < MAX_SEP && (c == ' ' || c == '.' || c == '-' || c == '(' || c == ')')) {
					j++;
					sep++;
					c = byte_at(rd, j);
				}
				if (c != t->text[k])
					return 0;
			}
			j++;
		}
		c = byte_at(rd, j);
		if (c >= '0' && c <= '9')
			return 0;
		return j - i;
	}
	for (k = 0; k < t->len; k++) {
		if (t->text[k] == ' ') {
			size_t ws = 0;
			while (ws < MAX_WS && is_space(byte_at(rd, j))) {
				j++;
				ws++;
			}
			if (ws == 0)
				return 0;
			continue;
		}
		c = byte_at(rd, j);
		if (c < 0 || lower(c) != (unsigned char)t->text[k])
			return 0;
		j++;
	}
	/* Smiths, Joneses, Smith's */
	c = byte_at(rd, j);
	if ((c == 's' || c == 'S') && !is_word(byte_at(rd, j + 1)))
		j++;
	else if ((c == 'e' || c == 'E') && (byte_at(rd, j + 1) == 's' || byte_at(rd, j + 1) == 'S') && !is_word(byte_at(rd, j + 2)))
		j += 2;
	else if (c == '\'' && (byte_at(rd, j + 1) == 's' || byte_at(rd, j + 1) == 'S') && !is_word(byte_at(rd, j + 2)))
		j += 2;
	else if (c == 0xe2 && byte_at(rd, j + 1) == 0x80 && byte_at(rd, j + 2) == 0x99 &&
		 (byte_at(rd, j + 3) == 's' || byte_at(rd, j + 3) == 'S') && !is_word(byte_at(rd, j + 4)))
		j += 4;  /* U+2019 RIGHT SINGLE QUOTATION MARK */
	if (is_word(byte_at(rd, j)))
		return 0;
	return j - i;
}

static int cmp_span(const void *a, const void *b)
{
	const span *x = a, *y = b;

	if (x->so != y->so)
		return x->so < y->so ? -1 : 1;
	if (x->eo != y->eo)
		return x->eo > y->eo ? -1 : 1;
	return 0;
}

/* Every match in the window: terms (longest at each word start), then patterns. */
static int find_spans(cv_redactor *rd, int final)
{
	size_t i = 0, p;
	int r;

	rd->nspans = 0;
	while (i < rd->len) {
		int prev = i ? (unsigned char)rd->buf[i - 1] : rd->prev;
		unsigned char c = (unsigned char)rd->buf[i];
		size_t best = 0, k;
		int prot = 0;
		unsigned char f = (unsigned char)lower(c);

		if (is_word(prev) || !rd->nby_first[f]) {
			i++;
			continue;
		}
		for (k = 0; k < rd->nby_first[f]; k++) {
			const term *t = &rd->terms[rd->by_first[f][k]];
			size_t m = match_term(rd, t, i);
			if (m > best || (m && m == best && t->protect)) {
				best = m;
				prot = t->protect;
			}
		}
		if (best) {
			if ((r = add_span(rd, i, i + best, prot)) < 0)
				return r;
			i += best;
		} else {
			i++;
		}
	}
	for (p = 0; p < rd->npats; p++) {
		size_t off = 0;

		while (off < rd->len) {
			regmatch_t m[1];
			int prev, next;

			m[0].rm_so = (regoff_t)off;
			m[0].rm_eo = (regoff_t)rd->len;
			if (regexec(&rd->pats[p], rd->buf, 1, m, REG_STARTEND | (off || rd->prev != '\n' ? REG_NOTBOL : 0)) != 0)
				break;
			if (m[0].rm_eo <= m[0].rm_so) {
				off = (size_t)m[0].rm_so + 1;
				continue;
			}
			prev = m[0].rm_so ? (unsigned char)rd->buf[m[0].rm_so - 1] : rd->prev;
			next = byte_at(rd, (size_t)m[0].rm_eo);
			/* not inside a longer word or number */
			if ((is_word(prev) && is_word((unsigned char)rd->buf[m[0].rm_so])) ||
			    (next >= 0 && is_word(next) && is_word((unsigned char)rd->buf[m[0].rm_eo - 1]))) {
				off = (size_t)m[0].rm_so + 1;
				continue;
			}
			if ((r = add_span(rd, (size_t)m[0].rm_so, (size_t)m[0].rm_eo, 0)) < 0)
				return r;
			off = (size_t)m[0].rm_eo;
		}
	}
	(void)final;
	if (rd->nspans > 1)
		qsort(rd->spans, rd->nspans, sizeof(span), cmp_span);
	return 0;
}

static int emit(cv_sink_fn sink, void *hook, const void *b, size_t n)
{
	if (!sink || n == 0)
		return 0;
	return sink(hook, b, n) ? CV_ERROR : 0;
}

struct matchlist {
	char **items;
	size_t n, cap;
};

/* a matched text is a person's name or number: wiped before it is freed */
static void wipe_free(char *t)
{
	if (t) {
		explicit_bzero(t, strlen(t));
		free(t);
	}
}

/* cv_redactor_matches: keep the matched text once, white space folded to one space. */
static int note_match(cv_redactor *rd, size_t so, size_t eo)
{
	struct matchlist *l = rd->found;
	char *t;
	size_t i, n = 0;

	if (!l)
		return 0;
	if (!(t = malloc(eo - so + 1)))
		return CV_ERROR;
	for (i = so; i < eo; i++) {
		int c = (unsigned char)rd->buf[i];
		if (is_space(c)) {
			if (n && t[n - 1] != ' ')
				t[n++] = ' ';
		} else {
			t[n++] = (char)c;
		}
	}
	t[n] = '\0';
	for (i = 0; i < l->n; i++)
		if (!strcasecmp(l->items[i], t)) {
			wipe_free(t);
			return 0;
		}
	if (l->n == l->cap) {
		size_t na = l->cap ? l->cap * 2 : 8;
		char **ni = reallocarray(l->items, na, sizeof(*ni));
		if (!ni) {
			wipe_free(t);
			return CV_ERROR;
		}
		l->items = ni;
		l->cap = na;
	}
	l->items[l->n++] = t;
	return 0;
}

/* Replace and emit the settled part of the window; keep the rest. */
static int process(cv_redactor *rd, int final, cv_sink_fn sink, void *hook)
{
	size_t limit = final ? rd->len : (rd->len > WIN_OVERLAP ? rd->len - WIN_OVERLAP : 0);
	size_t pos = 0, s;
	int r;

	if ((r = find_spans(rd, final)) < 0)
		return r;
	for (s = 0; s < rd->nspans; s++) {
		span *sp = &rd->spans[s];
		if (sp->so >= limit)
			break;
		if (sp->eo <= pos)
			continue;        /* inside a span already handled */
		if (sp->so < pos) {
			/* overlaps the previous span: replace what is left of it */
			if (!sp->protect) {
				if ((r = emit(sink, hook, rd->buf + pos, 0)) < 0 || (r = note_match(rd, sp->so, sp->eo)) < 0)
					return r;
				pos = sp->eo;
			}
			continue;
		}
		if (sp->protect) {
			/* a redaction that starts inside a protected name still wins */
			size_t e = sp->eo, t;
			for (t = s + 1; t < rd->nspans && rd->spans[t].so < e; t++)
				if (!rd->spans[t].protect) {
					e = rd->spans[t].so;
					break;
				}
			if ((r = emit(sink, hook, rd->buf + pos, e - pos)) < 0)
				return r;
			pos = e;
			continue;
		}
		if ((r = emit(sink, hook, rd->buf + pos, sp->so - pos)) < 0 ||
		    (r = emit(sink, hook, rd->marker, rd->marker_len)) < 0 ||
		    (r = note_match(rd, sp->so, sp->eo)) < 0)
			return r;
		rd->hits++;
		pos = sp->eo;
	}
	if (!final) {
		size_t cut = pos > limit ? pos : limit;
		if ((r = emit(sink, hook, rd->buf + pos, cut - pos)) < 0)
			return r;
		pos = cut;
	} else {
		if ((r = emit(sink, hook, rd->buf + pos, rd->len - pos)) < 0)
			return r;
		pos = rd->len;
	}
	if (pos) {
		rd->prev = (unsigned char)rd->buf[pos - 1];
		memmove(rd->buf, rd->buf + pos, rd->len - pos);
		rd->len -= pos;
	}
	return 0;
}

int cv_redactor_feed(cv_redactor *rd, const void *data, size_t n, cv_sink_fn sink, void *hook)
{
	const char *p = data;
	int r;

	if (!rd->buf) {
		rd->cap = WIN_CHUNK + 2 * WIN_OVERLAP;
		rd->buf = malloc(rd->cap);
		if (!rd->buf)
			return CV_ERROR;
	}
	if (memchr(data, '\0', n))
		rd->bad = 1;
	while (n) {
		size_t room = rd->cap - rd->len, take = n < room ? n : room;

		memcpy(rd->buf + rd->len, p, take);
		rd->len += take;
		p += take;
		n -= take;
		if (rd->len == rd->cap && (r = process(rd, 0, sink, hook)) < 0)
			return r;
	}
	return rd->bad ? CV_EINVAL : 0;
}

int cv_redactor_finish(cv_redactor *rd, cv_sink_fn sink, void *hook)
{
	int r = 0, bad = rd->bad;

	if (rd->len)
		r = process(rd, 1, sink, hook);
	if (rd->buf)
		explicit_bzero(rd->buf, rd->cap);
	rd->len = 0;
	rd->prev = '\n';
	rd->bad = 0;
	if (r < 0)
		return r;
	return bad ? CV_EINVAL : 0;
}

struct strbuf {
	char *p;
	size_t n, a;
};

static int str_sink(void *hook, const void *b, size_t n)
{
	struct strbuf *s = hook;

	if (s->n + n + 1 > s->a) {
		size_t na = (s->n + n + 1) * 2;
		char *np = realloc(s->p, na);
		if (!np)
			return -1;
		s->p = np;
		s->a = na;
	}
	memcpy(s->p + s->n, b, n);
	s->n += n;
	s->p[s->n] = '\0';
	return 0;
}

int cv_redactor_string(cv_redactor *rd, const char *in, char **out)
{
	struct strbuf s = { NULL, 0, 0 };
	int r;

	*out = NULL;
	if (str_sink(&s, "", 0) < 0)
		return CV_ERROR;
	if ((r = cv_redactor_feed(rd, in, strlen(in), str_sink, &s)) < 0 ||
	    (r = cv_redactor_finish(rd, str_sink, &s)) < 0) {
		free(s.p);
		return r;
	}
	*out = s.p;
	return 0;
}

/*
 * The texts the redactor would replace in a whole text, each once: the
 * terms a born-digital PDF's redaction removes (docs/legal-rules.md §9).
 * rd's terms and patterns are only read (a copy of its state does the
 * work), so the bundle's writer can ask while its check streams through
 * another redactor in another thread.
 */
int cv_redactor_matches(const cv_redactor *rd, const char *text, size_t len, char ***out, size_t *n)
{
	struct matchlist l = { NULL, 0, 0 };
	cv_redactor w = *rd;
	size_t i;
	int r;

	*out = NULL;
	*n = 0;
	w.buf = NULL;
	w.len = w.cap = 0;
	w.prev = '\n';
	w.spans = NULL;
	w.nspans = w.aspans = 0;
	w.bad = 0;
	w.found = &l;
	r = cv_redactor_feed(&w, text, len, NULL, NULL);
	if (r == 0)
		r = cv_redactor_finish(&w, NULL, NULL);
	else
		cv_redactor_finish(&w, NULL, NULL);
	free(w.buf);
	free(w.spans);
	if (r < 0) {
		for (i = 0; i < l.n; i++)
			wipe_free(l.items[i]);
		free(l.items);
		return r;
	}
	*out = l.items;
	*n = l.n;
	return 0;
}

void cv_redactor_matches_free(char **m, size_t n)
{
	size_t i;

	for (i = 0; m && i < n; i++)
		wipe_free(m[i]);
	free(m);
}

/* ---- fingerprints of withheld text (winnowing, Schleimer et al. 2003) ---- */

#define FP_K 40            /* shingle length, in folded characters */
#define FP_W 16            /* winnowing window: any shared run of FP_K + FP_W - 1 is found */
#define FP_CAP (1u << 21)  /* at most 2M fingerprints (16 MB); then sample */
#define FP_BASE 0x100000001b3ULL

struct cv_fprint {
	uint64_t *tab;       /* open addressing; 0 = empty */
	size_t size, count;
	unsigned sample;     /* keep a hash only when its low `sample` bits of a mix are 0 */
	/* rolling state */
	unsigned char ring[FP_K];
	size_t nch;
	uint64_t h, pow;     /* FP_BASE^(FP_K-1) */
	int last_space;
	uint64_t win[FP_W];
	size_t nwin;
	uint64_t picked;
	size_t picked_at;
	size_t pos;
};

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

int cv_fprint_new(cv_fprint **out)
{
	cv_fprint *fp = calloc(1, sizeof(*fp));
	size_t i;

	*out = NULL;
	if (!fp)
		return CV_ERROR;
	fp->size = 1024;
	fp->tab = calloc(fp->size, sizeof(uint64_t));
	if (!fp->tab) {
		free(fp);
		return CV_ERROR;
	}
	fp->pow = 1;
	for (i = 1; i < FP_K; i++)
		fp->pow *= FP_BASE;
	fp->last_space = 1;
	*out = fp;
	return 0;
}

void cv_fprint_free(cv_fprint *fp)
{
	if (!fp)
		return;
	free(fp->tab);
	explicit_bzero(fp, sizeof(*fp));
	free(fp);
}

size_t cv_fprint_count(const cv_fprint *fp)
{
	return fp->count;
}

static int kept(const cv_fprint *fp, uint64_t h)
{
	return fp->sample == 0 || (mix64(h) & ((1ULL << fp->sample) - 1)) == 0;
}

static int tab_insert(cv_fprint *fp, uint64_t h);

static int tab_grow(cv_fprint *fp, size_t nsize)
{
	uint64_t *old = fp->tab;
	size_t osize = fp->size, i;

	fp->tab = calloc(nsize, sizeof(uint64_t));
	if (!fp->tab) {
		fp->tab = old;
		return CV_ERROR;
	}
	fp->size = nsize;
	fp->count = 0;
	for (i = 0; i < osize; i++)
		if (old[i] && kept(fp, old[i]))
			tab_insert(fp, old[i]);
	free(old);
	return 0;
}

static int tab_insert(cv_fprint *fp, uint64_t h)
{
	size_t i;

	h |= 1;
	if (!kept(fp, h))
		return 0;
	while (fp->count + 1 > FP_CAP) {
		/* full: sample more sparsely instead of growing */
		fp->sample++;
		if (tab_grow(fp, fp->size) < 0)
			return CV_ERROR;
		if (!kept(fp, h))
			return 0;
	}
	if ((fp->count + 1) * 2 > fp->size && tab_grow(fp, fp->size * 2) < 0)
		return CV_ERROR;
	i = (size_t)(mix64(h) & (fp->size - 1));
	while (fp->tab[i]) {
		if (fp->tab[i] == h)
			return 0;
		i = (i + 1) & (fp->size - 1);
	}
	fp->tab[i] = h;
	fp->count++;
	return 0;
}

static int tab_has(const cv_fprint *fp, uint64_t h)
{
	size_t i;

	h |= 1;
	i = (size_t)(mix64(h) & (fp->size - 1));
	while (fp->tab[i]) {
		if (fp->tab[i] == h)
			return 1;
		i = (i + 1) & (fp->size - 1);
	}
	return 0;
}

static void roll_reset(cv_fprint *fp)
{
	fp->nch = 0;
	fp->h = 0;
	fp->last_space = 1;
	fp->nwin = 0;
	fp->picked_at = (size_t)-1;
	fp->pos = 0;
}

/* Fold one byte; returns 1 and sets *hash when a full shingle ends here. */
static int roll(cv_fprint *fp, unsigned char c, uint64_t *hash)
{
	unsigned char f;

	if (c < 128 && isalnum(c))
		f = (unsigned char)lower(c);
	else if (c >= 128)
		f = c;
	else {
		if (fp->last_space)
			return 0;
		f = ' ';
	}
	fp->last_space = f == ' ';
	if (fp->nch >= FP_K)
		fp->h -= fp->ring[fp->nch % FP_K] * fp->pow;
	fp->h = fp->h * FP_BASE + f;
	fp->ring[fp->nch % FP_K] = f;
	fp->nch++;
	if (fp->nch < FP_K)
		return 0;
	*hash = fp->h;
	return 1;
}

int cv_fprint_add(cv_fprint *fp, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t i, j;

	for (i = 0; i < len; i++) {
		uint64_t h, m;
		size_t mi;

		if (!roll(fp, p[i], &h))
			continue;
		fp->win[fp->pos % FP_W] = h;
		fp->pos++;
		if (fp->pos < FP_W)
			continue;
		/* the rightmost minimum of the last FP_W hashes */
		m = UINT64_MAX;
		mi = 0;
		for (j = fp->pos - FP_W; j < fp->pos; j++) {
			uint64_t x = mix64(fp->win[j % FP_W]);
			if (x <= m) {
				m = x;
				mi = j;
			}
		}
		if (mi != fp->picked_at) {
			fp->picked_at = mi;
			if (tab_insert(fp, fp->win[mi % FP_W]) < 0)
				return CV_ERROR;
		}
	}
	return 0;
}

void cv_fprint_add_end(cv_fprint *fp)
{
	size_t j;

	/* a text shorter than one window still leaves its smallest shingle */
	if (fp->pos && fp->pos < FP_W) {
		uint64_t m = UINT64_MAX, best = 0;
		for (j = 0; j < fp->pos; j++)
			if (mix64(fp->win[j]) <= m) {
				m = mix64(fp->win[j]);
				best = fp->win[j];
			}
		tab_insert(fp, best);
	}
	roll_reset(fp);
}

int cv_fprint_scan(cv_fprint *fp, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t i;

	if (!fp->count)
		return 0;
	for (i = 0; i < len; i++) {
		uint64_t h;
		if (roll(fp, p[i], &h) && tab_has(fp, h))
			return 1;
	}
	return 0;
}

void cv_fprint_scan_end(cv_fprint *fp)
{
	roll_reset(fp);
}

/*
 * cv_fprint_scan over a whole text with a rolling state of its own: fp is
 * only read, so the bundle's writer can search a member while its check
 * scans the ZIP with fp in another thread (docs/legal-rules.md §9).
 */
int cv_fprint_scan_text(const cv_fprint *fp, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	cv_fprint w = *fp;
	size_t i;

	if (!fp->count)
		return 0;
	roll_reset(&w);
	for (i = 0; i < len; i++) {
		uint64_t h;
		if (roll(&w, p[i], &h) && tab_has(&w, h))
			return 1;
	}
	return 0;
}
