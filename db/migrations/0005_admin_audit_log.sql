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
CREATE INDEX `admin_audit_log_time_idx` ON `admin_audit_log` (`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `admin_audit_log_actor_idx` ON `admin_audit_log` (`actor_type`,`actor_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `admin_audit_log_target_idx` ON `admin_audit_log` (`target_type`,`target_id`,`created_at`,`id`);