//! The distribution pattern of each unit rating, as agency policy: versioned by the month it takes
//! effect, rating by rating. A month is governed, for each rating, by the latest version taking
//! effect in or before it; a rating the agency never set keeps the default of SE MenPANRB 3/2023.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use ekinerja_domain::access::{Access, Area};
use ekinerja_domain::audit::{AuditAction, AuditEntity};
use ekinerja_domain::evaluation::{default_pattern, pattern_problems, DistributionRule, UnitRating};
use ekinerja_domain::field::Field;
use ekinerja_domain::id::{AccountId, AgencyId, DistributionPatternId};
use ekinerja_domain::Caller;
use serde::Serialize;
use uuid::Uuid;

use crate::schema::distribution_patterns;
use crate::{audit, Change, DbConnection, FieldError, StoreError};

/// A stored version of one rating's pattern.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = distribution_patterns, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct PatternVersion {
    #[diesel(serialize_as = crate::key::Bind<DistributionPatternId>)]
    pub id: DistributionPatternId,
    #[diesel(serialize_as = crate::key::Bind<AgencyId>)]
    pub agency_id: AgencyId,
    #[diesel(serialize_as = crate::word::Bind<UnitRating>)]
    pub unit_rating: UnitRating,
    pub effective_month: NaiveDate,
    pub rules: crate::document::Stored<Vec<DistributionRule>>,
    #[diesel(serialize_as = crate::key::BindOption<AccountId>)]
    pub created_by_account_id: Option<AccountId>,
    pub created_at: NaiveDateTime,
}

/// The pattern of one rating in force in a month.
#[derive(Debug, Clone, Serialize)]
pub struct PatternInForce {
    pub unit_rating: UnitRating,
    pub rules: Vec<DistributionRule>,
    /// The version's month; `None` for the default.
    pub effective_month: Option<NaiveDate>,
    pub created_at: Option<NaiveDateTime>,
}

/// The pattern of `rating` in force in the month of `month` (its first day or any day of it).
pub fn pattern(
    conn: &mut DbConnection,
    agency: AgencyId,
    rating: UnitRating,
    month: NaiveDate,
) -> Result<PatternInForce, StoreError> {
    let version: Option<PatternVersion> = distribution_patterns::table
        .filter(distribution_patterns::agency_id.eq(crate::key::bind(agency)))
        .filter(distribution_patterns::unit_rating.eq(crate::word::bind(rating)))
        .filter(distribution_patterns::effective_month.le(month))
        .order(distribution_patterns::effective_month.desc())
        .select(PatternVersion::as_select())
        .first(conn)
        .optional()?;
    match version {
        Some(v) => Ok(PatternInForce {
            unit_rating: rating,
            rules: v.rules.get().clone(),
            effective_month: Some(v.effective_month),
            created_at: Some(v.created_at),
        }),
        None => Ok(PatternInForce {
            unit_rating: rating,
            rules: default_pattern(rating),
            effective_month: None,
            created_at: None,
        }),
    }
}

/// The five patterns in force in a month, in the order of the ratings.
fn all_in_force(
    conn: &mut DbConnection,
    agency: AgencyId,
    month: NaiveDate,
) -> Result<Vec<PatternInForce>, StoreError> {
    UnitRating::ALL.iter().map(|r| pattern(conn, agency, *r, month)).collect()
}

/// The five patterns in force in a month (a leader, the agency admin: the agency's policies).
pub fn in_force_for(
    conn: &mut DbConnection,
    caller: &Caller,
    agency_id: Uuid,
    month: NaiveDate,
) -> Result<Vec<PatternInForce>, StoreError> {
    crate::access::require_agency(conn, caller, agency_id, Area::Policies, Access::Read)?;
    all_in_force(conn, AgencyId::from(agency_id), month)
}

/// Sets the patterns of the ratings given from the month of `month` on (the agency admin),
/// replacing a version of the same rating taking effect that month; the ratings not given keep
/// theirs. Answers the five patterns in force in that month.
pub fn set(
    conn: &mut DbConnection,
    change: &Change,
    agency_id: Uuid,
    month: NaiveDate,
    patterns: Vec<(UnitRating, Vec<DistributionRule>)>,
) -> Result<Vec<PatternInForce>, StoreError> {
    crate::agency::writable(conn, &change.caller, agency_id, Area::Policies)?;
    let mut problems = Vec::new();
    for (i, (rating, rules)) in patterns.iter().enumerate() {
        let at = Field::named("patterns").at(i);
        if patterns[..i].iter().any(|(r, _)| r == rating) {
            problems.push(FieldError::new(at.clone().then("unit_rating"), "each rating once"));
        }
        for (field, reason) in pattern_problems(rules) {
            problems.push(FieldError::new(field.within(at.clone()), reason));
        }
    }
    if !problems.is_empty() {
        return Err(StoreError::Invalid(problems));
    }
    let agency = AgencyId::from(agency_id);
    crate::db::write(conn, |conn| {
        // A closed period keeps the patterns its spread was judged by: nothing evaluated changes
        // silently.
        use crate::schema::evaluation_periods;
        let closed: Option<NaiveDate> = evaluation_periods::table
            .filter(evaluation_periods::agency_id.eq(crate::key::bind(agency)))
            .filter(evaluation_periods::status.eq(crate::word::bind(ekinerja_domain::evaluation::PeriodStatus::Closed)))
            .filter(evaluation_periods::ends_on.ge(month))
            .select(diesel::dsl::max(evaluation_periods::ends_on))
            .first(conn)?;
        if let Some(end) = closed {
            return Err(StoreError::invalid(
                "effective_month",
                format!("an evaluation period closed on {end} was judged by the patterns then in force: take effect after it"),
            ));
        }
        for (rating, rules) in &patterns {
            let before: Option<PatternVersion> = distribution_patterns::table
                .filter(distribution_patterns::agency_id.eq(crate::key::bind(agency)))
                .filter(distribution_patterns::unit_rating.eq(crate::word::bind(*rating)))
                .filter(distribution_patterns::effective_month.eq(month))
                .select(PatternVersion::as_select())
                .first(conn)
                .optional()?;
            let row = PatternVersion {
                id: before.as_ref().map_or_else(crate::key::new, |b| b.id),
                agency_id: agency,
                unit_rating: *rating,
                effective_month: month,
                rules: rules.clone().into(),
                created_by_account_id: Some(AccountId::from(change.caller.account_id)),
                created_at: change.at,
            };
            if before.is_some() {
                diesel::update(distribution_patterns::table.find(crate::key::bind(row.id)))
                    .set((
                        distribution_patterns::rules.eq(&row.rules),
                        distribution_patterns::created_by_account_id
                            .eq(crate::key::BindOption::from(row.created_by_account_id)),
                        distribution_patterns::created_at.eq(row.created_at),
                    ))
                    .execute(conn)?;
            } else {
                diesel::insert_into(distribution_patterns::table).values(row.clone()).execute(conn)?;
            }
            audit::record(
                conn,
                change,
                Some(agency),
                AuditAction::Set,
                AuditEntity::DistributionPattern,
                row.id,
                before.as_ref(),
                Some(&row),
            )?;
        }
        all_in_force(conn, agency, month)
    })
}
