CREATE TABLE `report_daily` (
	`day` date NOT NULL,
	`group_id` bigint unsigned NOT NULL DEFAULT 0,
	`assignee_id` bigint unsigned NOT NULL DEFAULT 0,
	`slot` tinyint unsigned NOT NULL DEFAULT 0,
	`created` int NOT NULL DEFAULT 0,
	`solved` int NOT NULL DEFAULT 0,
	`reopened` int NOT NULL DEFAULT 0,
	`delta_new` int NOT NULL DEFAULT 0,
	`delta_open` int NOT NULL DEFAULT 0,
	`delta_pending` int NOT NULL DEFAULT 0,
	`delta_on_hold` int NOT NULL DEFAULT 0,
	CONSTRAINT `report_daily_pk` PRIMARY KEY(`day`,`group_id`,`assignee_id`,`slot`)
);
--> statement-breakpoint
ALTER TABLE `tickets` ADD `first_response_secs` int unsigned;--> statement-breakpoint
ALTER TABLE `tickets` ADD `resolution_secs` int unsigned;--> statement-breakpoint
ALTER TABLE `tickets` ADD `reopen_count` int unsigned DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `tickets` ADD `sla_first_response_met` boolean;--> statement-breakpoint
ALTER TABLE `tickets` ADD `sla_resolution_met` boolean;--> statement-breakpoint
CREATE INDEX `ticket_events_created_seq_idx` ON `ticket_events` (`created_at`,`seq`);--> statement-breakpoint
CREATE INDEX `tickets_report_resolution_idx` ON `tickets` (`solved_at`,`resolution_secs`,`sla_resolution_met`,`group_id`,`assignee_id`);--> statement-breakpoint
CREATE INDEX `tickets_report_first_response_idx` ON `tickets` (`first_response_at`,`first_response_secs`,`sla_first_response_met`,`group_id`,`assignee_id`);