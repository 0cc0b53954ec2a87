/* casevault - helpers of the request and disclosure operations (requtil.h). */
#include <stdlib.h>
#include <string.h>

#include "core/lock.h"
#include "ops/requtil.h"
#include "store/index.h"

int cv_text_one_line(const char *s, size_t max)
{
	size_t i, n = s ? strlen(s) : 0, blank = 1;

	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
		if (s[i] != ' ')
			blank = 0;
	}
	return !blank;
}

int cv_text_pick(const char *const names[], int n, const char *s)
{
	int i;

	for (i = 0; s && i < n; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

int cv_req_write(cv_vault *v, int (*fn)(cv_vault *v, void *hook), void *hook)
{
	int r;

	if ((r = cv_vault_lock_writer(v, 1)) < 0)
		return r;
	if ((r = cv_index_begin(v)) < 0)
		goto out;
	if ((r = fn(v, hook)) < 0) {
		cv_index_rollback(v);
		goto out;
	}
	r = cv_index_commit(v);
out:
	cv_vault_unlock_writer(v);
	return r;
}

void cv_wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}
