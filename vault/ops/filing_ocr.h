/*
 * casevault - filing, OCR of scans (docs/ocr.md): the words of each scan,
 * read by the document formats module, sealed in the scan's own archive as
 * one more member beside the document.  Private to the filing.
 */
#ifndef CV_OPS_FILING_OCR_H
#define CV_OPS_FILING_OCR_H

#include <stddef.h>
#include <jansson.h>

#include "ops/filing_docs.h"

/* The member holding a record's OCR text: its document's member name and this. */
#define CV_OCR_SUFFIX ".ocr.txt"

/* 1 when archive member name is the OCR text of member: member followed by CV_OCR_SUFFIX. */
int cv_ocr_member_of(const char *name, const char *member);

/* What OCR gave for one member of a group. */
struct cv_filing_ocr {
	int fd;                 /* memfd with the text, or -1 */
	int tried;              /* its type may be a scan */
	char why[200];          /* why OCR could not run, or "" */
	char sha[65];           /* SHA-256 of the bytes OCR read */
};

/*
 * The group's members (g->m, named) followed by one OCR member for each
 * scan in which OCR found words: *all, *nall.  OCR that cannot run (no
 * English data) leaves the scan without one, its reason kept for the
 * manifest: the filing goes on (docs/ocr.md, "When OCR cannot run").
 */
int cv_filing_ocr_members(cv_filing_group *g, cv_member_in **all, size_t *nall);
/* The manifest's word on member i's OCR (all: the members written, with their hashes). */
void cv_filing_ocr_manifest(const cv_filing_group *g, size_t i, const cv_member_in *all, size_t nall,
			    json_t *rec, int *failed);
/* Close the OCR members' memory files and free what cv_filing_ocr_members made. */
void cv_filing_ocr_end(cv_filing_group *g, cv_member_in *all);

/*
 * The OCR text found in member j of the group, while its archive is being
 * written (between cv_filing_ocr_members and cv_filing_ocr_end): malloc'd,
 * for the record's search word set; NULL when it has none.
 */
char *cv_filing_ocr_text(const cv_filing_group *g, size_t j);

/*
 * After the archive is written: 1 when every document OCR read is the one
 * filed (the same SHA-256), 0 when one changed under the filing, whose OCR
 * text would then not be the filed document's.
 */
int cv_filing_ocr_same(const cv_filing_group *g);

#endif
