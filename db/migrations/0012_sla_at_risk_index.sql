DROP INDEX `tickets_sla_at_risk_idx` ON `tickets`;--> statement-breakpoint
CREATE INDEX `tickets_sla_at_risk_idx` ON `tickets` (`sla_at_risk_at`,`sla_due_at`);