DROP TABLE allowance_policies;
