//! Loads an agency's chart for one day (the position tree with holders and acting officials, and
//! the unit tree), whole or around one subject, for the supervision rules of
//! `ekinerja_domain::supervision` and the access rule of `ekinerja_domain::access`.

use std::collections::HashMap;
use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Date, Nullable, Text};
use ekinerja_domain::id::{AgencyId, EmployeeId, OrgUnitId, PositionId};
use ekinerja_domain::supervision::{ChartPosition, ChartUnit, OrgChart};
use ekinerja_domain::{ActingKind, PositionType, TimeZone};
use uuid::Uuid;

use crate::key::Key;
use crate::prepared;

use crate::schema::agencies;
use crate::{DbConnection, StoreError};

#[derive(QueryableByName)]
struct ChartRow {
    #[diesel(sql_type = Key<PositionId>)]
    position_id: PositionId,
    #[diesel(sql_type = Nullable<Key<PositionId>>)]
    supervisor_position_id: Option<PositionId>,
    #[diesel(sql_type = Key<OrgUnitId>)]
    org_unit_id: OrgUnitId,
    #[diesel(sql_type = crate::word::Word)]
    position_type: PositionType,
    #[diesel(sql_type = Nullable<Key<OrgUnitId>>)]
    supervisor_unit_id: Option<OrgUnitId>,
    #[diesel(sql_type = Nullable<Key<EmployeeId>>)]
    holder_id: Option<EmployeeId>,
    #[diesel(sql_type = diesel::sql_types::Nullable<crate::key::Key<EmployeeId>>)]
    acting_employee_id: Option<EmployeeId>,
    #[diesel(sql_type = Nullable<crate::word::Word>)]
    acting_kind: Option<ActingKind>,
}

#[derive(QueryableByName)]
struct UnitRow {
    #[diesel(sql_type = Key<OrgUnitId>)]
    id: OrgUnitId,
    #[diesel(sql_type = Nullable<Key<OrgUnitId>>)]
    parent_id: Option<OrgUnitId>,
}

// The statements below run through [`prepared`], which hands each `$n` to the engine's own
// placeholder, so one text serves both engines whatever the order of its numbers.

/// The columns of a chart row, over `p` (the position) joined to its holders and acting official.
const CHART_COLUMNS: &str = "
SELECT p.id AS position_id, p.supervisor_position_id, p.org_unit_id, p.position_type,
       sp.org_unit_id AS supervisor_unit_id, e.id AS holder_id,
       a.employee_id AS acting_employee_id, a.kind AS acting_kind";

/// Joins of a chart row; `$date` is replaced by the parameter holding the day.
const CHART_JOINS: &str = "
LEFT JOIN positions sp ON sp.id = p.supervisor_position_id
LEFT JOIN employees e ON e.position_id = p.id AND e.active = TRUE
LEFT JOIN acting_assignments a ON a.position_id = p.id AND a.starts_on <= $date AND a.ends_on >= $date";

/// The unit ancestry of the unit chosen by `anchor` (a query yielding `id, parent_id` of one
/// unit, with `$1`), up to the top.
fn units_up_cte(anchor: &str) -> String {
    format!(
        "units_up (id, parent_id, depth) AS (
    {anchor}
  UNION ALL
    SELECT u.id, u.parent_id, units_up.depth + 1
    FROM org_units u JOIN units_up ON u.id = units_up.parent_id
    WHERE units_up.depth < 64
)"
    )
}

const EMPLOYEE_UNIT: &str = "SELECT u.id, u.parent_id, 0
    FROM org_units u JOIN positions p ON p.org_unit_id = u.id JOIN employees me ON me.position_id = p.id
    WHERE me.id = $1";
const THE_UNIT: &str = "SELECT u.id, u.parent_id, 0 FROM org_units u WHERE u.id = $1";

/// `'jpt', 'administrator', 'pengawas'`: the structural types as the domain defines them.
fn structural_words() -> String {
    PositionType::ALL
        .iter()
        .filter(|t| t.is_structural())
        .map(|t| format!("'{}'", t.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Around one employee: the posts from theirs up to the top (who supervises them, who is above
/// them), and the structural posts of their unit and every unit above it (who heads them).
fn around_employee_sql() -> String {
    format!(
        "WITH RECURSIVE up (id, supervisor_position_id, depth) AS (
    SELECT p.id, p.supervisor_position_id, 0
    FROM positions p JOIN employees me ON me.position_id = p.id
    WHERE me.id = $1
  UNION ALL
    SELECT p.id, p.supervisor_position_id, up.depth + 1
    FROM positions p JOIN up ON p.id = up.supervisor_position_id
    WHERE up.depth < 64
),
{units},
wanted (id) AS (
    SELECT id FROM up
  UNION
    SELECT p.id FROM positions p JOIN units_up uu ON p.org_unit_id = uu.id
    WHERE p.position_type IN ({structural})
)
{CHART_COLUMNS}
FROM wanted w JOIN positions p ON p.id = w.id
{joins}",
        units = units_up_cte(EMPLOYEE_UNIT),
        structural = structural_words(),
        joins = CHART_JOINS.replace("$date", "$2"),
    )
}

/// Around one unit: the structural posts of the unit and every unit above it.
fn around_unit_sql() -> String {
    format!(
        "WITH RECURSIVE {units}
{CHART_COLUMNS}
FROM units_up uu JOIN positions p ON p.org_unit_id = uu.id
{joins}
WHERE p.position_type IN ({structural})",
        units = units_up_cte(THE_UNIT),
        structural = structural_words(),
        joins = CHART_JOINS.replace("$date", "$2"),
    )
}

fn units_up_sql(anchor: &str) -> String {
    format!("WITH RECURSIVE {} SELECT id, parent_id FROM units_up", units_up_cte(anchor))
}

/// The statements of this module, made once: the engines keep them prepared ([`prepared`]).
static AROUND_EMPLOYEE: LazyLock<String> = LazyLock::new(around_employee_sql);
static AROUND_UNIT: LazyLock<String> = LazyLock::new(around_unit_sql);
static UNITS_UP_FROM_EMPLOYEE: LazyLock<String> = LazyLock::new(|| units_up_sql(EMPLOYEE_UNIT));
static UNITS_UP_FROM_UNIT: LazyLock<String> = LazyLock::new(|| units_up_sql(THE_UNIT));
static WHOLE_CHART: LazyLock<String> = LazyLock::new(|| {
    format!("{CHART_COLUMNS}\nFROM positions p\n{}\nWHERE p.agency_id = $2", CHART_JOINS.replace("$date", "$1"))
});

/// The agency's own time zone, as an offset from UTC.
pub fn agency_offset(conn: &mut DbConnection, agency_id: Uuid) -> Result<chrono::FixedOffset, StoreError> {
    let tz: TimeZone =
        agencies::table.find(crate::key::bind(AgencyId::from(agency_id))).select(agencies::time_zone).first(conn)?;
    Ok(tz.offset())
}

/// The agency's date at `now`, in the agency's own time zone.
pub fn agency_today(conn: &mut DbConnection, agency_id: Uuid, now: DateTime<Utc>) -> Result<NaiveDate, StoreError> {
    Ok(now.with_timezone(&agency_offset(conn, agency_id)?).date_naive())
}

/// The agency's whole chart at `now` (acting assignments of the agency's current date): every
/// position with its holders and acting official, and every unit, in two round trips whatever
/// the depth.
pub fn load(conn: &mut DbConnection, agency_id: Uuid, now: DateTime<Utc>) -> Result<OrgChart, StoreError> {
    let day = agency_today(conn, agency_id, now)?;
    let rows: Vec<ChartRow> =
        prepared::sql(&WHOLE_CHART).bind::<Date, _>(day).bind::<Text, _>(agency_id.to_string()).load(conn)?;
    let units: Vec<UnitRow> = prepared::sql("SELECT id, parent_id FROM org_units WHERE agency_id = $1")
        .bind::<Text, _>(agency_id.to_string())
        .load(conn)?;
    Ok(build(rows, units))
}

/// The part of the agency's chart at `now` around `employee_id`: their posts up to the top
/// (who supervises them and who is above them) and the structural posts of their unit's
/// ancestry (who heads them), at a cost that grows with the depth of the trees, not the size of
/// the agency. (Subordinates need the whole chart: [`load`].)
pub fn load_upward(
    conn: &mut DbConnection,
    agency_id: Uuid,
    employee_id: Uuid,
    now: DateTime<Utc>,
) -> Result<OrgChart, StoreError> {
    let day = agency_today(conn, agency_id, now)?;
    let rows: Vec<ChartRow> =
        prepared::sql(&AROUND_EMPLOYEE).bind::<Text, _>(employee_id.to_string()).bind::<Date, _>(day).load(conn)?;
    let units: Vec<UnitRow> =
        prepared::sql(&UNITS_UP_FROM_EMPLOYEE).bind::<Text, _>(employee_id.to_string()).load(conn)?;
    Ok(build(rows, units))
}

/// The part of the agency's chart at `now` around a unit: the unit's ancestry and the structural
/// posts in it (who heads the unit or a unit above it).
pub fn load_around_unit(
    conn: &mut DbConnection,
    agency_id: Uuid,
    unit_id: Uuid,
    now: DateTime<Utc>,
) -> Result<OrgChart, StoreError> {
    let day = agency_today(conn, agency_id, now)?;
    let rows: Vec<ChartRow> = prepared::sql(&AROUND_UNIT)
        .bind::<Key<OrgUnitId>, _>(crate::key::bind(OrgUnitId::from(unit_id)))
        .bind::<Date, _>(day)
        .load(conn)?;
    let units: Vec<UnitRow> = prepared::sql(&UNITS_UP_FROM_UNIT)
        .bind::<Key<OrgUnitId>, _>(crate::key::bind(OrgUnitId::from(unit_id)))
        .load(conn)?;
    Ok(build(rows, units))
}

fn build(rows: Vec<ChartRow>, units: Vec<UnitRow>) -> OrgChart {
    let mut positions: HashMap<Uuid, ChartPosition> = HashMap::new();
    for row in rows {
        let id = row.position_id.uuid();
        let entry = positions.entry(id).or_insert_with(|| ChartPosition {
            position_id: id,
            supervisor_position_id: row.supervisor_position_id.map(PositionId::uuid),
            holders: Vec::new(),
            acting: None,
            org_unit_id: row.org_unit_id.uuid(),
            structural: row.position_type.is_structural(),
            supervisor_unit_id: row.supervisor_unit_id.map(OrgUnitId::uuid),
        });
        if let Some(h) = row.holder_id.map(EmployeeId::uuid) {
            if !entry.holders.contains(&h) {
                entry.holders.push(h);
            }
        }
        if let (Some(e), Some(k)) = (row.acting_employee_id.map(EmployeeId::uuid), row.acting_kind) {
            entry.acting = Some((e, k));
        }
    }
    for p in positions.values_mut() {
        p.holders.sort();
    }
    let units =
        units.into_iter().map(|u| ChartUnit { unit_id: u.id.uuid(), parent_id: u.parent_id.map(OrgUnitId::uuid) });
    OrgChart::new(positions.into_values(), units)
}
