/*
 * casevault - the purge's private declarations, for verify.
 */
#ifndef CV_OPS_PURGE_H
#define CV_OPS_PURGE_H

#include <stddef.h>
#include "base/handle.h"
#include "ops/certificates.h"   /* cv_verify_certificates */

#endif
