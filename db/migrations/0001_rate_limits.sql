CREATE TABLE `rate_limits` (
	`bucket` char(64) NOT NULL,
	`window_start` datetime(3) NOT NULL,
	`hits` int unsigned NOT NULL DEFAULT 0,
	CONSTRAINT `rate_limits_pk` PRIMARY KEY(`bucket`,`window_start`)
);
--> statement-breakpoint
CREATE INDEX `rate_limits_window_idx` ON `rate_limits` (`window_start`);