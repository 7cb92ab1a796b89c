CREATE TABLE `replay_jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`filter` text NOT NULL,
	`status` text NOT NULL,
	`total` integer NOT NULL,
	`replayed` integer DEFAULT 0 NOT NULL,
	`until` integer NOT NULL,
	`cursor_at` integer,
	`cursor_id` text,
	`lease_until` integer,
	`error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
CREATE INDEX `replay_jobs_status_idx` ON `replay_jobs` (`status`,`created_at`);--> statement-breakpoint
DROP INDEX `deliveries_received_idx`;--> statement-breakpoint
ALTER TABLE `deliveries` ADD `headers` text;--> statement-breakpoint
ALTER TABLE `deliveries` ADD `body` text;--> statement-breakpoint
ALTER TABLE `deliveries` ADD `body_bytes` integer;--> statement-breakpoint
CREATE INDEX `deliveries_status_idx` ON `deliveries` (`status`,`received_at`,`reason`);--> statement-breakpoint
CREATE INDEX `deliveries_idempotency_idx` ON `deliveries` (`idempotency_key`,`received_at`);--> statement-breakpoint
CREATE INDEX `deliveries_received_idx` ON `deliveries` (`received_at`,`status`);--> statement-breakpoint
CREATE INDEX `events_delivery_idx` ON `events` (`delivery_id`);