CREATE TABLE `feed_sequence` (
	`id` int unsigned NOT NULL,
	`last_seq` bigint unsigned NOT NULL DEFAULT 0,
	CONSTRAINT `feed_sequence_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
ALTER TABLE `ticket_events` ADD `seq` bigint unsigned;--> statement-breakpoint
ALTER TABLE `ticket_events` ADD CONSTRAINT `ticket_events_seq_uq` UNIQUE(`seq`);--> statement-breakpoint
CREATE INDEX `ticket_events_ticket_seq_idx` ON `ticket_events` (`ticket_id`,`seq`);--> statement-breakpoint
CREATE INDEX `ticket_events_type_seq_idx` ON `ticket_events` (`type`,`seq`);