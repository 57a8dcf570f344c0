CREATE TABLE `group_members` (
	`group_id` bigint unsigned NOT NULL,
	`user_id` bigint unsigned NOT NULL,
	CONSTRAINT `group_members_pk` PRIMARY KEY(`group_id`,`user_id`)
);
--> statement-breakpoint
CREATE TABLE `support_groups` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`name` varchar(100) NOT NULL,
	`description` varchar(1000),
	`assignment` enum('manual','round_robin') NOT NULL DEFAULT 'manual',
	`last_assigned_user_id` bigint unsigned,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `support_groups_id` PRIMARY KEY(`id`),
	CONSTRAINT `support_groups_name_unique` UNIQUE(`name`)
);
--> statement-breakpoint
CREATE TABLE `business_calendars` (
	`id` int unsigned NOT NULL,
	`timezone` varchar(64) NOT NULL,
	`week` json NOT NULL,
	`holidays` json NOT NULL,
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `business_calendars_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `sla_policies` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`name` varchar(100) NOT NULL,
	`position` int unsigned NOT NULL,
	`match` json NOT NULL,
	`first_response_minutes` int unsigned,
	`next_response_minutes` int unsigned,
	`resolution_minutes` int unsigned,
	`business_hours` boolean NOT NULL DEFAULT false,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `sla_policies_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
ALTER TABLE `tickets` ADD `group_id` bigint unsigned;--> statement-breakpoint
ALTER TABLE `tickets` ADD `sla_next_response_started_at` datetime(3);--> statement-breakpoint
ALTER TABLE `tickets` ADD `sla_resolution_started_at` datetime(3);--> statement-breakpoint
ALTER TABLE `tickets` ADD `sla_resolution_business_secs` int unsigned DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `tickets` ADD `sla_resolution_calendar_secs` int unsigned DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `tickets` ADD `sla_policy_id` bigint unsigned;--> statement-breakpoint
ALTER TABLE `tickets` ADD `sla_first_response_due_at` datetime(3);--> statement-breakpoint
ALTER TABLE `tickets` ADD `sla_next_response_due_at` datetime(3);--> statement-breakpoint
ALTER TABLE `tickets` ADD `sla_resolution_due_at` datetime(3);--> statement-breakpoint
ALTER TABLE `tickets` ADD `sla_due_at` datetime(3) DEFAULT '9999-12-31 00:00:00.000' NOT NULL;--> statement-breakpoint
ALTER TABLE `tickets` ADD `sla_at_risk_at` datetime(3) DEFAULT '9999-12-31 00:00:00.000' NOT NULL;--> statement-breakpoint
ALTER TABLE `tickets` ADD `sla_next_alert_at` datetime(3) DEFAULT '9999-12-31 00:00:00.000' NOT NULL;--> statement-breakpoint
ALTER TABLE `tickets` ADD `sla_warned` int unsigned DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `tickets` ADD `sla_breached` int unsigned DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `group_members` ADD CONSTRAINT `group_members_group_id_support_groups_id_fk` FOREIGN KEY (`group_id`) REFERENCES `support_groups`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `group_members` ADD CONSTRAINT `group_members_user_id_users_id_fk` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `group_members_user_idx` ON `group_members` (`user_id`);--> statement-breakpoint
CREATE INDEX `sla_policies_position_idx` ON `sla_policies` (`position`,`id`);--> statement-breakpoint
ALTER TABLE `tickets` ADD CONSTRAINT `tickets_group_id_support_groups_id_fk` FOREIGN KEY (`group_id`) REFERENCES `support_groups`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `tickets_group_updated_idx` ON `tickets` (`group_id`,`updated_at`,`id`);--> statement-breakpoint
CREATE INDEX `tickets_sla_due_idx` ON `tickets` (`sla_due_at`,`id`);--> statement-breakpoint
CREATE INDEX `tickets_sla_at_risk_idx` ON `tickets` (`sla_at_risk_at`);--> statement-breakpoint
CREATE INDEX `tickets_sla_alert_idx` ON `tickets` (`sla_next_alert_at`);