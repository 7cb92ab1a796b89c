CREATE TABLE `alert_notifications` (
	`id` text PRIMARY KEY NOT NULL,
	`alert_id` text NOT NULL,
	`workspace` text NOT NULL,
	`channel` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`last_error` text,
	`sent_at` integer
);
--> statement-breakpoint
CREATE INDEX `alert_notifications_due_idx` ON `alert_notifications` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `alert_notifications_alert_idx` ON `alert_notifications` (`alert_id`);--> statement-breakpoint
CREATE TABLE `alert_settings` (
	`workspace` text PRIMARY KEY NOT NULL,
	`rules` text,
	`channels` text,
	`sealed_channels` text,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `alert_states` (
	`workspace` text NOT NULL,
	`rule` text NOT NULL,
	`subject` text NOT NULL,
	`status` text NOT NULL,
	`value` real,
	`since` integer NOT NULL,
	`notified` integer DEFAULT false NOT NULL,
	`last_fired_at` integer,
	`version` integer NOT NULL,
	PRIMARY KEY(`workspace`, `rule`, `subject`)
);
--> statement-breakpoint
CREATE TABLE `alerts` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace` text NOT NULL,
	`rule` text NOT NULL,
	`subject` text NOT NULL,
	`kind` text NOT NULL,
	`value` real,
	`threshold` real,
	`summary` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `alerts_workspace_idx` ON `alerts` (`workspace`,`created_at`);--> statement-breakpoint
ALTER TABLE `poll_jobs` ADD `failed_runs` integer DEFAULT 0 NOT NULL;