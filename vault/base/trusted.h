/*
 * casevault - a program or module trusted by identity, not by name
 * (docs/security.md, The encryption helper program): the encryption helper
 * and the document formats module are opened through this.
 */
#ifndef CV_BASE_TRUSTED_H
#define CV_BASE_TRUSTED_H

#include <stddef.h>

/*
 * Open the absolute path one component at a time from "/" without
 * following a symbolic link (O_PATH|O_NOFOLLOW), each directory and the
 * file checked through its descriptor (fstat): owned by root or this user,
 * and written by nobody else (a sticky directory excepted).  The O_PATH
 * descriptor of the checked regular file, to run or load through it, or -1
 * with why ("PATH: REASON") and *missing set when it, or a directory above
 * it, does not exist.
 */
int cv_trusted_open(const char *path, int *missing, char *why, size_t whylen);

#endif
