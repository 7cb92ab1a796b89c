CREATE TABLE `erased_events` (
	`workspace` text NOT NULL,
	`source_id` text NOT NULL,
	`event_key` text NOT NULL,
	`erased_at` integer NOT NULL,
	PRIMARY KEY(`workspace`, `source_id`, `event_key`)
);
--> statement-breakpoint
CREATE TABLE `erasure_receipts` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace` text NOT NULL,
	`profile_id` text NOT NULL,
	`profile_ids` text NOT NULL,
	`counts` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `identifier_quarantine` (
	`workspace` text NOT NULL,
	`type` text NOT NULL,
	`value` text NOT NULL,
	`linked_profiles` integer NOT NULL,
	`event_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`workspace`, `type`, `value`)
);
--> statement-breakpoint
CREATE TABLE `identity_flags` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace` text NOT NULL,
	`kind` text NOT NULL,
	`identifier_type` text,
	`identifier_value` text,
	`profile_ids` text NOT NULL,
	`event_id` text,
	`rule` text NOT NULL,
	`detail` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `identity_flags_workspace_idx` ON `identity_flags` (`workspace`,`created_at`);--> statement-breakpoint
CREATE TABLE `identity_rules` (
	`workspace` text PRIMARY KEY NOT NULL,
	`rules` text NOT NULL,
	`version` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `identifiers` ADD `last_seen_at` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `identifiers` ADD `link_count` integer DEFAULT 0 NOT NULL;