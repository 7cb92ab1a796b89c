CREATE TABLE `file_import_rejections` (
	`import_id` text NOT NULL,
	`row` integer NOT NULL,
	`line` integer NOT NULL,
	`reason` text NOT NULL,
	PRIMARY KEY(`import_id`, `row`)
);
--> statement-breakpoint
CREATE TABLE `file_imports` (
	`id` text PRIMARY KEY NOT NULL,
	`source_id` text NOT NULL,
	`workspace` text NOT NULL,
	`origin` text NOT NULL,
	`filename` text,
	`r2_key` text NOT NULL,
	`dedupe_key` text,
	`byte_size` integer,
	`status` text NOT NULL,
	`delimiter` text,
	`encoding` text,
	`columns` text,
	`offset_bytes` integer DEFAULT 0 NOT NULL,
	`lines_read` integer DEFAULT 0 NOT NULL,
	`rows_read` integer DEFAULT 0 NOT NULL,
	`accepted` integer DEFAULT 0 NOT NULL,
	`rejected` integer DEFAULT 0 NOT NULL,
	`warnings` text,
	`error` text,
	`processed_key` text,
	`lease_until` integer,
	`created_at` integer NOT NULL,
	`started_at` integer,
	`finished_at` integer,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `file_imports_source_idx` ON `file_imports` (`source_id`,`created_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `file_imports_dedupe_uq` ON `file_imports` (`source_id`,`dedupe_key`);--> statement-breakpoint
CREATE TABLE `poll_jobs` (
	`source_id` text PRIMARY KEY NOT NULL,
	`workspace` text NOT NULL,
	`status` text DEFAULT 'idle' NOT NULL,
	`paused` integer DEFAULT false NOT NULL,
	`run_id` text,
	`checkpoint` text DEFAULT '{}' NOT NULL,
	`run_seen` text DEFAULT '[]' NOT NULL,
	`run_pages` integer DEFAULT 0 NOT NULL,
	`run_records` integer DEFAULT 0 NOT NULL,
	`run_failures` integer DEFAULT 0 NOT NULL,
	`run_started_at` integer,
	`lease_until` integer,
	`next_run_at` integer NOT NULL,
	`last_run_at` integer,
	`last_success_at` integer,
	`last_run_records` integer,
	`last_error` text,
	`last_error_at` integer,
	`records_fetched` integer DEFAULT 0 NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `poll_jobs_due_idx` ON `poll_jobs` (`paused`,`status`,`next_run_at`);--> statement-breakpoint
CREATE TABLE `notify_fetches` (
	`source_id` text NOT NULL,
	`url_hash` text NOT NULL,
	`claim_id` text,
	`claimed_at` integer DEFAULT 0 NOT NULL,
	`fetched_at` integer,
	`body` text,
	PRIMARY KEY(`source_id`, `url_hash`)
);
--> statement-breakpoint
CREATE TABLE `rate_budgets` (
	`source_id` text PRIMARY KEY NOT NULL,
	`window_start` integer DEFAULT 0 NOT NULL,
	`used` integer DEFAULT 0 NOT NULL,
	`next_allowed_at` integer DEFAULT 0 NOT NULL,
	`backoff_attempts` integer DEFAULT 0 NOT NULL,
	`last_reason` text,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `source_credentials` (
	`source_id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`sealed` text NOT NULL,
	`sealed_token` text,
	`token_expires_at` integer,
	`updated_at` integer NOT NULL
);
