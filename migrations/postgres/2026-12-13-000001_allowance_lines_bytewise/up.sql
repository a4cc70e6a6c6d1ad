-- A run's lines are read by name, NIP and employee, a page at a time from where the last page
-- ended (`allowance_run::Lines::page`). That order and the comparisons that resume it follow the
-- columns' collation: under a cluster's default such as en_US.UTF-8 names would order by other
-- rules than SQLite's bytewise ones (case, punctuation, spaces). The "C" collation is bytewise, so
-- the order, the comparison and the index `allowance_lines_in_order_idx` (rebuilt by this change)
-- agree with SQLite whatever the cluster's locale. NIPs are digits and employee ids lower-case
-- UUIDs, which every collation orders alike.
ALTER TABLE allowance_lines ALTER COLUMN name TYPE TEXT COLLATE "C";
