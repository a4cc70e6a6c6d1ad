//! Who may see and change what. Every rule an endpoint applies to the caller lives here, so the
//! same rule guards the API, the exports and anything added later.

use uuid::Uuid;

use crate::AccountRole;

/// The authenticated person behind a request, as their access token states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// Their account.
    pub account_id: Uuid,
    /// Their agency; `None` only for a platform admin.
    pub agency_id: Option<Uuid>,
    /// What the account was granted.
    pub role: AccountRole,
    /// The employee record behind the account, if it has one.
    pub employee_id: Option<Uuid>,
}

impl Caller {
    /// Operator of the installation.
    pub fn is_platform_admin(&self) -> bool {
        self.role == AccountRole::PlatformAdmin
    }

    /// May read records of `agency_id` at all. An agency's data is invisible to every other
    /// agency: this is the first test of every read.
    pub fn can_see_agency(&self, agency_id: Uuid) -> bool {
        self.is_platform_admin() || self.agency_id == Some(agency_id)
    }

    /// May change the organisation (units, positions, employees, accounts) of `agency_id`.
    pub fn can_administer(&self, agency_id: Uuid) -> bool {
        self.is_platform_admin() || (self.role == AccountRole::AgencyAdmin && self.agency_id == Some(agency_id))
    }

    /// May read every employee of `agency_id` (HR and operators); others see themselves and the
    /// people below them in the position tree.
    pub fn sees_all_employees_of(&self, agency_id: Uuid) -> bool {
        self.can_administer(agency_id)
    }

    /// The agency a list is scoped to: the caller's own, or for a platform admin the one they ask
    /// for (`None`: every agency).
    pub fn list_scope(&self, requested: Option<Uuid>) -> Scope {
        if self.is_platform_admin() {
            requested.map_or(Scope::All, Scope::Agency)
        } else {
            match self.agency_id {
                Some(own) if requested.is_none_or(|r| r == own) => Scope::Agency(own),
                _ => Scope::Nothing,
            }
        }
    }
}

impl Caller {
    /// May read the audit trail of `scope`: admins of that agency, or the platform admin. An
    /// empty scope (another agency asked for) reads nothing and needs no right.
    pub fn may_read_audit(&self, scope: Scope) -> bool {
        match scope {
            Scope::All => self.is_platform_admin(),
            Scope::Agency(a) => self.can_administer(a),
            Scope::Nothing => true,
        }
    }
}

word_enum! {
    /// What an integration key may do. A key carries only the scopes it was issued with.
    IntegrationScope {
        /// Push attendance events (e-Presensi).
        AttendanceWrite => "attendance_write",
    }
}

/// A system calling with an integration key: limited to one agency and to its scopes, and never
/// a person (it has no account, no employee record and no role).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Integration {
    /// The key.
    pub key_id: Uuid,
    /// The one agency the key was issued for.
    pub agency_id: Uuid,
    /// What it may do.
    pub scopes: Vec<IntegrationScope>,
}

impl Integration {
    /// Whether the key was issued with `scope`.
    pub fn has(&self, scope: IntegrationScope) -> bool {
        self.scopes.contains(&scope)
    }
}

/// Which agencies a list may draw from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every agency (platform admin only).
    All,
    /// One agency.
    Agency(Uuid),
    /// None: the caller asked for an agency that is not theirs.
    Nothing,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(role: AccountRole, agency: Option<u128>) -> Caller {
        Caller { account_id: Uuid::from_u128(9), agency_id: agency.map(Uuid::from_u128), role, employee_id: None }
    }

    #[test]
    fn agency_boundaries() {
        let a = Uuid::from_u128(1);
        let b = Uuid::from_u128(2);
        let employee = caller(AccountRole::Employee, Some(1));
        let admin = caller(AccountRole::AgencyAdmin, Some(1));
        let platform = caller(AccountRole::PlatformAdmin, None);

        assert!(employee.can_see_agency(a) && !employee.can_see_agency(b));
        assert!(!employee.can_administer(a));
        assert!(admin.can_administer(a) && !admin.can_administer(b));
        assert!(platform.can_administer(b));

        assert_eq!(employee.list_scope(None), Scope::Agency(a));
        assert_eq!(admin.list_scope(Some(b)), Scope::Nothing);
        assert_eq!(platform.list_scope(None), Scope::All);
        assert_eq!(platform.list_scope(Some(b)), Scope::Agency(b));
    }
}
