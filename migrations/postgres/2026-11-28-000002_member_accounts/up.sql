-- `member` accounts: an account of the agency with no employee record and no powers of its own,
-- which sees what the roles granted to it give (the region head's office, the payroll office).
ALTER TABLE accounts DROP CONSTRAINT accounts_role_check;
ALTER TABLE accounts ADD CONSTRAINT accounts_role_check
    CHECK (role IN ('employee', 'agency_admin', 'member', 'platform_admin'));
ALTER TABLE accounts ADD CONSTRAINT accounts_member_check CHECK (role <> 'member' OR employee_id IS NULL);
