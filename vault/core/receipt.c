/* casevault - the signed receipt's body (receipt.h), one for filing and the purge. */
#include <jansson.h>

#include "core/audit.h"
#include "core/receipt.h"

/* The signature also anchors the audit trail as it stands: events cannot be cut back past it. */
static void add_audit_anchor(cv_vault *v, json_t *root)
{
	long seq;
	char hash[65];

	if (cv_audit_head(v, &seq, hash) == 0 && seq > 0) {
		json_object_set_new(root, "audit_seq", json_integer(seq));
		json_object_set_new(root, "audit_hash", json_string(hash));
	}
}

char *cv_receipt_json(cv_vault *v, const char *purpose, const cv_receipt_archive *a, size_t n,
		      const char *now)
{
	json_t *root = json_object(), *arr = json_array();
	char *s = NULL;
	size_t i;

	if (!root || !arr)
		goto out;
	json_object_set_new(root, "format", json_string("casevault-receipt/1"));
	json_object_set_new(root, "staff", json_string(v->actor));
	json_object_set_new(root, "fpr", json_string(v->actor_fpr));
	json_object_set_new(root, "created", json_string(now));
	if (purpose)
		json_object_set_new(root, "purpose", json_string(purpose));
	add_audit_anchor(v, root);
	for (i = 0; i < n; i++)
		json_array_append_new(arr, json_pack("{s:s, s:s, s:I}", "file", a[i].file, "sha256", a[i].sha256,
						     "size", (json_int_t)a[i].size));
	json_object_set_new(root, "archives", arr);
	arr = NULL;
	s = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
out:
	json_decref(arr);
	json_decref(root);
	return s;
}
