CREATE TABLE `event_retention_settings` (
	`workspace` text PRIMARY KEY NOT NULL,
	`days` integer NOT NULL,
	`updated_at` integer NOT NULL
);
