//! Loads an agency's position tree for one day in a single query, for the supervision rules of
//! `ekinerja_domain::supervision`.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Date, Nullable, Text};
use ekinerja_domain::supervision::{ChartPosition, OrgChart};
use ekinerja_domain::{ActingKind, TimeZone};
use uuid::Uuid;

use crate::schema::agencies;
use crate::{DbConnection, StoreError};

#[derive(QueryableByName)]
struct ChartRow {
    #[diesel(sql_type = Text)]
    position_id: String,
    #[diesel(sql_type = Nullable<Text>)]
    supervisor_position_id: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    holder_id: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    acting_employee_id: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    acting_kind: Option<String>,
}

// `$1`/`$2` are positional in PostgreSQL and, in SQLite, named parameters numbered in order of
// first appearance, so one text serves both engines as long as `$1` appears before `$2`.
const CHART_SQL: &str = "
SELECT p.id AS position_id, p.supervisor_position_id, e.id AS holder_id,
       a.employee_id AS acting_employee_id, a.kind AS acting_kind
FROM positions p
LEFT JOIN employees e ON e.position_id = p.id AND e.active = TRUE
LEFT JOIN acting_assignments a ON a.position_id = p.id AND a.starts_on <= $1 AND a.ends_on >= $1
WHERE p.agency_id = $2";

// The positions from one employee's post up to the top, with holders and acting officials:
// enough to find that employee's supervisors, at a cost that grows with the depth of the tree,
// not the size of the agency.
const UPWARD_SQL: &str = "
WITH RECURSIVE up (id, supervisor_position_id, depth) AS (
    SELECT p.id, p.supervisor_position_id, 0
    FROM positions p JOIN employees me ON me.position_id = p.id
    WHERE me.id = $1
  UNION ALL
    SELECT p.id, p.supervisor_position_id, up.depth + 1
    FROM positions p JOIN up ON p.id = up.supervisor_position_id
    WHERE up.depth < 64
)
SELECT up.id AS position_id, up.supervisor_position_id, e.id AS holder_id,
       a.employee_id AS acting_employee_id, a.kind AS acting_kind
FROM up
LEFT JOIN employees e ON e.position_id = up.id AND e.active = TRUE
LEFT JOIN acting_assignments a ON a.position_id = up.id AND a.starts_on <= $2 AND a.ends_on >= $2";

fn uuid(s: &str) -> Option<Uuid> {
    Uuid::parse_str(s).ok()
}

/// The agency's date at `now`, in the agency's own time zone.
pub fn agency_today(conn: &mut DbConnection, agency_id: Uuid, now: DateTime<Utc>) -> Result<NaiveDate, StoreError> {
    let tz: String = agencies::table.find(agency_id.to_string()).select(agencies::time_zone).first(conn)?;
    let offset = TimeZone::parse(&tz).unwrap_or(TimeZone::Wib).offset();
    Ok(now.with_timezone(&offset).date_naive())
}

/// The agency's chart at `now` (acting assignments of the agency's current date): every
/// position with its holders and acting official, in one round trip whatever the depth.
pub fn load(conn: &mut DbConnection, agency_id: Uuid, now: DateTime<Utc>) -> Result<OrgChart, StoreError> {
    let day = agency_today(conn, agency_id, now)?;
    let rows: Vec<ChartRow> =
        diesel::sql_query(CHART_SQL).bind::<Date, _>(day).bind::<Text, _>(agency_id.to_string()).load(conn)?;
    Ok(build(rows))
}

/// The part of the agency's chart at `now` from `employee_id`'s post up to the top: answers
/// who supervises that employee and who is above them, in one query whose cost grows with
/// the depth of the tree only. (Subordinates need the whole chart: [`load`].)
pub fn load_upward(
    conn: &mut DbConnection,
    agency_id: Uuid,
    employee_id: Uuid,
    now: DateTime<Utc>,
) -> Result<OrgChart, StoreError> {
    let day = agency_today(conn, agency_id, now)?;
    let rows: Vec<ChartRow> =
        diesel::sql_query(UPWARD_SQL).bind::<Text, _>(employee_id.to_string()).bind::<Date, _>(day).load(conn)?;
    Ok(build(rows))
}

fn build(rows: Vec<ChartRow>) -> OrgChart {
    let mut positions: HashMap<Uuid, ChartPosition> = HashMap::new();
    for row in rows {
        let Some(id) = uuid(&row.position_id) else { continue };
        let entry = positions.entry(id).or_insert_with(|| ChartPosition {
            position_id: id,
            supervisor_position_id: row.supervisor_position_id.as_deref().and_then(uuid),
            holders: Vec::new(),
            acting: None,
        });
        if let Some(h) = row.holder_id.as_deref().and_then(uuid) {
            if !entry.holders.contains(&h) {
                entry.holders.push(h);
            }
        }
        if let (Some(e), Some(k)) =
            (row.acting_employee_id.as_deref().and_then(uuid), row.acting_kind.as_deref().and_then(ActingKind::parse))
        {
            entry.acting = Some((e, k));
        }
    }
    for p in positions.values_mut() {
        p.holders.sort();
    }
    OrgChart::new(positions.into_values())
}
