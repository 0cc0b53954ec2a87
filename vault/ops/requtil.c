/* casevault - helpers of the request and disclosure operations (requtil.h). */
#include <stdlib.h>
#include <string.h>

#include "core/lock.h"
#include "ops/case.h"
#include "ops/requtil.h"
#include "rules/redpolicy.h"
#include "store/db_requests.h"
#include "store/index.h"
#include "casevault/request.h"

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

void cv_wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

int cv_req_client_side(cv_vault *v, const char *req_id, int rel)
{
	if (rel == CV_REL_CLIENT)
		return 1;
	/* a representative acts for the client only with the client's written authority on record */
	if (rel == CV_REL_REPRESENTATIVE)
		return cv_db_request_authority(v, req_id);
	return 0;
}

int cv_req_para21(cv_vault *v, const char *req_id, const char *case_id, int rel, const char *received)
{
	cv_case c;
	int r, parent;

	if ((r = cv_req_client_side(v, req_id, rel)) < 0)
		return r;
	parent = r || rel == CV_REL_OTHER_PARENT;
	if (!parent)
		return 0;
	if ((r = cv_case_fetch(v, &c, case_id, 1)) < 0)
		return r;
	r = cv_rpolicy_para21(parent, c.child_dob, received);
	cv_case_release(&c);
	return r;
}

const char *cv_req_third_party_why(int rel)
{
	switch (rel) {
	case CV_REL_OTHER_PARENT:
		return "the client is a third party to an other-parent request";
	case CV_REL_CHILD:
		return "the client is a third party to the child's own request";
	case CV_REL_REPRESENTATIVE:
		return "the client is a third party to a representative without the client's recorded authority";
	default:
		return NULL;
	}
}
