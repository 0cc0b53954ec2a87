/*
 * casevault - UTF-8 text for the library: the checks and the fail-closed
 * JSON helpers of the public casevault/text.h, with jansson's types.
 */
#ifndef CV_BASE_UTF8_H
#define CV_BASE_UTF8_H

#include <jansson.h>
#include "casevault/text.h"

#endif
