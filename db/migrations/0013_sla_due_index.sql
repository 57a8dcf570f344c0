DROP INDEX `tickets_sla_at_risk_idx` ON `tickets`;--> statement-breakpoint
DROP INDEX `tickets_sla_due_idx` ON `tickets`;--> statement-breakpoint
CREATE INDEX `tickets_sla_due_idx` ON `tickets` (`sla_due_at`,`id`,`sla_at_risk_at`);