/*
 * casevault - anonymous enquiries (docs/legal-rules.md §12, the office
 * policy's right to contact the service anonymously): a log with no case
 * and no personal details.  The text is checked for what looks like a
 * phone number, an e-mail address, a postcode or a name recorded in the
 * vault, and kept a year from the enquiry's date.  docs/commands/enquiry-add.md.
 */
#ifndef CASEVAULT_ENQUIRY_H
#define CASEVAULT_ENQUIRY_H

#include <stddef.h>
#include "vault.h"

/* What the check found in an enquiry's text. */
typedef enum {
	CV_ENQ_CLEAN = 0,
	CV_ENQ_PHONE,     /* a UK telephone number: 0... with 10-11 digits, +44 or 0044 */
	CV_ENQ_EMAIL,
	CV_ENQ_POSTCODE,  /* a UK postcode, full ("L36 9YU") */
	CV_ENQ_NAME       /* a name of a parent, child or person recorded in the vault */
} cv_enquiry_kind;

const char *cv_enquiry_kind_words(cv_enquiry_kind k);  /* "a phone number" */

typedef struct {
	long id;
	char date[11];         /* the day of the enquiry */
	char retain_until[11]; /* a year after it (docs/legal-rules.md §12) */
	char by[24];
	char at[32];
	int confirmed;         /* logged with --confirm despite a warning */
	char *text;            /* sealed under the case key: NULL when not opened */
} cv_enquiry;

/*
 * Log an enquiry on date (NULL: today).  Unless confirm, text that looks
 * like personal details is refused: CV_EREFUSED, *found says what (may be
 * NULL).  *id gets its number.
 */
int cv_enquiry_add(cv_vault *v, const char *text, const char *date, int confirm, cv_enquiry_kind *found, long *id);
/* Every enquiry kept, newest first, the text opened. */
int cv_enquiry_list(cv_vault *v, cv_enquiry **out, size_t *n);
void cv_enquiry_list_free(cv_enquiry *list, size_t n);

#endif
