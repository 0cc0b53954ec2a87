/* casevault - error and notice reporting on the vault handle (handle.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/handle.h"

int cv_error(cv_vault *v, int code, const char *fmt, ...)
{
	va_list ap;

	if (v) {
		/* format apart first: callers may pass the old message as an argument */
		char buf[sizeof(v->errmsg)];

		va_start(ap, fmt);
		vsnprintf(buf, sizeof(buf), fmt, ap);
		va_end(ap);
		memcpy(v->errmsg, buf, sizeof(buf));
	}
	return code;
}

void cv_notice(cv_vault *v, const char *fmt, ...)
{
	va_list ap;
	size_t len = strlen(v->notice);

	if (len && len < sizeof(v->notice) - 2) {
		v->notice[len++] = ';';
		v->notice[len++] = ' ';
		v->notice[len] = '\0';
	}
	va_start(ap, fmt);
	vsnprintf(v->notice + len, sizeof(v->notice) - len, fmt, ap);
	va_end(ap);
}
