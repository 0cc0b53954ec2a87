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
#include "crypto/seal.h"
#include "ops/case.h"
#include "ops/disclose.h"
#include "rules/redpolicy.h"
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

static int sane(const char *s, size_t max)
{
	size_t i, n = s ? strlen(s) : 0;

	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	for (i = 0; i < n && (s[i] == ' '); i++)
		;
	return i < n;
}

static int case_exists(cv_vault *v, const char *id)
{
	sqlite3_stmt *st = NULL;
	int found;

	if (cv_index_prepare(v, &st, "SELECT 1 FROM cases WHERE id = ?") < 0)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

static int bind_sealed(cv_vault *v, sqlite3_stmt *st, int idx, const char *col, long id, const char *val)
{
	unsigned char *b = NULL;
	size_t len = 0;
	char ctx[64];
	int r;

	if (!val) {
		sqlite3_bind_null(st, idx);
		return 0;
	}
	snprintf(ctx, sizeof(ctx), "people.%s:%ld", col, id);
	if ((r = cv_seal_str(v, CV_SECTION_CASE, ctx, val, &b, &len)) < 0)
		return r;
	sqlite3_bind_blob(st, idx, b, (int)len, free);
	return 0;
}

int cv_person_add(cv_vault *v, const char *case_id, const char *name, cv_person_kind kind,
		  const char *phone, const char *email, const char *role, long *id_out)
{
	sqlite3_stmt *st = NULL;
	char now[32], ids[64];
	long id = 0;
	int r;

	if ((unsigned)kind > CV_PERSON_VOLUNTEER)
		return cv_error(v, CV_EINVAL, "the kind must be third-party, professional or volunteer");
	if (!sane(name, 200))
		return cv_error(v, CV_EINVAL, "the name is missing, too long or holds control characters");
	if ((phone && !sane(phone, 40)) || (email && !sane(email, 200)) || (role && !sane(role, 200)))
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
	if ((r = case_exists(v, case_id)) <= 0)
		return r < 0 ? r : cv_error(v, CV_ENOTFOUND, "no case %s in this vault; see 'casevault case list'", case_id);
	if ((r = cv_authorize(v, CV_ACT_READ_CASE, case_id)) < 0)
		return r;
	if ((r = cv_require_key(v, CV_SECTION_CASE)) < 0)
		return r;
	if ((r = cv_vault_lock_writer(v, 1)) < 0)
		return r;
	if ((r = cv_index_begin(v)) < 0)
		goto out;
	cv_now_iso(now);
	if ((r = cv_index_prepare(v, &st,
		"INSERT INTO people(case_id, kind, name, added_by, added_at) VALUES(?, ?, x'', ?, ?)")) < 0)
		goto rollback;
	sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, kind_names[kind], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, v->actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		r = cv_index_dberr(v, "record the person");
		goto rollback;
	}
	sqlite3_finalize(st);
	st = NULL;
	id = (long)sqlite3_last_insert_rowid(v->db);
	if ((r = cv_index_prepare(v, &st, "UPDATE people SET name = ?, phone = ?, email = ?, role = ? WHERE id = ?")) < 0)
		goto rollback;
	if ((r = bind_sealed(v, st, 1, "name", id, name)) < 0 ||
	    (r = bind_sealed(v, st, 2, "phone", id, phone)) < 0 ||
	    (r = bind_sealed(v, st, 3, "email", id, email)) < 0 ||
	    (r = bind_sealed(v, st, 4, "role", id, role)) < 0)
		goto rollback;
	sqlite3_bind_int64(st, 5, id);
	if (sqlite3_step(st) != SQLITE_DONE) {
		r = cv_index_dberr(v, "record the person");
		goto rollback;
	}
	sqlite3_finalize(st);
	st = NULL;
	snprintf(ids, sizeof(ids), "%s P-%ld", case_id, id);
	if ((r = cv_audit(v, "case.person.add", 0, ids)) < 0)
		goto rollback;
	if ((r = cv_index_commit(v)) < 0)
		goto out;
	if (id_out)
		*id_out = id;
	r = 0;
	goto out;
rollback:
	sqlite3_finalize(st);
	cv_index_rollback(v);
out:
	cv_vault_unlock_writer(v);
	return r;
}

static int unseal_opt(cv_vault *v, sqlite3_stmt *st, int col, const char *what, long id, char **out)
{
	char ctx[64];

	*out = NULL;
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return 0;
	snprintf(ctx, sizeof(ctx), "people.%s:%ld", what, id);
	return cv_unseal(v, CV_SECTION_CASE, ctx, sqlite3_column_blob(st, col), (size_t)sqlite3_column_bytes(st, col), out, NULL);
}

static void wipe_str(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

void cv_person_list_free(cv_person *list, size_t n)
{
	size_t i;

	for (i = 0; list && i < n; i++) {
		wipe_str(list[i].name);
		wipe_str(list[i].phone);
		wipe_str(list[i].email);
		wipe_str(list[i].role);
	}
	free(list);
}

/* Without authorisation: for this module's own use. */
static int people_fetch(cv_vault *v, const char *case_id, cv_person **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	cv_person *list = NULL;
	size_t cnt = 0, alloc = 0;
	int r = 0, rc;

	*out = NULL;
	*n = 0;
	if ((r = cv_require_key(v, CV_SECTION_CASE)) < 0)
		return r;
	if ((r = cv_index_prepare(v, &st,
		"SELECT id, case_id, kind, name, phone, email, role, added_by, added_at FROM people WHERE case_id = ? ORDER BY id")) < 0)
		return r;
	sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		cv_person *p;

		if (cnt == alloc) {
			size_t na = alloc ? alloc * 2 : 8;
			cv_person *nl = reallocarray(list, na, sizeof(*nl));
			if (!nl) {
				r = cv_error(v, CV_ERROR, "out of memory");
				goto fail;
			}
			list = nl;
			alloc = na;
		}
		p = &list[cnt++];
		memset(p, 0, sizeof(*p));
		p->id = (long)sqlite3_column_int64(st, 0);
		snprintf(p->case_id, sizeof(p->case_id), "%s", (const char *)sqlite3_column_text(st, 1));
		cv_person_kind_parse(&p->kind, (const char *)sqlite3_column_text(st, 2));
		snprintf(p->added_by, sizeof(p->added_by), "%s", (const char *)sqlite3_column_text(st, 7));
		snprintf(p->added_at, sizeof(p->added_at), "%s", (const char *)sqlite3_column_text(st, 8));
		if ((r = unseal_opt(v, st, 3, "name", p->id, &p->name)) < 0 ||
		    (r = unseal_opt(v, st, 4, "phone", p->id, &p->phone)) < 0 ||
		    (r = unseal_opt(v, st, 5, "email", p->id, &p->email)) < 0 ||
		    (r = unseal_opt(v, st, 6, "role", p->id, &p->role)) < 0)
			goto fail;
	}
	if (rc != SQLITE_DONE) {
		r = cv_index_dberr(v, "list people");
		goto fail;
	}
	sqlite3_finalize(st);
	*out = list;
	*n = cnt;
	return 0;
fail:
	sqlite3_finalize(st);
	cv_person_list_free(list, cnt);
	return r;
}

int cv_person_list(cv_vault *v, const char *case_id, cv_person **out, size_t *n)
{
	int r;

	*out = NULL;
	*n = 0;
	if ((r = case_exists(v, case_id)) <= 0)
		return r < 0 ? r : cv_error(v, CV_ENOTFOUND, "no case %s in this vault; see 'casevault case list'", case_id);
	if ((r = cv_authorize(v, CV_ACT_READ_CASE, case_id)) < 0)
		return r;
	r = people_fetch(v, case_id, out, n);
	cv_audit(v, "case.person.list", r, case_id);
	return r;
}

int cv_case_link(cv_vault *v, const char *a, const char *b)
{
	sqlite3_stmt *st = NULL;
	const char *lo, *hi;
	char now[32], ids[64];
	int r;

	if (!a || !b || !strcmp(a, b))
		return cv_error(v, CV_EINVAL, "a case cannot be linked to itself");
	if ((r = case_exists(v, a)) <= 0)
		return r < 0 ? r : cv_error(v, CV_ENOTFOUND, "no case %s in this vault; see 'casevault case list'", a);
	if ((r = case_exists(v, b)) <= 0)
		return r < 0 ? r : cv_error(v, CV_ENOTFOUND, "no case %s in this vault; see 'casevault case list'", b);
	lo = strcmp(a, b) < 0 ? a : b;
	hi = lo == a ? b : a;
	if ((r = cv_index_prepare(v, &st, "SELECT 1 FROM case_links WHERE a = ? AND b = ?")) < 0)
		return r;
	sqlite3_bind_text(st, 1, lo, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hi, -1, SQLITE_STATIC);
	r = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	st = NULL;
	if (r)
		return cv_error(v, CV_EEXISTS, "cases %s and %s are already linked", a, b);
	if ((r = cv_authorize(v, CV_ACT_CASE_ADMIN, a)) < 0)
		return r;
	if ((r = cv_vault_lock_writer(v, 1)) < 0)
		return r;
	if ((r = cv_index_begin(v)) < 0)
		goto out;
	cv_now_iso(now);
	if ((r = cv_index_prepare(v, &st, "INSERT INTO case_links(a, b, linked_by, linked_at) VALUES(?, ?, ?, ?)")) < 0)
		goto rollback;
	sqlite3_bind_text(st, 1, lo, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hi, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, v->actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		r = cv_index_dberr(v, "link the cases");
		goto rollback;
	}
	sqlite3_finalize(st);
	st = NULL;
	snprintf(ids, sizeof(ids), "%s %s", lo, hi);
	if ((r = cv_audit(v, "case.link", 0, ids)) < 0)
		goto rollback;
	r = cv_index_commit(v);
	goto out;
rollback:
	sqlite3_finalize(st);
	cv_index_rollback(v);
out:
	cv_vault_unlock_writer(v);
	return r;
}

int cv_case_links(cv_vault *v, const char *case_id, char (**out)[24], size_t *n)
{
	sqlite3_stmt *st = NULL;
	char (*list)[24] = NULL;
	size_t cnt = 0;
	int r;

	*out = NULL;
	*n = 0;
	if ((r = cv_index_prepare(v, &st,
		"SELECT b FROM case_links WHERE a = ?1 UNION SELECT a FROM case_links WHERE b = ?1 ORDER BY 1")) < 0)
		return r;
	sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		char (*nl)[24] = reallocarray(list, cnt + 1, sizeof(*nl));
		if (!nl) {
			sqlite3_finalize(st);
			free(list);
			return cv_error(v, CV_ERROR, "out of memory");
		}
		list = nl;
		snprintf(list[cnt++], 24, "%s", (const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	*out = list;
	*n = cnt;
	return 0;
}

int cv_people_any(cv_vault *v, const char *case_id)
{
	sqlite3_stmt *st = NULL;
	int found;

	if (cv_index_prepare(v, &st,
		"SELECT 1 FROM people WHERE case_id = ?1 AND kind IN ('third-party','volunteer')"
		" UNION ALL SELECT 1 FROM case_links WHERE a = ?1 OR b = ?1 LIMIT 1") < 0)
		return 1;  /* fail safe: as if people were named */
	sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
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
	{
		sqlite3_stmt *st = NULL;
		char ctx[64];

		if ((r = cv_index_prepare(v, &st, "SELECT requester FROM requests WHERE id = ?")) < 0)
			goto out;
		sqlite3_bind_text(st, 1, req->id, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_ROW) {
			sqlite3_finalize(st);
			r = cv_error(v, CV_ENOTFOUND, "no request %s in this vault", req->id);
			goto out;
		}
		snprintf(ctx, sizeof(ctx), "requests.requester:%s", req->id);
		r = cv_unseal(v, CV_SECTION_CASE, ctx, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0), &requester, NULL);
		sqlite3_finalize(st);
		if (r < 0)
			goto out;
	}
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
	if (requester) {
		explicit_bzero(requester, strlen(requester));
		free(requester);
	}
	return r;
}
