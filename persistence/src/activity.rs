//! A post's catalogue of activities (uraian tugas), each with its output unit and standard time
//! (norma waktu): what the standard-time method of workload analysis weighs accepted output by
//! (workforce.md, ABK by PermenPANRB 1/2020).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use ekinerja_domain::access::Area;
use ekinerja_domain::audit::{AuditAction, AuditEntity};
use ekinerja_domain::id::{AgencyId, PositionActivityId, PositionId};
use ekinerja_domain::{Caller, Name};
use serde::Serialize;
use uuid::Uuid;

use crate::schema::position_activities;
use crate::{audit, Change, DbConnection, StoreError};

/// An activity of a post.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = position_activities, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Activity {
    #[diesel(serialize_as = crate::key::Bind<PositionActivityId>)]
    pub id: PositionActivityId,
    #[diesel(serialize_as = crate::key::Bind<AgencyId>)]
    pub agency_id: AgencyId,
    #[diesel(serialize_as = crate::key::Bind<PositionId>)]
    pub position_id: PositionId,
    pub name: String,
    pub output_unit: String,
    /// Minutes per output.
    pub standard_minutes: i32,
    pub created_at: NaiveDateTime,
}

/// A new activity, already validated.
#[derive(Debug, Clone)]
pub struct NewActivity {
    pub name: Name,
    pub output_unit: Name,
    pub standard_minutes: i32,
}

/// Stores a new activity of `post`, with its audit record.
fn insert(
    conn: &mut DbConnection,
    change: &Change,
    post: &crate::position::Position,
    new: &NewActivity,
) -> Result<Activity, StoreError> {
    let row = Activity {
        id: crate::key::new(),
        agency_id: post.agency_id,
        position_id: post.id,
        name: new.name.as_str().to_owned(),
        output_unit: new.output_unit.as_str().to_owned(),
        standard_minutes: new.standard_minutes,
        created_at: change.at,
    };
    diesel::insert_into(position_activities::table).values(row.clone()).execute(conn)?;
    audit::record(
        conn,
        change,
        Some(post.agency_id),
        AuditAction::Create,
        AuditEntity::PositionActivity,
        row.id,
        None::<&()>,
        Some(&row),
    )?;
    Ok(row)
}

/// The post whose catalogue the caller changes: the agency admin's, as the agency's structure.
fn post_to_change(
    conn: &mut DbConnection,
    change: &Change,
    position_id: Uuid,
) -> Result<crate::position::Position, StoreError> {
    let post = crate::position::get(conn, &change.caller, position_id)?;
    crate::access::require_agency(
        conn,
        &change.caller,
        post.agency_id.uuid(),
        Area::Structure,
        ekinerja_domain::access::Access::Write,
    )?;
    Ok(post)
}

/// The most refused cells one import reports.
pub const MAX_IMPORT_ERRORS: usize = 1000;

/// What an import of a catalogue did, or (dry run) would do.
#[derive(Debug, Clone, Serialize)]
pub struct CatalogueImport {
    pub dry_run: bool,
    /// Data lines read.
    pub rows: usize,
    /// Activities added (none on a dry run or with errors).
    pub created: usize,
    /// Every refused cell; when not empty, nothing was stored.
    pub errors: Vec<crate::import::RowError>,
}

/// Imports activities into a post's catalogue from a file, all or nothing (the agency admin: the
/// agency's structure). `lines` holds each line read well (its activity checked), with its line
/// number; `errors` the cells refused while reading. A name the post already has, or a name given twice in the file,
/// is refused on its line (column `uraian_tugas`); one refused cell stores nothing.
pub fn import(
    conn: &mut DbConnection,
    change: &Change,
    position_id: Uuid,
    lines: Vec<(u64, NewActivity)>,
    mut errors: Vec<crate::import::RowError>,
    dry_run: bool,
) -> Result<CatalogueImport, StoreError> {
    let post = post_to_change(conn, change, position_id)?;
    let rows = lines.len() + errors.iter().map(|e| e.line).collect::<std::collections::HashSet<_>>().len();
    crate::db::write(conn, |conn| {
        let taken: std::collections::HashSet<String> = position_activities::table
            .filter(position_activities::position_id.eq(crate::key::bind(post.id)))
            .select(position_activities::name)
            .load::<String>(conn)?
            .into_iter()
            .collect();
        let mut seen: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
        let mut new_rows = Vec::with_capacity(lines.len());
        for (line, a) in lines {
            let bad = |detail: String| crate::import::RowError { line, column: "uraian_tugas".to_owned(), detail };
            let name = a.name.as_str().to_owned();
            if taken.contains(&name) {
                errors.push(bad("the post already has this activity".to_owned()));
                continue;
            }
            if let Some(first) = seen.insert(name.clone(), line) {
                errors.push(bad(format!("the activity is already on line {first}")));
                continue;
            }
            new_rows.push(a);
        }
        errors.sort_by(|a, b| (a.line, &a.column).cmp(&(b.line, &b.column)));
        errors.truncate(MAX_IMPORT_ERRORS);
        if !errors.is_empty() || dry_run {
            return Ok(CatalogueImport { dry_run, rows, created: 0, errors });
        }
        for a in &new_rows {
            insert(conn, change, &post, a)?;
        }
        Ok(CatalogueImport { dry_run, rows, created: new_rows.len(), errors })
    })
}

/// Adds an activity to a post's catalogue (the agency admin: the agency's structure). A post
/// names each activity once.
pub fn create(
    conn: &mut DbConnection,
    change: &Change,
    position_id: Uuid,
    new: NewActivity,
) -> Result<Activity, StoreError> {
    let post = post_to_change(conn, change, position_id)?;
    if !ekinerja_domain::workload::STANDARD_MINUTES.contains(&new.standard_minutes) {
        return Err(StoreError::invalid("standard_minutes", "must be from 1 to 100,000 minutes per output"));
    }
    crate::db::write(conn, |conn| {
        let taken: i64 = position_activities::table
            .filter(position_activities::position_id.eq(crate::key::bind(post.id)))
            .filter(position_activities::name.eq(new.name.as_str()))
            .count()
            .get_result(conn)?;
        if taken > 0 {
            return Err(StoreError::Conflict(format!("the post already has the activity {:?}", new.name.as_str())));
        }
        let row = insert(conn, change, &post, &new)?;
        Ok(row)
    })
}

/// A post's catalogue, by name (anyone of its agency).
pub fn list(conn: &mut DbConnection, caller: &Caller, position_id: Uuid) -> Result<Vec<Activity>, StoreError> {
    let post = crate::position::get(conn, caller, position_id)?;
    Ok(position_activities::table
        .filter(position_activities::position_id.eq(crate::key::bind(post.id)))
        .order((position_activities::name.asc(), position_activities::id.asc()))
        .select(Activity::as_select())
        .load(conn)?)
}
