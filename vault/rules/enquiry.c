/*
 * casevault - what an anonymous enquiry may not hold (rules/enquiry.h).  An
 * enquiry is logged with no personal details (the office policy: a parent
 * may ask for general information without giving them); these patterns
 * catch the usual slips, so that a caseworker confirms before one is kept.
 * They err towards warning: a false alarm costs a --confirm.
 */
#include <ctype.h>
#include <regex.h>
#include <string.h>
#include <strings.h>

#include "rules/enquiry.h"

static const char *const kind_words[] = {
	"nothing", "a phone number", "an e-mail address", "a postcode", "a name recorded in the vault"
};

const char *cv_enquiry_kind_words(cv_enquiry_kind k)
{
	return (unsigned)k <= CV_ENQ_NAME ? kind_words[k] : "personal details";
}

static int word_char(unsigned char c)
{
	return isalnum(c) || c >= 0x80;
}

/*
 * A UK number: a run of digits with single spaces, hyphens, dots or
 * brackets between them, starting "0" with 10 or 11 digits (01514433283,
 * 0151 443 3283, (0151) 443-3283, 07700 900123), or "+44"/"0044" and 9 or 10
 * more (+44 7700 900123, +44 (0)151 443 3283).
 */
static int phone_at(const char *s, size_t *len)
{
	char digits[24];
	size_t nd = 0, i = 0;
	int plus = s[0] == '+';

	if (plus)
		i = 1;
	for (; s[i] && nd < sizeof(digits) - 1; i++) {
		size_t k = i;

		if (isdigit((unsigned char)s[i])) {
			digits[nd++] = s[i];
			continue;
		}
		while (k < i + 2 && s[k] && strchr(" -.()", s[k]))
			k++;  /* at most two separators between digits: ") " */
		if (k == i || !isdigit((unsigned char)s[k]))
			break;
		i = k - 1;
	}
	digits[nd] = '\0';
	*len = i;
	if (plus && !strncmp(digits, "440", 3))
		return nd == 12 || nd == 13;  /* +44 (0)151 ...: the trunk zero written in brackets */
	if (plus || !strncmp(digits, "0044", 4))
		return !strncmp(digits + (plus ? 0 : 2), "44", 2) && nd - (plus ? 2 : 4) >= 9 && nd - (plus ? 2 : 4) <= 10;
	return digits[0] == '0' && (nd == 10 || nd == 11);
}

static int find_phone(const char *text, size_t *at)
{
	size_t i, len;

	for (i = 0; text[i]; i++) {
		if (!(isdigit((unsigned char)text[i]) || text[i] == '+' || text[i] == '('))
			continue;
		if (i && (isdigit((unsigned char)text[i - 1]) || isalpha((unsigned char)text[i - 1])))
			continue;
		if (phone_at(text + i + (text[i] == '('), &len)) {
			*at = i;
			return 1;
		}
	}
	return 0;
}

/* The first match of an extended regular expression (case ignored), or 0. */
static int find_re(const char *text, const char *re, size_t *at)
{
	regex_t rx;
	regmatch_t m[3];
	int found;

	if (regcomp(&rx, re, REG_EXTENDED | REG_ICASE) != 0)
		return 1;  /* cannot happen with the fixed patterns; if it did, warn rather than pass */
	found = regexec(&rx, text, 3, m, 0) == 0;
	if (found)
		*at = (size_t)m[2].rm_so;
	regfree(&rx);
	return found;
}

#define EMAIL_RE "(^|[^A-Za-z0-9._%+-])([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)+)"
/* outward code (A9, A99, AA9, AA99, A9A, AA9A), optional space, inward code (9AA) */
#define POSTCODE_RE "(^|[^A-Za-z0-9])([A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][ABD-HJLNP-UW-Z]{2})([^A-Za-z0-9]|$)"

/* w (n bytes) as a whole word of text, ASCII case ignored. */
static int find_word(const char *text, const char *w, size_t n, size_t *at)
{
	const char *p;

	for (p = text; *p; p++)
		if (!strncasecmp(p, w, n) && (p == text || !word_char((unsigned char)p[-1])) &&
		    !word_char((unsigned char)p[n])) {
			*at = (size_t)(p - text);
			return 1;
		}
	return 0;
}

/* The name whole, then each of its words of 3 bytes or more. */
static int find_name(const char *text, const char *name, size_t *at)
{
	const char *p = name;
	size_t n;

	if (strlen(name) >= 3 && find_word(text, name, strlen(name), at))
		return 1;
	while (*p) {
		p += strspn(p, " -'.,");
		n = strcspn(p, " -'.,");
		if (n >= 3 && find_word(text, p, n, at))
			return 1;
		p += n;
	}
	return 0;
}

cv_enquiry_kind cv_enquiry_scan(const char *text, const char *const *names, size_t nnames, size_t *at)
{
	size_t pos = 0, i;
	cv_enquiry_kind k = CV_ENQ_CLEAN;

	if (find_phone(text, &pos))
		k = CV_ENQ_PHONE;
	else if (find_re(text, EMAIL_RE, &pos))
		k = CV_ENQ_EMAIL;
	else if (find_re(text, POSTCODE_RE, &pos))
		k = CV_ENQ_POSTCODE;
	for (i = 0; k == CV_ENQ_CLEAN && i < nnames; i++)
		if (names[i] && find_name(text, names[i], &pos))
			k = CV_ENQ_NAME;
	if (at)
		*at = pos;
	return k;
}
