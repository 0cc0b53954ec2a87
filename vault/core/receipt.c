/* casevault - the signed receipt's body (receipt.h), one for filing and the purge. */
#include <jansson.h>

#include "base/utf8.h"
#include "core/audit.h"
#include "core/receipt.h"

/* The signature also anchors the audit trail as it stands: events cannot be cut back past it. */
static void add_audit_anchor(cv_vault *v, json_t *root, int *failed)
{
	long seq;
	char hash[65];

	if (cv_audit_head(v, &seq, hash) == 0 && seq > 0) {
		cv_json_set(failed, root, "audit_seq", json_integer(seq));
		cv_json_set(failed, root, "audit_hash", json_string(hash));
	}
}

char *cv_receipt_json(cv_vault *v, const char *purpose, const cv_receipt_archive *a, size_t n,
		      const char *now)
{
	json_t *root = json_object(), *arr = json_array();
	char *s = NULL;
	size_t i;
	int failed = 0;

	if (!root || !arr)
		goto out;
	cv_json_set(&failed, root, "format", json_string("casevault-receipt/1"));
	cv_json_set(&failed, root, "staff", json_string(v->actor));
	cv_json_set(&failed, root, "fpr", json_string(v->actor_fpr));
	cv_json_set(&failed, root, "created", json_string(now));
	if (purpose)
		cv_json_set(&failed, root, "purpose", json_string(purpose));
	add_audit_anchor(v, root, &failed);
	for (i = 0; i < n; i++)
		cv_json_push(&failed, arr, json_pack("{s:s, s:s, s:I}", "file", a[i].file, "sha256", a[i].sha256,
						     "size", (json_int_t)a[i].size));
	cv_json_set(&failed, root, "archives", arr);
	arr = NULL;
	/* a receipt that left out an archive would sign for less than was filed: none (NULL) instead */
	s = failed ? NULL : json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
out:
	json_decref(arr);
	json_decref(root);
	return s;
}
