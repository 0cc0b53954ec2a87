/*
 * casevaultd - rights requests beside subject access and corrections of
 * records in the browser (docs/web.md, Rights and sharing).
 */
#include <string.h>

#include "casevault/casevault.h"
#include "web.h"

int web_rights_fix_route(const web_req *rq, cv_vault *v, web_head *h, web_buf *b)
{
	(void)rq, (void)v, (void)h, (void)b;
	return 0;
}
