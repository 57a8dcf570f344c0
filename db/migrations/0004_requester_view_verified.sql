ALTER TABLE `ticket_events` ADD `public_seq` int unsigned;--> statement-breakpoint
ALTER TABLE `tickets` ADD `public_version` int unsigned DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `tickets` ADD `public_updated_at` datetime(3) DEFAULT CURRENT_TIMESTAMP(3) NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `email_verified` boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE `ticket_events` ADD CONSTRAINT `ticket_events_public_seq_unique` UNIQUE(`ticket_id`,`public_seq`);--> statement-breakpoint
CREATE INDEX `tickets_requester_public_updated_idx` ON `tickets` (`requester_id`,`public_updated_at`,`id`);