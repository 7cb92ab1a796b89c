CREATE TABLE `write_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`source_id` text NOT NULL,
	`workspace` text NOT NULL,
	`name` text NOT NULL,
	`key_hash` text NOT NULL,
	`key_prefix` text NOT NULL,
	`created_at` integer NOT NULL,
	`revoked_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `write_keys_hash_uq` ON `write_keys` (`key_hash`);--> statement-breakpoint
CREATE INDEX `write_keys_source_idx` ON `write_keys` (`source_id`);