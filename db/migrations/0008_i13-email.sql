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
ALTER TABLE `inbound_emails` ADD CONSTRAINT `inbound_emails_ticket_id_tickets_id_fk` FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `inbound_emails_ticket_idx` ON `inbound_emails` (`ticket_id`);