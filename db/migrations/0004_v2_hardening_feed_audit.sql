CREATE TABLE `admin_audit_log` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`action` varchar(64) NOT NULL,
	`actor_type` enum('user','system','api_key') NOT NULL,
	`actor_id` bigint unsigned,
	`actor_label` varchar(200),
	`target_type` varchar(40) NOT NULL,
	`target_id` varchar(64) NOT NULL,
	`changes` json,
	`ip` varchar(64),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `admin_audit_log_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `feed_sequence` (
	`id` int unsigned NOT NULL,
	`last_seq` bigint unsigned NOT NULL DEFAULT 0,
	CONSTRAINT `feed_sequence_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
ALTER TABLE `ticket_tags` MODIFY COLUMN `tag` varchar(50) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL;--> statement-breakpoint
ALTER TABLE `users` MODIFY COLUMN `email` varchar(320) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL;--> statement-breakpoint
ALTER TABLE `ticket_events` ADD `actor_job` varchar(40);--> statement-breakpoint
ALTER TABLE `ticket_events` ADD `public_seq` int unsigned;--> statement-breakpoint
ALTER TABLE `ticket_events` ADD `seq` bigint unsigned;--> statement-breakpoint
ALTER TABLE `tickets` ADD `public_version` int unsigned DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `tickets` ADD `public_updated_at` datetime(3) DEFAULT CURRENT_TIMESTAMP(3) NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `email_verified` boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE `ticket_events` ADD CONSTRAINT `ticket_events_public_seq_unique` UNIQUE(`ticket_id`,`public_seq`);--> statement-breakpoint
ALTER TABLE `ticket_events` ADD CONSTRAINT `ticket_events_seq_uq` UNIQUE(`seq`);--> statement-breakpoint
CREATE INDEX `admin_audit_log_time_idx` ON `admin_audit_log` (`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `admin_audit_log_actor_idx` ON `admin_audit_log` (`actor_type`,`actor_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `admin_audit_log_target_idx` ON `admin_audit_log` (`target_type`,`target_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `ticket_events_ticket_seq_idx` ON `ticket_events` (`ticket_id`,`seq`);--> statement-breakpoint
CREATE INDEX `ticket_events_type_seq_idx` ON `ticket_events` (`type`,`seq`);--> statement-breakpoint
CREATE INDEX `tickets_requester_public_updated_idx` ON `tickets` (`requester_id`,`public_updated_at`,`id`);