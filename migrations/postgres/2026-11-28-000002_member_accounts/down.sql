DELETE FROM accounts WHERE role = 'member';
ALTER TABLE accounts DROP CONSTRAINT accounts_member_check;
ALTER TABLE accounts DROP CONSTRAINT accounts_role_check;
ALTER TABLE accounts ADD CONSTRAINT accounts_role_check CHECK (role IN ('employee', 'agency_admin', 'platform_admin'));
