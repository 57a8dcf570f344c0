ALTER TABLE `tickets` ADD `satisfaction_rating` enum('good','bad');--> statement-breakpoint
ALTER TABLE `tickets` ADD `satisfaction_comment` text;--> statement-breakpoint
ALTER TABLE `tickets` ADD `satisfaction_rated_at` datetime(3);--> statement-breakpoint
CREATE INDEX `tickets_satisfaction_idx` ON `tickets` (`satisfaction_rated_at`,`satisfaction_rating`);