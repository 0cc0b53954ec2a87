/*
 * casevault - people named in a case (third parties, professionals,
 * volunteers) and linked cases (the two sides of a separated family).
 * Every personal field is sealed under the case key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/handle.h"
#include "core/lock.h"
#include "base/util.h"
#include "core/actor.h"
#include "core/audit.h"
#include "ops/assign.h"
#include "ops/case.h"
#include "ops/disclose.h"
#include "rules/redpolicy.h"
#include "store/db_cases.h"
#include "store/db_people.h"
#include "store/db_requests.h"
#include "casevault/audit.h"
#include "casevault/case.h"
#include "casevault/staff.h"

static const char *const kind_names[] = { "third-party", "professional", "volunteer" };

int cv_person_kind_parse(cv_person_kind *out, const char *s)
{
	int i = cv_text_pick(kind_names, 3, s);

	return i < 0 ? CV_EINVAL : (*out = (cv_person_kind)i, 0);
}

const char *cv_person_kind_name(cv_person_kind k)
{
	return (unsigned)k < 3 ? kind_names[k] : "unknown";
}

/* A person's details: one line each; a phone number of digits and separators; an e-mail with an @. */
static int check_person(cv_vault *v, cv_person_kind kind, const char *name, const char *phone,
			const char *email, const char *role)
{
	size_t i, d = 0;

	if ((unsigned)kind > CV_PERSON_VOLUNTEER)
		return cv_error(v, CV_EINVAL, "the kind must be third-party, professional or volunteer");
	if (!cv_text_one_line(name, 200))
		return cv_error(v, CV_EINVAL, "the name is missing, too long or holds control characters");
	if ((phone && !cv_text_one_line(phone, 40)) || (email && !cv_text_one_line(email, 200)) ||
	    (role && !cv_text_one_line(role, 200)))
		return cv_error(v, CV_EINVAL, "a phone number, e-mail address or role is empty, too long or holds control characters");
	if (phone) {
		for (i = 0; phone[i]; i++)
			if (phone[i] >= '0' && phone[i] <= '9')
				d++;
			else if (!strchr(" +-.()", phone[i]))
				return cv_error(v, CV_EINVAL, "a phone number holds digits, spaces and + - . ( ) only");
		if (d < 6)
			return cv_error(v, CV_EINVAL, "a phone number needs at least 6 digits");
	}
	if (email && (!strchr(email, '@') || strchr(email, ' ')))
		return cv_error(v, CV_EINVAL, "the e-mail address is not of the form name@domain");
	return 0;
}

struct person_tx {
	cv_db_person_new p;
	long id;
};

static int add_person_tx(cv_vault *v, void *hook)
{
	struct person_tx *t = hook;
	char now[32], ids[64];
	int r;

	cv_now_iso(now);
	t->p.added_by = v->actor;
	t->p.added_at = now;
	if ((r = cv_db_person_insert(v, &t->p, &t->id)) < 0)
		return r;
	snprintf(ids, sizeof(ids), "%s P-%ld", t->p.case_id, t->id);
	return cv_audit(v, "case.person.add", 0, ids);
}

int cv_person_add(cv_vault *v, const char *case_id, const char *name, cv_person_kind kind,
		  const char *phone, const char *email, const char *role, long *id_out)
{
	struct person_tx t;
	int r;

	if ((r = check_person(v, kind, name, phone, email, role)) < 0)
		return r;
	if ((r = cv_db_case_exists(v, case_id)) < 0)
		return r;
	if ((r = cv_authorize(v, CV_ACT_READ_CASE, case_id)) < 0)
		return r;
	if ((r = cv_require_key(v, CV_SECTION_CASE)) < 0)
		return r;
	memset(&t, 0, sizeof(t));
	t.p.case_id = case_id;
	t.p.kind = kind_names[kind];
	t.p.name = name;
	t.p.phone = phone;
	t.p.email = email;
	t.p.role = role;
	if ((r = cv_vault_write_tx(v, add_person_tx, &t)) < 0)
		return r;
	if (id_out)
		*id_out = t.id;
	return 0;
}

void cv_person_list_free(cv_person *list, size_t n)
{
	size_t i;

	for (i = 0; list && i < n; i++) {
		cv_wipe_free(list[i].name);
		cv_wipe_free(list[i].phone);
		cv_wipe_free(list[i].email);
		cv_wipe_free(list[i].role);
	}
	free(list);
}

/* Without authorisation: for this module's own use. */
static int people_fetch(cv_vault *v, const char *case_id, cv_person **out, size_t *n)
{
	cv_db_person *rows = NULL;
	cv_person *list;
	size_t nr = 0, i;
	int r;

	*out = NULL;
	*n = 0;
	if ((r = cv_require_key(v, CV_SECTION_CASE)) < 0)
		return r;
	if ((r = cv_db_person_list(v, case_id, &rows, &nr)) < 0)
		return r;
	list = calloc(nr ? nr : 1, sizeof(*list));
	for (i = 0; i < nr; i++) {
		cv_db_person *d = &rows[i];

		if (list) {
			list[i].id = d->id;
			snprintf(list[i].case_id, sizeof(list[i].case_id), "%s", d->case_id);
			cv_person_kind_parse(&list[i].kind, d->kind);
			list[i].name = d->name;
			list[i].phone = d->phone;
			list[i].email = d->email;
			list[i].role = d->role;
			snprintf(list[i].added_by, sizeof(list[i].added_by), "%s", d->added_by);
			snprintf(list[i].added_at, sizeof(list[i].added_at), "%s", d->added_at);
		} else {
			cv_wipe_free(d->name);
			cv_wipe_free(d->phone);
			cv_wipe_free(d->email);
			cv_wipe_free(d->role);
		}
	}
	free(rows);
	if (!list)
		return cv_error(v, CV_ERROR, "out of memory");
	*out = list;
	*n = nr;
	return 0;
}

int cv_person_list(cv_vault *v, const char *case_id, cv_person **out, size_t *n)
{
	int r;

	*out = NULL;
	*n = 0;
	if ((r = cv_db_case_exists(v, case_id)) < 0)
		return r;
	if ((r = cv_authorize(v, CV_ACT_READ_CASE, case_id)) < 0)
		return r;
	r = people_fetch(v, case_id, out, n);
	cv_audit(v, "case.person.list", r, case_id);
	return r;
}

static int link_tx(cv_vault *v, void *hook)
{
	const char *const *ab = hook;   /* lo, hi */
	char now[32], ids[64];
	int r;

	cv_now_iso(now);
	snprintf(ids, sizeof(ids), "%s %s", ab[0], ab[1]);
	if ((r = cv_db_link_insert(v, ab[0], ab[1], v->actor, now)) < 0)
		return r;
	return cv_audit(v, "case.link", 0, ids);
}

int cv_case_link(cv_vault *v, const char *a, const char *b)
{
	const char *ab[2];
	int r;

	if (!a || !b || !strcmp(a, b))
		return cv_error(v, CV_EINVAL, "a case cannot be linked to itself");
	if ((r = cv_db_case_exists(v, a)) < 0 || (r = cv_db_case_exists(v, b)) < 0)
		return r;
	ab[0] = strcmp(a, b) < 0 ? a : b;
	ab[1] = ab[0] == a ? b : a;
	if ((r = cv_db_link_exists(v, ab[0], ab[1])) < 0)
		return r;
	if (r)
		return cv_error(v, CV_EEXISTS, "cases %s and %s are already linked", a, b);
	if ((r = cv_authorize(v, CV_ACT_CASE_ADMIN, a)) < 0 || (r = cv_authorize(v, CV_ACT_CASE_ADMIN, b)) < 0 ||
	    (r = cv_assign_check_link(v, a, b)) < 0)
		return r;
	return cv_vault_write_tx(v, link_tx, (void *)ab);
}

int cv_case_links(cv_vault *v, const char *case_id, char (**out)[24], size_t *n)
{
	return cv_db_link_list(v, case_id, out, n);
}

int cv_people_any(cv_vault *v, const char *case_id)
{
	return cv_db_person_any(v, case_id);
}

/* First names that must not be redacted alone: the people disclosed. */
struct firsts {
	char **w;
	size_t n;
};

static void add_firsts(struct firsts *f, const char *name)
{
	const char *p = name;

	while (p && *p) {
		const char *s;
		char **nw;

		while (*p == ' ' || *p == '\t')
			p++;
		s = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (p == s)
			break;
		nw = reallocarray(f->w, f->n + 1, sizeof(char *));
		if (!nw)
			return;
		f->w = nw;
		if ((f->w[f->n] = strndup(s, (size_t)(p - s))))
			f->n++;
	}
}

static int first_ok(void *hook, const char *first)
{
	struct firsts *f = hook;
	size_t i;

	for (i = 0; i < f->n; i++)
		if (!strcasecmp(f->w[i], first))
			return 0;
	return 1;
}

int cv_people_redactor(cv_vault *v, const cv_rpolicy *pol, const cv_req_row *req, cv_redactor **out,
		       int with_patterns, char **requester_out)
{
	cv_redactor *rd = NULL;
	cv_person *people = NULL;
	size_t np = 0, i, nl = 0;
	char (*links)[24] = NULL;
	struct firsts keep = { NULL, 0 };
	cv_case c;
	char *requester = NULL;
	int r;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	if ((r = cv_redactor_new(&rd, pol->marker)) < 0)
		return cv_error(v, CV_ERROR, "out of memory");
	if ((r = people_fetch(v, req->case_id, &people, &np)) < 0)
		goto out;
	if ((r = cv_case_fetch(v, &c, req->case_id, 1)) < 0)
		goto out;
	if ((r = cv_case_links(v, req->case_id, &links, &nl)) < 0)
		goto out;
	/* a share (ops/share.c) has no requester: the client consented, and is protected as below */
	if (!strncmp(req->id, "REQ-", 4) && (r = cv_db_request_requester(v, req->id, &requester)) < 0)
		goto out;
	/* Disclosed people: never redacted as a whole name; their first names are not redacted alone. */
	add_firsts(&keep, requester);
	add_firsts(&keep, c.child);
	if (req->rel != CV_REL_OTHER_PARENT)
		add_firsts(&keep, c.parent);
	for (i = 0; i < np; i++)
		if (people[i].kind == CV_PERSON_PROFESSIONAL)
			add_firsts(&keep, people[i].name);
	if ((r = cv_redactor_add_term(rd, requester, CV_TERM_PROTECT)) < 0 && r != CV_EINVAL)
		goto out;
	if ((r = cv_redactor_add_term(rd, c.child, CV_TERM_PROTECT)) < 0 && r != CV_EINVAL)
		goto out;
	/* The other parent asking sees the client as a third party, and the client the other parent. */
	if (req->rel == CV_REL_OTHER_PARENT) {
		if ((r = cv_redactor_add_name(rd, c.parent, pol->surname_min, pol->first_min, first_ok, &keep)) < 0 && r != CV_EINVAL)
			goto out;
	} else if ((r = cv_redactor_add_term(rd, c.parent, CV_TERM_PROTECT)) < 0 && r != CV_EINVAL) {
		goto out;
	}
	for (i = 0; i < nl; i++) {
		cv_case o;

		if (cv_case_fetch(v, &o, links[i], 1) < 0)
			continue;
		r = 0;
		/* an erased case's names are gone, not a name to look for (docs/legal-rules.md, storage limitation) */
		if (!o.erased[0] && (req->rel != CV_REL_OTHER_PARENT || strcasecmp(o.parent, requester)))
			r = cv_redactor_add_name(rd, o.parent, pol->surname_min, pol->first_min, first_ok, &keep);
		cv_case_release(&o);
		if (r < 0 && r != CV_EINVAL)
			goto out;
	}
	for (i = 0; i < np; i++) {
		if (people[i].kind == CV_PERSON_PROFESSIONAL)
			continue;
		if ((r = cv_redactor_add_name(rd, people[i].name, pol->surname_min, pol->first_min, first_ok, &keep)) < 0 && r != CV_EINVAL)
			goto out;
		if (people[i].phone && (r = cv_redactor_add_phone(rd, people[i].phone)) < 0 && r != CV_EINVAL)
			goto out;
		if (people[i].email && (r = cv_redactor_add_term(rd, people[i].email, CV_TERM_REDACT)) < 0 && r != CV_EINVAL)
			goto out;
	}
	if (with_patterns)
		for (i = 0; i < pol->npatterns; i++) {
			char err[128];
			if (cv_redactor_add_pattern(rd, pol->patterns[i].regex, err, sizeof(err)) < 0) {
				r = cv_error(v, CV_EPOLICY, "pattern %s of the redaction policy: %s", pol->patterns[i].name, err);
				goto out;
			}
		}
	r = 0;
	*out = rd;
	rd = NULL;
	if (requester_out) {
		*requester_out = requester;
		requester = NULL;
	}
out:
	if (r == CV_ERROR && !*v->errmsg)
		cv_error(v, r, "cannot prepare the redaction terms (out of memory)");
	cv_redactor_free(rd);
	cv_person_list_free(people, np);
	cv_case_release(&c);
	free(links);
	for (i = 0; i < keep.n; i++)
		free(keep.w[i]);
	free(keep.w);
	cv_wipe_free(requester);
	return r;
}
