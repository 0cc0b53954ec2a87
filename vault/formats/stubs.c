#include <stddef.h>
#include "casevault/common.h"
#include "formats/fmt.h"
#define NI(e) cv_fmt_fail(e, errlen, CV_EREFUSED, "not implemented yet")
int cv_mail_text(const void *buf, size_t n, int depth, char **text, size_t *len, char *err, size_t errlen) { return NI(err); }
int cv_mail_clean(const void *buf, size_t n, void **out, size_t *outlen, char *err, size_t errlen) { return NI(err); }
int cv_mail_check(const void *buf, size_t n, char *err, size_t errlen) { return NI(err); }
int cv_image_clean(const void *buf, size_t n, void **out, size_t *outlen, char *err, size_t errlen) { return NI(err); }
int cv_image_check(const void *buf, size_t n, char *err, size_t errlen) { return NI(err); }
