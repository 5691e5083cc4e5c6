CREATE TABLE `apps` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`project_id` text NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`type` text NOT NULL,
	`default_agent_id` text,
	`prompt` text,
	`enabled` integer NOT NULL,
	`allowed_domains` text NOT NULL,
	`allow_anonymous` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `apps_by_project` ON `apps` (`tenant_id`,`project_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `auth_keys` (
	`app_id` text NOT NULL,
	`kid` text NOT NULL,
	`algorithm` text NOT NULL,
	`public_key` text NOT NULL,
	`thumbprint` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`app_id`, `kid`),
	FOREIGN KEY (`app_id`) REFERENCES `apps`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `signing_keys` (
	`kid` text PRIMARY KEY NOT NULL,
	`private_key` text NOT NULL,
	`public_jwk` text NOT NULL,
	`created_at` integer NOT NULL,
	`retired_at` integer,
	`publish_until` integer
);
--> statement-breakpoint
CREATE TABLE `spent_challenges` (
	`challenge` text PRIMARY KEY NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `spent_challenges_by_expiry` ON `spent_challenges` (`expires_at`);