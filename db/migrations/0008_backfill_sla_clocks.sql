-- Tickets that existed before SLAs: the resolution clock of a new or open ticket runs from its creation.
-- (Pending and on-hold ones start paused with nothing used; no policy applies until the next change.)
UPDATE `tickets` SET `sla_resolution_started_at` = `created_at` WHERE `status` IN ('new', 'open');
