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
CREATE TABLE `macros` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`name` varchar(100) NOT NULL,
	`actions` json NOT NULL,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `macros_id` PRIMARY KEY(`id`)
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
ALTER TABLE `tickets` ADD `merged_into_id` bigint unsigned;--> statement-breakpoint
ALTER TABLE `ticket_ccs` ADD CONSTRAINT `ticket_ccs_ticket_id_tickets_id_fk` FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `ticket_ccs` ADD CONSTRAINT `ticket_ccs_user_id_users_id_fk` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `ticket_followers` ADD CONSTRAINT `ticket_followers_ticket_id_tickets_id_fk` FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `ticket_followers` ADD CONSTRAINT `ticket_followers_user_id_users_id_fk` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `ticket_field_values` ADD CONSTRAINT `ticket_field_values_ticket_id_tickets_id_fk` FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `ticket_field_values` ADD CONSTRAINT `ticket_field_values_field_id_ticket_fields_id_fk` FOREIGN KEY (`field_id`) REFERENCES `ticket_fields`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `ticket_ccs_user_idx` ON `ticket_ccs` (`user_id`,`ticket_id`);--> statement-breakpoint
CREATE INDEX `ticket_followers_user_idx` ON `ticket_followers` (`user_id`,`ticket_id`);--> statement-breakpoint
CREATE INDEX `ticket_field_values_text_idx` ON `ticket_field_values` (`field_id`,`text_value`,`ticket_id`);--> statement-breakpoint
CREATE INDEX `ticket_field_values_number_idx` ON `ticket_field_values` (`field_id`,`number_value`,`ticket_id`);--> statement-breakpoint
CREATE INDEX `ticket_field_values_date_idx` ON `ticket_field_values` (`field_id`,`date_value`,`ticket_id`);--> statement-breakpoint
CREATE INDEX `ticket_field_values_bool_idx` ON `ticket_field_values` (`field_id`,`bool_value`,`ticket_id`);