/*
 * casevault - the roles and what each may do: a table, no vault needed
 * (docs/security.md, Roles).
 */
#include <string.h>

#include "casevault/staff.h"
#include "rules/roles.h"

static const char *role_names[] = { "volunteer", "caseworker", "cp-lead", "manager", "auditor" };

int cv_role_parse(cv_role *out, const char *s)
{
	int i;

	for (i = 0; i < 5; i++)
		if (s && !strcmp(s, role_names[i])) {
			*out = (cv_role)i;
			return 0;
		}
	return CV_EINVAL;
}

const char *cv_role_name(cv_role r)
{
	return (unsigned)r < 5 ? role_names[r] : "unknown";
}

/* The role table (docs/security.md, Roles): one row per action, one column per role. */
static const unsigned char allows[CV_ACT_COUNT][5] = {
	/*                      vol cw  cpl mgr aud */
	[CV_ACT_FILE_NOTE]   = { 1,  1,  1,  1,  0 },
	[CV_ACT_FILE_CASE]   = { 0,  1,  1,  1,  0 },
	[CV_ACT_FILE_CP]     = { 0,  0,  1,  1,  0 },
	[CV_ACT_READ_CASE]   = { 0,  1,  1,  1,  0 },
	[CV_ACT_READ_CP]     = { 0,  0,  1,  1,  0 },
	[CV_ACT_LIST]        = { 1,  1,  1,  1,  1 },
	[CV_ACT_CASE_ADMIN]  = { 0,  1,  1,  1,  0 },
	[CV_ACT_VERIFY]      = { 0,  1,  1,  1,  0 },
	[CV_ACT_HOLD]        = { 0,  1,  1,  1,  0 },
	[CV_ACT_APPROVE]     = { 0,  0,  0,  1,  0 },
	[CV_ACT_STAFF_ADMIN] = { 0,  0,  0,  1,  0 },
	[CV_ACT_AUDIT]       = { 0,  0,  0,  1,  1 },
	[CV_ACT_REFER]       = { 0,  0,  1,  1,  0 },
};

static const char *act_words[CV_ACT_COUNT] = {
	[CV_ACT_FILE_NOTE] = "file notes",
	[CV_ACT_FILE_CASE] = "file documents in the case file",
	[CV_ACT_FILE_CP] = "use the child-protection file",
	[CV_ACT_READ_CASE] = "read case records",
	[CV_ACT_READ_CP] = "read the child-protection file",
	[CV_ACT_LIST] = "list cases",
	[CV_ACT_CASE_ADMIN] = "open or close cases",
	[CV_ACT_VERIFY] = "verify the vault",
	[CV_ACT_HOLD] = "place holds",
	[CV_ACT_APPROVE] = "approve destruction or release holds",
	[CV_ACT_STAFF_ADMIN] = "administer staff",
	[CV_ACT_AUDIT] = "read the audit trail",
	[CV_ACT_REFER] = "refer a case to another agency",
};

int cv_role_allows(cv_role role, cv_act act)
{
	if ((unsigned)role >= 5 || (unsigned)act >= CV_ACT_COUNT)
		return 0;
	return allows[act][role];
}

/* Sections whose master key a role's keyslip holds. */
int cv_role_sections(int role)
{
	switch ((cv_role)role) {
	case CV_ROLE_MANAGER:
	case CV_ROLE_CP_LEAD:
		return (1 << CV_SECTION_CASE) | (1 << CV_SECTION_CP);
	case CV_ROLE_CASEWORKER:
		return 1 << CV_SECTION_CASE;
	/* a volunteer files to the deposit key and reads nothing (docs/architecture.md, Keys: deposits) */
	default:
		return 0;
	}
}

/* What an action is, in the words of a refusal: "may not <words>". */
const char *cv_act_words(cv_act act)
{
	return (unsigned)act < CV_ACT_COUNT && act_words[act] ? act_words[act] : "do that";
}
