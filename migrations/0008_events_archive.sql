CREATE TABLE `archive_objects` (
	`key` text PRIMARY KEY NOT NULL,
	`workspace` text NOT NULL,
	`hour` integer NOT NULL,
	`events` integer NOT NULL,
	`bytes` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `archive_objects_workspace_idx` ON `archive_objects` (`workspace`,`key`);--> statement-breakpoint
CREATE TABLE `archive_profiles` (
	`workspace` text NOT NULL,
	`profile_id` text NOT NULL,
	`object_key` text NOT NULL,
	PRIMARY KEY(`profile_id`, `object_key`)
);
--> statement-breakpoint
CREATE INDEX `archive_profiles_object_idx` ON `archive_profiles` (`object_key`);--> statement-breakpoint
ALTER TABLE `events` ADD `archived_at` integer;--> statement-breakpoint
ALTER TABLE `events` ADD `aged_out_at` integer;--> statement-breakpoint
CREATE INDEX `events_unarchived_idx` ON `events` (`workspace`,`received_at`) WHERE archived_at IS NULL;--> statement-breakpoint
CREATE INDEX `events_retention_idx` ON `events` (`workspace`,`received_at`) WHERE aged_out_at IS NULL;