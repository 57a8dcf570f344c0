CREATE TABLE `idempotency_keys` (
	`principal` varchar(64) NOT NULL,
	`key_hash` char(64) NOT NULL,
	`fingerprint` char(64) NOT NULL,
	`state` varchar(8) NOT NULL,
	`status` smallint unsigned,
	`headers` json,
	`body` mediumtext,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`expires_at` datetime(3) NOT NULL,
	CONSTRAINT `idempotency_keys_pk` PRIMARY KEY(`principal`,`key_hash`)
);
--> statement-breakpoint
CREATE INDEX `idempotency_keys_expires_idx` ON `idempotency_keys` (`expires_at`);