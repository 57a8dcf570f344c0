CREATE INDEX `tickets_status_assignee_priority_idx` ON `tickets` (`status`,`assignee_id`,`priority_rank`,`updated_at`,`id`);--> statement-breakpoint
CREATE INDEX `tickets_status_assignee_updated_idx` ON `tickets` (`status`,`assignee_id`,`updated_at`,`id`);--> statement-breakpoint
CREATE INDEX `tickets_requester_created_idx` ON `tickets` (`requester_id`,`created_at`,`id`);