-- Tickets that already have CCs, followers or custom field values get `view_extras`, so their views keep
-- reading them. Each statement is driven by the (small) relation table, joined to tickets by primary key.
UPDATE `tickets` `t` JOIN (SELECT DISTINCT `ticket_id` FROM `ticket_ccs`) `c` ON `c`.`ticket_id` = `t`.`id`
  SET `t`.`view_extras` = true;
--> statement-breakpoint
UPDATE `tickets` `t` JOIN (SELECT DISTINCT `ticket_id` FROM `ticket_followers`) `f` ON `f`.`ticket_id` = `t`.`id`
  SET `t`.`view_extras` = true;
--> statement-breakpoint
UPDATE `tickets` `t` JOIN (SELECT DISTINCT `ticket_id` FROM `ticket_field_values`) `v` ON `v`.`ticket_id` = `t`.`id`
  SET `t`.`view_extras` = true;
