CREATE TABLE `dead_letters` (
	`id` text PRIMARY KEY NOT NULL,
	`source_id` text,
	`delivery_id` text,
	`reason` text NOT NULL,
	`attempts` integer NOT NULL,
	`message` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `dead_letters_source_idx` ON `dead_letters` (`source_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `events` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace` text NOT NULL,
	`source_id` text NOT NULL,
	`event_key` text NOT NULL,
	`delivery_id` text NOT NULL,
	`profile_id` text NOT NULL,
	`type` text NOT NULL,
	`occurred_at` integer NOT NULL,
	`received_at` integer NOT NULL,
	`identifiers` text NOT NULL,
	`traits` text NOT NULL,
	`properties` text NOT NULL,
	`warnings` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `events_key_uq` ON `events` (`workspace`,`source_id`,`event_key`);--> statement-breakpoint
CREATE INDEX `events_profile_idx` ON `events` (`profile_id`,`occurred_at`);--> statement-breakpoint
CREATE TABLE `identifiers` (
	`workspace` text NOT NULL,
	`type` text NOT NULL,
	`value` text NOT NULL,
	`profile_id` text NOT NULL,
	`raw_value` text NOT NULL,
	`source_id` text,
	`first_seen_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `identifiers_value_uq` ON `identifiers` (`workspace`,`type`,`value`);--> statement-breakpoint
CREATE INDEX `identifiers_profile_idx` ON `identifiers` (`profile_id`);--> statement-breakpoint
CREATE TABLE `merges` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace` text NOT NULL,
	`survivor_id` text NOT NULL,
	`merged_id` text NOT NULL,
	`identifier_type` text NOT NULL,
	`identifier_value` text NOT NULL,
	`event_id` text NOT NULL,
	`rule` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `merges_survivor_idx` ON `merges` (`survivor_id`);--> statement-breakpoint
CREATE INDEX `merges_merged_idx` ON `merges` (`merged_id`);--> statement-breakpoint
CREATE TABLE `profiles` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace` text NOT NULL,
	`merged_into` text,
	`merge_count` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `profiles_workspace_idx` ON `profiles` (`workspace`,`created_at`);--> statement-breakpoint
CREATE TABLE `traits` (
	`profile_id` text NOT NULL,
	`name` text NOT NULL,
	`value` text,
	`occurred_at` integer NOT NULL,
	`event_id` text NOT NULL,
	`source_id` text NOT NULL,
	PRIMARY KEY(`profile_id`, `name`)
);
--> statement-breakpoint
CREATE TABLE `sources` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace` text NOT NULL,
	`name` text NOT NULL,
	`type` text NOT NULL,
	`config` text NOT NULL,
	`sealed_secrets` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
