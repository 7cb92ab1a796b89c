CREATE TABLE `extension_jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace` text NOT NULL,
	`extension_id` text NOT NULL,
	`system` text NOT NULL,
	`source_id` text NOT NULL,
	`event_key` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`last_error` text,
	`request` text NOT NULL,
	`answer` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `extension_jobs_due_idx` ON `extension_jobs` (`workspace`,`system`,`status`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `extension_jobs_event_idx` ON `extension_jobs` (`workspace`,`source_id`,`event_key`);--> statement-breakpoint
CREATE TABLE `extension_rejections` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace` text NOT NULL,
	`extension_id` text NOT NULL,
	`source_id` text NOT NULL,
	`event_key` text NOT NULL,
	`delivery_id` text NOT NULL,
	`event_type` text NOT NULL,
	`reason` text NOT NULL,
	`event` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `extension_rejections_event_uq` ON `extension_rejections` (`workspace`,`source_id`,`event_key`);--> statement-breakpoint
CREATE INDEX `extension_rejections_extension_idx` ON `extension_rejections` (`extension_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `extensions` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace` text NOT NULL,
	`name` text NOT NULL,
	`mode` text NOT NULL,
	`system` text NOT NULL,
	`position` integer NOT NULL,
	`enabled` integer NOT NULL,
	`config` text NOT NULL,
	`sealed_secret` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `extensions_name_uq` ON `extensions` (`workspace`,`name`);--> statement-breakpoint
CREATE INDEX `extensions_workspace_idx` ON `extensions` (`workspace`,`position`);--> statement-breakpoint
CREATE TABLE `indicator_contributions` (
	`event_id` text NOT NULL,
	`indicator_id` text NOT NULL,
	`version` integer NOT NULL,
	`num` real,
	`value` text,
	PRIMARY KEY(`event_id`, `indicator_id`)
);
--> statement-breakpoint
CREATE INDEX `indicator_contributions_indicator_idx` ON `indicator_contributions` (`indicator_id`);--> statement-breakpoint
CREATE TABLE `indicator_definitions` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace` text NOT NULL,
	`name` text NOT NULL,
	`aggregate` text NOT NULL,
	`field` text,
	`event_types` text,
	`conditions` text NOT NULL,
	`window_ms` integer,
	`version` integer NOT NULL,
	`status` text NOT NULL,
	`recompute_cursor` text,
	`recompute_done` integer DEFAULT 0 NOT NULL,
	`recompute_total` integer DEFAULT 0 NOT NULL,
	`recompute_started_at` integer,
	`recompute_finished_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `indicator_definitions_name_uq` ON `indicator_definitions` (`workspace`,`name`);