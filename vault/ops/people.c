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
#include "base/util.h"
#include "core/actor.h"
#include "core/audit.h"
#include "core/lock.h"
#include "ops/case.h"
#include "ops/disclose.h"
#include "rules/redpolicy.h"
#include "store/db_cases.h"
#include "store/db_people.h"
#include "store/db_requests.h"
#include "store/index.h"
#include "casevault/audit.h"
#include "casevault/case.h"
#include "casevault/staff.h"

static const char *const kind_names[] = { "third-party", "professional", "volunteer" };

int cv_person_kind_parse(cv_person_kind *out, const char *s)
{
	int i;

	for (i = 0; i < 3; i++)
		if (s && !strcmp(s, kind_names[i])) {
			*out = (cv_person_kind)i;
			return 0;
		}
	return CV_EINVAL;
}

const char *cv_person_kind_name(cv_person_kind k)
{
	return (unsigned)k < 3 ? kind_names[k] : "unknown";
}

int cv_person_add(cv_vault *v, const char *case_id, const char *name, cv_person_kind kind,
		  const char *phone, const char *email, const char *role, long *id_out)
{
	cv_db_person_new p;
	char now[32], ids[64];
	long id = 0;
	int r;

	if ((unsigned)kind > CV_PERSON_VOLUNTEER)
		return cv_error(v, CV_EINVAL, "the kind must be third-party, professional or volunteer");
	if (!cv_text_one_line(name, 200))
		return cv_error(v, CV_EINVAL, "the name is missing, too long or holds control characters");
	if ((phone && !cv_text_one_line(phone, 40)) || (email && !cv_text_one_line(email, 200)) ||
	    (role && !cv_text_one_line(role, 200)))
		return cv_error(v, CV_EINVAL, "a phone number, e-mail address or role is empty, too long or holds control characters");
	if (phone) {
		size_t i, d = 0;
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
	if ((r = cv_db_case_exists(v, case_id)) < 0)
		return r;
	if ((r = cv_authorize(v, CV_ACT_READ_CASE, case_id)) < 0)
		return r;
	if ((r = cv_require_key(v, CV_SECTION_CASE)) < 0)
		return r;
	if ((r = cv_vault_lock_writer(v, 1)) < 0)
		return r;
	if ((r = cv_index_begin(v)) < 0)
		goto out;
	cv_now_iso(now);
	p.case_id = case_id;
	p.kind = kind_names[kind];
	p.name = name;
	p.phone = phone;
	p.email = email;
	p.role = role;
	p.added_by = v->actor;
	p.added_at = now;
	if ((r = cv_db_person_insert(v, &p, &id)) < 0)
		goto rollback;
	snprintf(ids, sizeof(ids), "%s P-%ld", case_id, id);
	if ((r = cv_audit(v, "case.person.add", 0, ids)) < 0)
		goto rollback;
	if ((r = cv_index_commit(v)) < 0)
		goto out;
	if (id_out)
		*id_out = id;
	goto out;
rollback:
	cv_index_rollback(v);
out:
	cv_vault_unlock_writer(v);
	return r;
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

int cv_case_link(cv_vault *v, const char *a, const char *b)
{
	const char *lo, *hi;
	char now[32], ids[64];
	int r;

	if (!a || !b || !strcmp(a, b))
		return cv_error(v, CV_EINVAL, "a case cannot be linked to itself");
	if ((r = cv_db_case_exists(v, a)) < 0 || (r = cv_db_case_exists(v, b)) < 0)
		return r;
	lo = strcmp(a, b) < 0 ? a : b;
	hi = lo == a ? b : a;
	if ((r = cv_db_link_exists(v, lo, hi)) < 0)
		return r;
	if (r)
		return cv_error(v, CV_EEXISTS, "cases %s and %s are already linked", a, b);
	if ((r = cv_authorize(v, CV_ACT_CASE_ADMIN, a)) < 0)
		return r;
	if ((r = cv_vault_lock_writer(v, 1)) < 0)
		return r;
	if ((r = cv_index_begin(v)) < 0)
		goto out;
	cv_now_iso(now);
	snprintf(ids, sizeof(ids), "%s %s", lo, hi);
	if ((r = cv_db_link_insert(v, lo, hi, v->actor, now)) < 0 || (r = cv_audit(v, "case.link", 0, ids)) < 0) {
		cv_index_rollback(v);
		goto out;
	}
	r = cv_index_commit(v);
out:
	cv_vault_unlock_writer(v);
	return r;
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
	if ((r = cv_db_request_requester(v, req->id, &requester)) < 0)
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
		if (req->rel != CV_REL_OTHER_PARENT || strcasecmp(o.parent, requester))
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
