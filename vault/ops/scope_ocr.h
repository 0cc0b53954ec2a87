/*
 * casevault - a request's scans whose OCR text names someone recorded on
 * the case (docs/ocr.md, "Redaction"; docs/legal-rules.md §9).
 */
#ifndef CV_OPS_SCOPE_OCR_H
#define CV_OPS_SCOPE_OCR_H

#include "ops/disclose.h"
#include "rules/redpolicy.h"

/*
 * Every main-section scan in s[0..n) still at its default decision whose
 * OCR text (sealed in its archive at filing) holds a name, phone number or
 * e-mail address of a third party or volunteer recorded on the case: its
 * decision becomes "needs a decision", with why.  casevault reads the
 * name but cannot take it out of the pixels, so a person decides.  Each
 * archive is decrypted once; nothing is done on a case that names nobody.
 */
int cv_scope_ocr_named(cv_vault *v, const cv_rpolicy *pol, const cv_req_row *req, cv_sitem *s, size_t n);

#endif
