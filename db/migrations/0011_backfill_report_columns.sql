-- Reports on tickets that existed before the report columns: durations in calendar seconds from the stored
-- times, SLA outcomes from the stored due times, and the daily rollup from
-- creation and latest-solve days. (History is not replayed: a ticket counts one solve at its latest solve
-- day, and its current unsolved status enters the backlog on its creation day.)
UPDATE `tickets` SET `first_response_secs` = TIMESTAMPDIFF(SECOND, `created_at`, `first_response_at`)
  WHERE `first_response_at` IS NOT NULL;
--> statement-breakpoint
UPDATE `tickets` SET `resolution_secs` = TIMESTAMPDIFF(SECOND, `created_at`, `solved_at`)
  WHERE `solved_at` IS NOT NULL;
--> statement-breakpoint
UPDATE `tickets` SET `sla_first_response_met` = (`first_response_at` <= `sla_first_response_due_at`)
  WHERE `first_response_at` IS NOT NULL AND `sla_first_response_due_at` IS NOT NULL;
--> statement-breakpoint
UPDATE `tickets` SET `sla_resolution_met` = (`solved_at` <= `sla_resolution_due_at`)
  WHERE `solved_at` IS NOT NULL AND `sla_resolution_due_at` IS NOT NULL;
--> statement-breakpoint
INSERT INTO `report_daily` (`day`, `group_id`, `assignee_id`, `slot`, `created`, `solved`, `reopened`,
  `delta_new`, `delta_open`, `delta_pending`, `delta_on_hold`)
SELECT `day`, `g`, `a`, `slot`, SUM(`c`), SUM(`s`), 0, SUM(`dn`), SUM(`do`), SUM(`dp`), SUM(`dh`) FROM (
  SELECT DATE(`created_at`) AS `day`, COALESCE(`group_id`, 0) AS `g`, COALESCE(`assignee_id`, 0) AS `a`,
    `id` % 8 AS `slot`, 1 AS `c`, 0 AS `s`, (`status` = 'new') AS `dn`, (`status` = 'open') AS `do`,
    (`status` = 'pending') AS `dp`, (`status` = 'on_hold') AS `dh`
  FROM `tickets`
  UNION ALL
  SELECT DATE(`solved_at`), COALESCE(`group_id`, 0), COALESCE(`assignee_id`, 0), `id` % 8, 0, 1, 0, 0, 0, 0
  FROM `tickets` WHERE `solved_at` IS NOT NULL
) AS `r` GROUP BY `day`, `g`, `a`, `slot`;
