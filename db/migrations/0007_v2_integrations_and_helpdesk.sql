CREATE TABLE `api_keys` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`name` varchar(100) NOT NULL,
	`prefix` varchar(16) NOT NULL,
	`key_hash` char(64) NOT NULL,
	`scopes` json NOT NULL,
	`created_by` bigint unsigned,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`expires_at` datetime(3),
	`revoked_at` datetime(3),
	`last_used_at` datetime(3),
	CONSTRAINT `api_keys_id` PRIMARY KEY(`id`),
	CONSTRAINT `api_keys_key_hash_unique` UNIQUE(`key_hash`)
);
--> statement-breakpoint
CREATE TABLE `attachments` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`ticket_id` bigint unsigned NOT NULL,
	`message_id` bigint unsigned,
	`uploader_id` bigint unsigned,
	`uploader_api_key_id` bigint unsigned,
	`storage_key` char(32) NOT NULL,
	`filename` varchar(255) NOT NULL,
	`content_type` varchar(100) NOT NULL,
	`size` bigint unsigned NOT NULL,
	`sha256` char(64) NOT NULL,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `attachments_id` PRIMARY KEY(`id`),
	CONSTRAINT `attachments_storage_key_uq` UNIQUE(`storage_key`)
);
--> statement-breakpoint
CREATE TABLE `ticket_ccs` (
	`ticket_id` bigint unsigned NOT NULL,
	`user_id` bigint unsigned NOT NULL,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `ticket_ccs_pk` PRIMARY KEY(`ticket_id`,`user_id`)
);
--> statement-breakpoint
CREATE TABLE `ticket_followers` (
	`ticket_id` bigint unsigned NOT NULL,
	`user_id` bigint unsigned NOT NULL,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `ticket_followers_pk` PRIMARY KEY(`ticket_id`,`user_id`)
);
--> statement-breakpoint
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
CREATE TABLE `inbound_emails` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`message_id` varchar(255) NOT NULL,
	`dedupe_key` char(64),
	`from_address` varchar(320) NOT NULL,
	`to_address` varchar(320) NOT NULL,
	`subject` varchar(255) NOT NULL,
	`outcome` enum('created_ticket','replied','follow_up','duplicate','auto_reply','rejected') NOT NULL,
	`ticket_id` bigint unsigned,
	`detail` text,
	`attachments` json,
	`source` varchar(16) NOT NULL,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `inbound_emails_id` PRIMARY KEY(`id`),
	CONSTRAINT `inbound_emails_dedupe_uq` UNIQUE(`dedupe_key`)
);
--> statement-breakpoint
CREATE TABLE `macros` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`name` varchar(100) NOT NULL,
	`actions` json NOT NULL,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `macros_id` PRIMARY KEY(`id`)
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
CREATE TABLE `ticket_field_values` (
	`ticket_id` bigint unsigned NOT NULL,
	`field_id` bigint unsigned NOT NULL,
	`text_value` varchar(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
	`number_value` double,
	`date_value` date,
	`bool_value` boolean,
	CONSTRAINT `ticket_field_values_pk` PRIMARY KEY(`ticket_id`,`field_id`)
);
--> statement-breakpoint
CREATE TABLE `ticket_fields` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`field_key` varchar(50) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	`label` varchar(100) NOT NULL,
	`type` enum('text','number','date','checkbox','dropdown') NOT NULL,
	`options` json,
	`required` boolean NOT NULL DEFAULT false,
	`visible_to_requester` boolean NOT NULL DEFAULT false,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `ticket_fields_id` PRIMARY KEY(`id`),
	CONSTRAINT `ticket_fields_key_unique` UNIQUE(`field_key`)
);
--> statement-breakpoint
CREATE TABLE `webhook_deliveries` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`webhook_id` bigint unsigned NOT NULL,
	`event_id` bigint unsigned,
	`type` varchar(64) NOT NULL,
	`payload` json NOT NULL,
	`status` enum('queued','succeeded','failed') NOT NULL DEFAULT 'queued',
	`attempts` int unsigned NOT NULL DEFAULT 0,
	`response_status` smallint unsigned,
	`last_error` text,
	`next_attempt_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`claim_token` varchar(64),
	`queued_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`delivered_at` datetime(3),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `webhook_deliveries_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `webhooks` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`url` varchar(2000) NOT NULL,
	`events` json NOT NULL,
	`description` varchar(500),
	`active` boolean NOT NULL DEFAULT true,
	`secret_encrypted` varchar(255) NOT NULL,
	`created_by` bigint unsigned,
	`consecutive_failures` int unsigned NOT NULL DEFAULT 0,
	`failing_since` datetime(3),
	`disabled_at` datetime(3),
	`disabled_reason` varchar(200),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `webhooks_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
ALTER TABLE `messages` MODIFY COLUMN `author_id` bigint unsigned;--> statement-breakpoint
ALTER TABLE `users` MODIFY COLUMN `password_hash` varchar(100);--> statement-breakpoint
ALTER TABLE `messages` ADD `author_api_key_id` bigint unsigned;--> statement-breakpoint
ALTER TABLE `ticket_events` ADD `actor_api_key_id` bigint unsigned;--> statement-breakpoint
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
ALTER TABLE `tickets` ADD `merged_into_id` bigint unsigned;--> statement-breakpoint
ALTER TABLE `api_keys` ADD CONSTRAINT `api_keys_created_by_users_id_fk` FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `attachments` ADD CONSTRAINT `attachments_ticket_id_tickets_id_fk` FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `attachments` ADD CONSTRAINT `attachments_message_id_messages_id_fk` FOREIGN KEY (`message_id`) REFERENCES `messages`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `attachments` ADD CONSTRAINT `attachments_uploader_id_users_id_fk` FOREIGN KEY (`uploader_id`) REFERENCES `users`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `attachments` ADD CONSTRAINT `attachments_uploader_api_key_id_api_keys_id_fk` FOREIGN KEY (`uploader_api_key_id`) REFERENCES `api_keys`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `ticket_ccs` ADD CONSTRAINT `ticket_ccs_ticket_id_tickets_id_fk` FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `ticket_ccs` ADD CONSTRAINT `ticket_ccs_user_id_users_id_fk` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `ticket_followers` ADD CONSTRAINT `ticket_followers_ticket_id_tickets_id_fk` FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `ticket_followers` ADD CONSTRAINT `ticket_followers_user_id_users_id_fk` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `group_members` ADD CONSTRAINT `group_members_group_id_support_groups_id_fk` FOREIGN KEY (`group_id`) REFERENCES `support_groups`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `group_members` ADD CONSTRAINT `group_members_user_id_users_id_fk` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `inbound_emails` ADD CONSTRAINT `inbound_emails_ticket_id_tickets_id_fk` FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `ticket_field_values` ADD CONSTRAINT `ticket_field_values_ticket_id_tickets_id_fk` FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `ticket_field_values` ADD CONSTRAINT `ticket_field_values_field_id_ticket_fields_id_fk` FOREIGN KEY (`field_id`) REFERENCES `ticket_fields`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `webhook_deliveries` ADD CONSTRAINT `webhook_deliveries_webhook_id_webhooks_id_fk` FOREIGN KEY (`webhook_id`) REFERENCES `webhooks`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `webhooks` ADD CONSTRAINT `webhooks_created_by_users_id_fk` FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `api_keys_created_by_idx` ON `api_keys` (`created_by`);--> statement-breakpoint
CREATE INDEX `attachments_ticket_uploader_idx` ON `attachments` (`ticket_id`,`uploader_id`);--> statement-breakpoint
CREATE INDEX `attachments_message_created_idx` ON `attachments` (`message_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `ticket_ccs_user_idx` ON `ticket_ccs` (`user_id`,`ticket_id`);--> statement-breakpoint
CREATE INDEX `ticket_followers_user_idx` ON `ticket_followers` (`user_id`,`ticket_id`);--> statement-breakpoint
CREATE INDEX `group_members_user_idx` ON `group_members` (`user_id`);--> statement-breakpoint
CREATE INDEX `inbound_emails_ticket_idx` ON `inbound_emails` (`ticket_id`);--> statement-breakpoint
CREATE INDEX `sla_policies_position_idx` ON `sla_policies` (`position`,`id`);--> statement-breakpoint
CREATE INDEX `ticket_field_values_text_idx` ON `ticket_field_values` (`field_id`,`text_value`,`ticket_id`);--> statement-breakpoint
CREATE INDEX `ticket_field_values_number_idx` ON `ticket_field_values` (`field_id`,`number_value`,`ticket_id`);--> statement-breakpoint
CREATE INDEX `ticket_field_values_date_idx` ON `ticket_field_values` (`field_id`,`date_value`,`ticket_id`);--> statement-breakpoint
CREATE INDEX `ticket_field_values_bool_idx` ON `ticket_field_values` (`field_id`,`bool_value`,`ticket_id`);--> statement-breakpoint
CREATE INDEX `webhook_deliveries_queue_idx` ON `webhook_deliveries` (`status`,`webhook_id`,`id`);--> statement-breakpoint
CREATE INDEX `webhook_deliveries_due_idx` ON `webhook_deliveries` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `webhook_deliveries_webhook_idx` ON `webhook_deliveries` (`webhook_id`,`id`);--> statement-breakpoint
CREATE INDEX `webhooks_active_idx` ON `webhooks` (`active`,`id`);--> statement-breakpoint
ALTER TABLE `messages` ADD CONSTRAINT `messages_author_api_key_id_api_keys_id_fk` FOREIGN KEY (`author_api_key_id`) REFERENCES `api_keys`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `ticket_events` ADD CONSTRAINT `ticket_events_actor_api_key_id_api_keys_id_fk` FOREIGN KEY (`actor_api_key_id`) REFERENCES `api_keys`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `tickets` ADD CONSTRAINT `tickets_group_id_support_groups_id_fk` FOREIGN KEY (`group_id`) REFERENCES `support_groups`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `tickets_group_updated_idx` ON `tickets` (`group_id`,`updated_at`,`id`);--> statement-breakpoint
CREATE INDEX `tickets_sla_due_idx` ON `tickets` (`sla_due_at`,`id`);--> statement-breakpoint
CREATE INDEX `tickets_sla_at_risk_idx` ON `tickets` (`sla_at_risk_at`);--> statement-breakpoint
CREATE INDEX `tickets_sla_alert_idx` ON `tickets` (`sla_next_alert_at`);