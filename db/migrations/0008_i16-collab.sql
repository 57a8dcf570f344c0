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
ALTER TABLE `tickets` ADD `merged_into_id` bigint unsigned;--> statement-breakpoint
ALTER TABLE `ticket_ccs` ADD CONSTRAINT `ticket_ccs_ticket_id_tickets_id_fk` FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `ticket_ccs` ADD CONSTRAINT `ticket_ccs_user_id_users_id_fk` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `ticket_followers` ADD CONSTRAINT `ticket_followers_ticket_id_tickets_id_fk` FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `ticket_followers` ADD CONSTRAINT `ticket_followers_user_id_users_id_fk` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `ticket_ccs_user_idx` ON `ticket_ccs` (`user_id`,`ticket_id`);--> statement-breakpoint
CREATE INDEX `ticket_followers_user_idx` ON `ticket_followers` (`user_id`,`ticket_id`);