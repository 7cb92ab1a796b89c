CREATE TABLE `deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`source_id` text NOT NULL,
	`status` text NOT NULL,
	`reason` text,
	`idempotency_key` text,
	`received_at` integer NOT NULL,
	`processed_at` integer
);
--> statement-breakpoint
CREATE INDEX `deliveries_source_idx` ON `deliveries` (`source_id`,`received_at`);--> statement-breakpoint
CREATE INDEX `deliveries_source_status_idx` ON `deliveries` (`source_id`,`status`,`received_at`);--> statement-breakpoint
CREATE INDEX `deliveries_received_idx` ON `deliveries` (`received_at`);--> statement-breakpoint
ALTER TABLE `dead_letters` ADD `detail` text;--> statement-breakpoint
CREATE UNIQUE INDEX `dead_letters_delivery_uq` ON `dead_letters` (`delivery_id`);--> statement-breakpoint
CREATE INDEX `dead_letters_created_idx` ON `dead_letters` (`created_at`);