-- Full-text search for GET /tickets?q= (drizzle-kit has no FULLTEXT index type, so this one is custom SQL).
-- InnoDB FULLTEXT works the same on MySQL 8.0+ and MariaDB 10.11+.
CREATE FULLTEXT INDEX `tickets_subject_ft` ON `tickets` (`subject`);--> statement-breakpoint
CREATE FULLTEXT INDEX `messages_body_ft` ON `messages` (`body`);
