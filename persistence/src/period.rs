//! Performance periods: the years an agency plans and evaluates.

use chrono::NaiveDate;
use diesel::prelude::*;
use ekinerja_domain::audit::{AuditAction, AuditEntity};
use ekinerja_domain::id::{AgencyId, PerformancePeriodId};
use ekinerja_domain::{Caller, Scope};
use serde::Serialize;
use uuid::Uuid;

use crate::schema::performance_periods;
use crate::{audit, db::Backend, Change, DbConnection, Page, PageRequest, StoreError};

/// A stored performance period.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = performance_periods, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Period {
    #[diesel(serialize_as = crate::key::Bind<PerformancePeriodId>)]
    pub id: PerformancePeriodId,
    #[diesel(serialize_as = crate::key::Bind<AgencyId>)]
    pub agency_id: AgencyId,
    pub year: i32,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub created_at: chrono::NaiveDateTime,
}

/// Reads a period the caller may see.
pub fn get(conn: &mut DbConnection, caller: &Caller, id: Uuid) -> Result<Period, StoreError> {
    let p: Period = performance_periods::table
        .find(crate::key::bind(PerformancePeriodId::from(id)))
        .select(Period::as_select())
        .first(conn)?;
    crate::access::in_sight(caller, p.agency_id, p)
}

/// Lists the periods of the caller's agency, oldest first.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    agency: Option<Uuid>,
    page: &PageRequest,
) -> Result<Page<Period>, StoreError> {
    let mut q = performance_periods::table.select(Period::as_select()).into_boxed::<Backend>();
    match caller.list_scope(agency) {
        Scope::All => {}
        Scope::Agency(a) => q = q.filter(performance_periods::agency_id.eq(crate::key::bind(AgencyId::from(a)))),
        Scope::Nothing => return Ok(Page::empty()),
    }
    if let Some(after) = &page.after {
        q = q.filter(performance_periods::id.gt(crate::key::bind(PerformancePeriodId::from(*after))));
    }
    let rows = q.order(performance_periods::id.asc()).limit(page.limit + 1).load(conn)?;
    Ok(Page::from_rows(rows, page.limit, |r| &r.id))
}

/// The agency's performance period of `year`, if it has been opened (no caller scoping: the
/// agency is named by the code that acts for it).
pub fn of_year(conn: &mut DbConnection, agency_id: Uuid, year: i32) -> Result<Option<Period>, StoreError> {
    Ok(performance_periods::table
        .filter(performance_periods::agency_id.eq(crate::key::bind(AgencyId::from(agency_id))))
        .filter(performance_periods::year.eq(year))
        .select(Period::as_select())
        .first(conn)
        .optional()?)
}

/// Opens the performance year `year` for an agency (its admin): 1 January to 31 December.
pub fn create(conn: &mut DbConnection, change: &Change, agency_id: Uuid, year: i32) -> Result<Period, StoreError> {
    crate::agency::writable(conn, &change.caller, agency_id, ekinerja_domain::access::Area::Structure)?;
    let (Some(starts_on), Some(ends_on)) = (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year, 12, 31))
    else {
        return Err(StoreError::invalid("year", "not a valid year"));
    };
    crate::db::write(conn, |conn| {
        let agency = AgencyId::from(agency_id);
        let taken: i64 = performance_periods::table
            .filter(performance_periods::agency_id.eq(crate::key::bind(agency)))
            .filter(performance_periods::year.eq(year))
            .count()
            .get_result(conn)?;
        if taken > 0 {
            return Err(StoreError::Conflict(format!("the performance period {year} already exists")));
        }
        let row = Period { id: crate::key::new(), agency_id: agency, year, starts_on, ends_on, created_at: change.at };
        diesel::insert_into(performance_periods::table).values(row.clone()).execute(conn)?;
        audit::record(
            conn,
            change,
            Some(row.agency_id),
            AuditAction::Create,
            AuditEntity::PerformancePeriod,
            row.id,
            None::<&()>,
            Some(&row),
        )?;
        Ok(row)
    })
}
