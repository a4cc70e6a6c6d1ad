//! The organisation's vocabulary: position types, employment types, position classes, time
//! zones, roles. Each enum round-trips through its API word (`as_str` / `parse`), which is also
//! what the database stores.

use serde::Serialize;

word_enum! {
    /// Jabatan type (UU ASN 20/2023): the top leader (JPT), administrator, pengawas, pelaksana,
    /// fungsional.
    PositionType {
        /// Jabatan Pimpinan Tinggi: heads of OPD and the regional secretary.
        Jpt => "jpt",
        /// Jabatan administrator: heads of division (kepala bidang/bagian).
        Administrator => "administrator",
        /// Jabatan pengawas: heads of section (kepala seksi/subbagian).
        Pengawas => "pengawas",
        /// Jabatan pelaksana: staff.
        Pelaksana => "pelaksana",
        /// Jabatan fungsional: functional specialists (teachers, doctors, analysts).
        Fungsional => "fungsional",
    }
}

impl PositionType {
    /// Structural positions (JPT, administrator, pengawas) are single posts held by one person
    /// at a time; only they may be a supervising position, so a supervisor is never ambiguous.
    pub fn is_structural(self) -> bool {
        matches!(self, PositionType::Jpt | PositionType::Administrator | PositionType::Pengawas)
    }
}

word_enum! {
    /// Employment type of an ASN (UU ASN 20/2023).
    EmploymentType {
        /// Pegawai Negeri Sipil: permanent civil servant.
        Pns => "pns",
        /// Pegawai Pemerintah dengan Perjanjian Kerja: contract-based civil servant.
        Pppk => "pppk",
    }
}

word_enum! {
    /// An agency's time zone; every date and time of day of the agency is read in it.
    TimeZone {
        /// Waktu Indonesia Barat, UTC+7.
        Wib => "wib",
        /// Waktu Indonesia Tengah, UTC+8.
        Wita => "wita",
        /// Waktu Indonesia Timur, UTC+9.
        Wit => "wit",
    }
}

impl TimeZone {
    /// The fixed UTC offset (Indonesia keeps no daylight saving).
    pub fn offset(self) -> chrono::FixedOffset {
        let hours = match self {
            TimeZone::Wib => 7,
            TimeZone::Wita => 8,
            TimeZone::Wit => 9,
        };
        // 7 to 9 hours is always within chrono's ±24 h range, so the fallback never applies.
        chrono::FixedOffset::east_opt(hours * 3600).unwrap_or_else(|| chrono::Offset::fix(&chrono::Utc))
    }
}

word_enum! {
    /// Plt (pelaksana tugas, acting for a vacant post) or Plh (pelaksana harian, standing in for an
    /// absent official). Either way the acting official is the supervisor while it lasts.
    ActingKind {
        /// Pelaksana tugas.
        Plt => "plt",
        /// Pelaksana harian.
        Plh => "plh",
    }
}

word_enum! {
    /// What an account was granted. Being a supervisor is not granted: it follows from the
    /// position tree (see [`crate::supervision`]).
    AccountRole {
        /// Any employee: their own data.
        Employee => "employee",
        /// BKD/BKPSDM staff: runs the system for one agency.
        AgencyAdmin => "agency_admin",
        /// An account of the agency with no employee record and no powers of its own: it sees
        /// what the roles granted to it give (the region head's office, the payroll office).
        Member => "member",
        /// Operator of the whole installation: creates agencies and their first admins.
        PlatformAdmin => "platform_admin",
    }
}

word_enum! {
    /// A role as reported to a caller: the granted role plus `supervisor` where the position tree
    /// makes the employee someone's supervisor.
    Role {
        /// See [`AccountRole::Employee`].
        Employee => "employee",
        /// Derived: the direct supervisor of at least one employee today.
        Supervisor => "supervisor",
        /// Derived: holds or acts in the top structural post of at least one unit today.
        UnitHead => "unit_head",
        /// Granted: reads the whole agency.
        Leader => "leader",
        /// Granted: allowance runs.
        Finance => "finance",
        /// See [`AccountRole::AgencyAdmin`].
        AgencyAdmin => "agency_admin",
        /// See [`AccountRole::PlatformAdmin`].
        PlatformAdmin => "platform_admin",
    }
}

/// Kelas jabatan: the position class (1 to 17, Perpres on position classes) that later selects
/// the base amount of the performance allowance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct PositionClass(u8);

/// A position class outside 1 to 17.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a position class is a whole number from 1 to 17")]
pub struct PositionClassError;

impl PositionClass {
    /// Lowest class.
    pub const MIN: i64 = 1;
    /// Highest class.
    pub const MAX: i64 = 17;

    /// Accepts 1 to 17.
    pub fn new(n: i64) -> Result<Self, PositionClassError> {
        if (Self::MIN..=Self::MAX).contains(&n) {
            Ok(PositionClass(n as u8))
        } else {
            Err(PositionClassError)
        }
    }

    /// The class as a number.
    pub fn get(self) -> i32 {
        i32::from(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip() {
        for t in PositionType::ALL {
            assert_eq!(PositionType::parse(t.as_str()), Some(*t));
        }
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(*r));
        }
        assert_eq!(PositionType::parse("JPT"), None);
    }

    #[test]
    fn only_structural_positions_supervise() {
        let structural: Vec<_> = PositionType::ALL.iter().filter(|t| t.is_structural()).collect();
        assert_eq!(structural, [&PositionType::Jpt, &PositionType::Administrator, &PositionType::Pengawas]);
    }

    #[test]
    fn position_class_bounds() {
        assert!(PositionClass::new(0).is_err());
        assert_eq!(PositionClass::new(1).unwrap().get(), 1);
        assert_eq!(PositionClass::new(17).unwrap().get(), 17);
        assert!(PositionClass::new(18).is_err());
    }

    #[test]
    fn time_zone_offsets() {
        assert_eq!(TimeZone::Wib.offset().local_minus_utc(), 7 * 3600);
        assert_eq!(TimeZone::Wita.offset().local_minus_utc(), 8 * 3600);
        assert_eq!(TimeZone::Wit.offset().local_minus_utc(), 9 * 3600);
    }
}
