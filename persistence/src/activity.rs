//! A post's catalogue of activities (uraian tugas), each with its output unit and standard time
//! (norma waktu): what the standard-time method of workload analysis weighs accepted output by
//! (workforce.md, ABK by PermenPANRB 1/2020).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use ekinerja_domain::access::Area;
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

/// Adds an activity to a post's catalogue (the agency admin: the agency's structure). A post
/// names each activity once.
pub fn create(
    conn: &mut DbConnection,
    change: &Change,
    position_id: Uuid,
    new: NewActivity,
) -> Result<Activity, StoreError> {
    let post = crate::position::get(conn, &change.caller, position_id)?;
    crate::access::require_agency(
        conn,
        &change.caller,
        post.agency_id.uuid(),
        Area::Structure,
        ekinerja_domain::access::Access::Write,
    )?;
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
            "create",
            "position_activity",
            row.id,
            None::<&()>,
            Some(&row),
        )?;
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
