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
ALTER TABLE `messages` MODIFY COLUMN `author_id` bigint unsigned;--> statement-breakpoint
ALTER TABLE `messages` ADD `author_api_key_id` bigint unsigned;--> statement-breakpoint
ALTER TABLE `ticket_events` ADD `actor_api_key_id` bigint unsigned;--> statement-breakpoint
ALTER TABLE `api_keys` ADD CONSTRAINT `api_keys_created_by_users_id_fk` FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `api_keys_created_by_idx` ON `api_keys` (`created_by`);--> statement-breakpoint
ALTER TABLE `messages` ADD CONSTRAINT `messages_author_api_key_id_api_keys_id_fk` FOREIGN KEY (`author_api_key_id`) REFERENCES `api_keys`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `ticket_events` ADD CONSTRAINT `ticket_events_actor_api_key_id_api_keys_id_fk` FOREIGN KEY (`actor_api_key_id`) REFERENCES `api_keys`(`id`) ON DELETE no action ON UPDATE no action;