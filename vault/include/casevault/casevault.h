/*
 * casevault - the whole public API in one include, for a front end that
 * uses all of it (the CLI includes only what each command needs).
 */
#ifndef CASEVAULT_H
#define CASEVAULT_H

#include "common.h"
#include "date.h"
#include "calendar.h"
#include "policy.h"
#include "vault.h"
#include "staff.h"
#include "audit.h"
#include "case.h"
#include "record.h"
#include "correction.h"
#include "retention.h"
#include "purge.h"
#include "request.h"
#include "people.h"
#include "assign.h"
#include "consent.h"
#include "share.h"
#include "redact.h"
#include "disclose.h"
#include "refer.h"
#include "enquiry.h"
#include "notice.h"
#include "export.h"
#include "preview.h"

#endif
