/*
 * casevault - the command table: every command the program and casevaultd's
 * workers run.  The thin client (cli/thin.c) carries a copy of its names,
 * options and arguments without the commands themselves, generated from
 * this one by cli/cmdtable_gen.c at build time, so the two cannot drift
 * (docs/service.md, Speed).
 */
#include "cli.h"

const cli_cmd *const cli_commands[] = {
	&cmd_init_spec,
	&cmd_case_open_spec, &cmd_case_list_spec, &cmd_case_show_spec, &cmd_case_close_spec,
	&cmd_file_spec, &cmd_note_spec, &cmd_import_spec,
	&cmd_ls_spec, &cmd_get_spec, &cmd_search_spec, &cmd_verify_spec, &cmd_backup_spec, &cmd_restore_spec, &cmd_doctor_spec,
	&cmd_policy_check_spec, &cmd_policy_adopt_spec, &cmd_classes_spec, &cmd_lock_spec,
	&cmd_staff_add_spec, &cmd_staff_list_spec, &cmd_staff_attest_spec, &cmd_staff_revoke_spec,
	&cmd_staff_passphrase_spec,
	&cmd_audit_show_spec, &cmd_audit_verify_spec,
	&cmd_case_reopen_spec, &cmd_case_set_dob_spec,
	&cmd_hold_add_spec, &cmd_hold_release_spec, &cmd_hold_list_spec,
	&cmd_retention_due_spec, &cmd_retention_recompute_spec,
	&cmd_review_approve_spec, &cmd_review_defer_spec, &cmd_review_spec,  /* two-word forms first */
	&cmd_purge_spec, &cmd_certificates_list_spec, &cmd_certificates_show_spec, &cmd_purge_key_init_spec,
	&cmd_case_person_add_spec, &cmd_case_person_list_spec, &cmd_case_link_spec,
	&cmd_request_open_spec, &cmd_request_list_spec, &cmd_request_show_spec, &cmd_request_decide_spec,
	&cmd_request_attach_spec, &cmd_request_extend_spec, &cmd_request_bundle_spec, &cmd_request_log_spec,
	&cmd_request_close_spec,
	&cmd_request_pause_spec, &cmd_request_resume_spec, &cmd_request_verify_id_spec,
	&cmd_record_move_spec, &cmd_record_set_spec, &cmd_record_erase_spec, &cmd_request_lift_spec,
	&cmd_refer_list_spec, &cmd_refer_spec,  /* two-word forms first */
	&cmd_enquiry_add_spec, &cmd_enquiry_list_spec,
	&cmd_case_notice_spec, &cmd_case_contact_spec,
	&cmd_case_assign_spec, &cmd_case_unassign_spec,
	&cmd_consent_add_spec, &cmd_consent_list_spec, &cmd_consent_due_spec, &cmd_consent_withdraw_spec,
	&cmd_share_spec,
	&cmd_intake_add_spec, &cmd_intake_list_spec, &cmd_intake_show_spec, &cmd_intake_assign_spec,
	&cmd_intake_reject_spec,
	NULL
};
