-- Existing tickets: the requester has seen every change so far (internal notes included), so their view starts equal to the full one.
UPDATE `tickets` SET `public_version` = `version`, `public_updated_at` = `updated_at`;--> statement-breakpoint
-- Existing events: number each ticket's requester-visible events 1, 2, 3… in id order.
UPDATE `ticket_events` e JOIN (SELECT `id`, ROW_NUMBER() OVER (PARTITION BY `ticket_id` ORDER BY `id`) AS n FROM `ticket_events` WHERE `internal` = 0) r ON r.`id` = e.`id` SET e.`public_seq` = r.n;
