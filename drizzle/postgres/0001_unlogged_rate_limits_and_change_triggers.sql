-- Written by hand (drizzle-kit generate --custom): what drizzle's schema
-- language cannot declare. See src/store/postgres/schema.ts and change-feed.ts.

-- Rate-limit counters need no WAL: a crash forgets at most one window of hits,
-- and a hit then never waits for a flush. (Spent challenges stay logged: losing
-- one would let a proof-of-work solution be accepted twice.)
ALTER TABLE "rate_limits" SET UNLOGGED;
--> statement-breakpoint

-- The one generation row the triggers below bump.
INSERT INTO "cache_generation" ("id", "value") VALUES (1, 0);
--> statement-breakpoint

-- Every write to a table that nodes cache bumps the generation and tells every
-- listening node which table changed. NOTIFY is delivered at commit (nothing
-- for a rolled-back write) and de-duplicated within a transaction, so deleting
-- an app with its keys sends one 'apps' and one 'auth_keys'. Per statement,
-- not per row: one bump per write however many rows it touches (a statement
-- that touches none bumps too, which costs a node one cache refill).
CREATE FUNCTION "latchkey_cache_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "cache_generation" SET "value" = "value" + 1 WHERE "id" = 1;
  PERFORM pg_notify('latchkey_cache', TG_TABLE_NAME);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "apps_changed" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "apps"
  FOR EACH STATEMENT EXECUTE FUNCTION "latchkey_cache_changed"();
--> statement-breakpoint
CREATE TRIGGER "auth_keys_changed" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "auth_keys"
  FOR EACH STATEMENT EXECUTE FUNCTION "latchkey_cache_changed"();
--> statement-breakpoint
CREATE TRIGGER "signing_keys_changed" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "signing_keys"
  FOR EACH STATEMENT EXECUTE FUNCTION "latchkey_cache_changed"();
