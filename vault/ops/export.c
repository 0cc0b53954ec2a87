/*
 * casevault - governed exports (casevault/export.h).  Nothing leaves the
 * vault unrecorded (docs/legal-rules.md §17): a record's content written to
 * a file is an export, and it is recorded with its purpose, in its own
 * transaction, before the document is decrypted, so that an export that
 * then fails is still on the trail and one that succeeds never lacks its
 * entry.  Standard output is a view unless a purpose is given
 * (docs/security.md, Governed exports).
 */
#include <stdio.h>
#include <string.h>

#include "base/handle.h"
#include "base/util.h"
#include "casevault/export.h"
#include "casevault/staff.h"
#include "core/actor.h"
#include "core/audit.h"
#include "core/authz.h"
#include "core/lock.h"
#include "ops/record.h"
#include "store/db_exports.h"
#include "store/db_holds.h"

struct exporting {
	const char *record_id, *purpose, *dest;
	cv_section sec;
	long id;
};

static int export_tx(cv_vault *v, void *arg)
{
	struct exporting *p = arg;
	char now[32], ids[64];
	int r;

	cv_now_iso(now);
	if ((r = cv_db_export_insert(v, p->record_id, p->sec, p->purpose, p->dest, now, &p->id)) < 0)
		return r;
	snprintf(ids, sizeof(ids), "export-%ld %s", p->id, p->record_id);
	return cv_audit(v, "record.export", 0, ids);
}

int cv_export_record(cv_vault *v, const char *record_id, const char *purpose, const char *dest, long *id)
{
	struct exporting p = { record_id, purpose, dest, CV_SECTION_CASE, 0 };
	char case_id[24];
	int r;

	if (!purpose || !*purpose)
		return cv_error(v, CV_EINVAL, "writing a record out of the vault needs its purpose (--purpose TEXT)");
	if (strlen(purpose) > 500 || strpbrk(purpose, "\r\n\t"))
		return cv_error(v, CV_EINVAL, "the purpose is longer than 500 bytes or holds control characters; keep it to one line");
	if ((r = cv_db_hold_target(v, record_id, case_id, &p.sec)) < 0)
		return r;
	if (r == 0)
		return cv_error(v, CV_ENOTFOUND, "no record %s in this vault", record_id);
	if ((r = cv_authorize(v, p.sec == CV_SECTION_CP ? CV_ACT_READ_CP : CV_ACT_READ_CASE, record_id)) < 0 ||
	    (r = cv_require_key(v, p.sec)) < 0)
		return r;
	if ((r = cv_record_check_restriction(v, record_id, 1)) < 0)
		return cv_audit_keep(v, "record.export", r, record_id);
	if ((r = cv_vault_write_tx(v, export_tx, &p)) < 0)
		return r;
	/* the read that follows may open a restricted record: its purpose is on the trail */
	snprintf(v->exported, sizeof(v->exported), "%s", record_id);
	if (id)
		*id = p.id;
	return 0;
}

int cv_export_purpose(cv_vault *v, long id, char **purpose)
{
	cv_section sec;
	int r;

	*purpose = NULL;
	if ((r = cv_authorize(v, CV_ACT_AUDIT, NULL)) < 0 || (r = cv_db_export_section(v, id, &sec)) < 0)
		return r;
	if (r == 0)
		return cv_error(v, CV_ENOTFOUND, "no export %ld in this vault", id);
	if (!cv_role_allows(v->role, sec == CV_SECTION_CP ? CV_ACT_READ_CP : CV_ACT_READ_CASE))
		return 0;
	if ((r = cv_require_key(v, sec)) < 0)
		return r;
	return cv_db_export_purpose(v, id, sec, purpose);
}
