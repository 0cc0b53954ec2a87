/*
 * casevault - the type of a document from its content (libmagic, two stages).
 */
#ifndef CV_BASE_TYPECHECK_H
#define CV_BASE_TYPECHECK_H

#include <stddef.h>




typedef struct cv_typer cv_typer;
int cv_typer_new(cv_typer **out, char *err, size_t errlen);
void cv_typer_free(cv_typer *t);
const char *cv_typer_mime(cv_typer *t, int fd);
const char *cv_typer_error(const cv_typer *t);

#endif
