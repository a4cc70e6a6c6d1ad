//! Many logs at once, for a loader that brings a whole history (the demo regency). Each log
//! passes the checks of a create and each decision those of a review, by the same functions, but
//! what they read is loaded for the whole set in a few statements, and the rows, their days,
//! notifications and audit events are written many to a statement: on PostgreSQL such a load is
//! bound by round trips, a dozen per log through [`super::create_many`] and [`super::review_many`]
//! (issue 19).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Date, Double, Integer, Nullable, Text, Timestamp};
use ekinerja_domain::access::{Access, Area, Subject};
use ekinerja_domain::agreement::AgreementStatus;
use ekinerja_domain::daily_log::{check_date, check_day, Decision, LogStatus, Span};
use ekinerja_domain::id::{
    AgencyId, DailyLogId, EmployeeId, OrgUnitId, PlannedResultId, PositionActivityId, PositionId,
};
use ekinerja_domain::supervision::OrgChart;
use ekinerja_domain::Actor;
use uuid::Uuid;

use super::{
    activity_held, apply, check_open, closed_on, decided, log_error, new_row, policy, served, span_of, DailyLog,
    Escalation, LogInput, Policies, ServedAgreement, Serves,
};
use crate::key::Key;
use crate::schema::{agreements, daily_logs, employees, planned_results, position_activities};
use crate::word::Word;
use crate::{access, audit, chart, db::Backend, Change, DbConnection, StoreError};

/// One log of a load: its owner's own work, and the decision made on it, if any.
#[derive(Debug, Clone)]
pub struct Load {
    /// The owner's change: they record their own work.
    pub change: Change,
    pub input: LogInput,
    /// The reviewer's change, their decision and its reason.
    pub review: Option<(Change, Decision, Option<String>)>,
}

/// Values in one statement stay under SQLite's limit of 32,766 bound values and PostgreSQL's of
/// 65,535; ids asked for with `IN` go in lists of this size too.
const IDS_PER_STATEMENT: usize = 500;
/// Rows in one insert: 26 values each.
const LOGS_PER_STATEMENT: usize = 400;

/// Records every log of `logs` (and its decision) in one write transaction, or none: a refused
/// log or decision refuses the load, with the error the API would give (a loader's data is
/// meant to be right). Answers how many logs were stored.
pub fn load(conn: &mut DbConnection, logs: Vec<Load>, now: DateTime<Utc>) -> Result<usize, StoreError> {
    crate::db::write(conn, |conn| load_in(conn, logs, now))
}

fn load_in(conn: &mut DbConnection, logs: Vec<Load>, now: DateTime<Utc>) -> Result<usize, StoreError> {
    // Whose each log is, by the rule for a log of one's own work.
    let mut owners = Vec::with_capacity(logs.len());
    for l in &logs {
        let me = access::own_record(&l.change.caller, Area::DailyLogWrite)?;
        owners.push(EmployeeId::from(me));
    }
    // Change numbers: one for each log and each decision, taken per employee in employee order
    // (which also locks their rows, as every writer of their logs does).
    let mut changes: BTreeMap<EmployeeId, i64> = BTreeMap::new();
    for (l, owner) in logs.iter().zip(&owners) {
        *changes.entry(*owner).or_default() += 1 + i64::from(l.review.is_some());
    }
    let mut next_seq: HashMap<EmployeeId, (AgencyId, i64)> = HashMap::new();
    for (employee, count) in &changes {
        let (agency, active, last): (AgencyId, bool, i64) =
            diesel::update(employees::table.find(crate::key::bind(*employee)))
                .set(employees::log_change_seq.eq(employees::log_change_seq + *count))
                .returning((employees::agency_id, employees::active, employees::log_change_seq))
                .get_result(conn)?;
        if !active {
            return Err(StoreError::Forbidden("the employee is no longer active".into()));
        }
        next_seq.insert(*employee, (agency, last - count + 1));
    }
    let people: Vec<EmployeeId> = changes.into_keys().collect();
    let facts = Facts::read(conn, &logs, &people, now)?;
    let mut policies = Policies::new();
    let mut charts: HashMap<EmployeeId, OrgChart> = HashMap::new();
    let mut actors: HashMap<Uuid, Actor> = HashMap::new();
    let mut escalations: HashMap<AgencyId, Escalation> = HashMap::new();
    let mut day_spans: HashMap<(EmployeeId, NaiveDate), Vec<Span>> = facts.stored_spans;
    // What the rule is given for a reviewer who cannot see the agency: no chart at all.
    let hidden = OrgChart::default();
    let mut created = Vec::with_capacity(logs.len());
    let mut reviewed = Vec::new();
    for (l, owner) in logs.into_iter().zip(owners) {
        let (agency, seq) = next_seq.get_mut(&owner).ok_or(StoreError::NotFound)?;
        let agency = *agency;
        let (tz, cap, closed, top) = policy(conn, &mut policies, agency)?;
        let input = &l.input;
        check_open(input.date, &closed)?;
        let today = now.with_timezone(&tz.offset()).date_naive();
        let (range, served_post) = match input.serves {
            Serves::AdditionalDuty => (None, None),
            Serves::Result(r) => served(facts.planned.get(&PlannedResultId::from(r)).copied(), owner)?,
        };
        if let Some(a) = input.activity {
            let found = facts.activities.get(&PositionActivityId::from(a)).copied();
            activity_held(found, agency, served_post, || {
                let covering: Vec<PositionId> = facts
                    .approved
                    .get(&owner)
                    .into_iter()
                    .flatten()
                    .filter(|(from, to, _)| *from <= input.date && input.date <= *to)
                    .map(|(_, _, post)| *post)
                    .collect();
                Ok((covering, facts.posts.get(&owner).copied().flatten()))
            })?;
        }
        check_date(input.date, today, range).map_err(log_error)?;
        let others = day_spans.entry((owner, input.date)).or_default();
        check_day(&input.span, others, u32::try_from(cap).unwrap_or(0)).map_err(log_error)?;
        others.push(input.span);
        // The part of the chart a create and a review read: from the owner up, once per owner.
        let chart = match charts.entry(owner) {
            std::collections::hash_map::Entry::Occupied(c) => c.into_mut(),
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(chart::load_upward(conn, agency.uuid(), owner.uuid(), now)?)
            }
        };
        let status = if top && ekinerja_domain::access::top_of_chain(chart, owner.uuid()) {
            LogStatus::Accepted
        } else {
            LogStatus::Submitted
        };
        let mut row = new_row(&l.change, agency, owner, status, *seq);
        *seq += 1;
        apply(&mut row, l.input);
        if let Some((reviewer, decision, reason)) = l.review {
            // As a review: the reviewer's standing to this log, escalated or not, on an open day.
            let escalation = match escalations.entry(agency) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(Escalation::load(conn, agency.uuid(), facts.earliest, now)?)
                }
            };
            let review_escalated = row.status == LogStatus::Submitted
                && escalation.escalated(&row, chart.unit_of(owner.uuid()).map(OrgUnitId::from));
            // A decision comes after the log it decides, as the API's server time makes it.
            if reviewer.at < row.created_at {
                return Err(StoreError::invalid("review", "a decision cannot come before its log was recorded"));
            }
            // The reviewer's grants, read once for each caller the load names.
            let id = reviewer.caller.account_id;
            if actors.get(&id).is_none_or(|a| a.caller != reviewer.caller) {
                actors.insert(id, access::actor(conn, &reviewer.caller)?);
            }
            let actor = actors.get(&id).ok_or(StoreError::NotFound)?;
            let subject = Subject::DailyLog { agency: agency.uuid(), employee: owner.uuid(), review_escalated };
            let visible = if reviewer.caller.can_see_agency(agency.uuid()) { &*chart } else { &hidden };
            let standing = ekinerja_domain::access::standing(actor, visible, subject);
            access::decision_to_result(standing.decide(Area::DailyLogReview, Access::Write))?;
            if let Some(why) = closed_on(row.log_date, &closed) {
                return Err(StoreError::Conflict(why));
            }
            let mut after = decided(&row, &reviewer, decision, reason)?;
            after.change_seq = *seq;
            *seq += 1;
            // A log rejected here no longer counts against the later logs of its day, as after a
            // rejection through the API (its span is the last one added to the day).
            if after.status == LogStatus::Rejected {
                if let Some(spans) = day_spans.get_mut(&(owner, row.log_date)) {
                    spans.pop();
                }
            }
            reviewed.push((reviewer, row.clone(), after, decision));
        }
        created.push((l.change, row));
    }
    // The rows as they stand after their decisions, their days, then notifications and the audit
    // trail (every employee's row is locked by now).
    let mut rows: HashMap<DailyLogId, &DailyLog> = created.iter().map(|(_, r)| (r.id, r)).collect();
    for (_, _, after, _) in &reviewed {
        rows.insert(after.id, after);
    }
    let mut finals: Vec<&DailyLog> = rows.into_values().collect();
    finals.sort_by_key(|r| (r.employee_id, r.change_seq));
    for chunk in finals.chunks(LOGS_PER_STATEMENT) {
        insert_rows(conn, chunk)?;
    }
    let days: Vec<(Option<&DailyLog>, &DailyLog)> = finals.iter().map(|r| (None, *r)).collect();
    crate::log_day::record(conn, &days)?;
    let mut events = Vec::with_capacity(created.len() + reviewed.len());
    for (change, row) in &created {
        events.push(super::created_event(change, row));
    }
    events.extend(super::reviewed_events(conn, &reviewed)?);
    audit::record_all(conn, events)?;
    Ok(created.len())
}

/// A stored log's employee, day, start, end and minutes.
type StoredSpan = (EmployeeId, NaiveDate, Option<String>, Option<String>, i32);

/// What the checks of a load read, for all its logs at once.
struct Facts {
    /// Planned results the logs serve, with their agreements.
    planned: HashMap<PlannedResultId, ServedAgreement>,
    /// Activities the logs name: their agency and post.
    activities: HashMap<PositionActivityId, (AgencyId, PositionId)>,
    /// Each owner's approved agreements: from, to, post.
    approved: HashMap<EmployeeId, Vec<(NaiveDate, NaiveDate, PositionId)>>,
    /// Each owner's post now.
    posts: HashMap<EmployeeId, Option<PositionId>>,
    /// The owners' stored logs that are not rejected, by day, on the days of the load.
    stored_spans: HashMap<(EmployeeId, NaiveDate), Vec<Span>>,
    /// The earliest day a decided log may have been submitted on (for the escalation calendar).
    earliest: NaiveDate,
}

impl Facts {
    fn read(
        conn: &mut DbConnection,
        logs: &[Load],
        people: &[EmployeeId],
        now: DateTime<Utc>,
    ) -> Result<Self, StoreError> {
        let mut results: Vec<PlannedResultId> = logs
            .iter()
            .filter_map(|l| match l.input.serves {
                Serves::Result(r) => Some(PlannedResultId::from(r)),
                Serves::AdditionalDuty => None,
            })
            .collect();
        results.sort();
        results.dedup();
        let mut planned = HashMap::new();
        for chunk in results.chunks(IDS_PER_STATEMENT) {
            let found: Vec<(PlannedResultId, ServedAgreement)> = planned_results::table
                .inner_join(agreements::table)
                .filter(planned_results::id.eq_any(crate::key::binds(chunk.to_vec())))
                .select((
                    planned_results::id,
                    (
                        agreements::employee_id,
                        agreements::status,
                        agreements::starts_on,
                        agreements::ends_on,
                        agreements::position_id,
                    ),
                ))
                .load(conn)?;
            planned.extend(found);
        }
        let mut named: Vec<PositionActivityId> =
            logs.iter().filter_map(|l| l.input.activity.map(PositionActivityId::from)).collect();
        named.sort();
        named.dedup();
        let mut activities = HashMap::new();
        for chunk in named.chunks(IDS_PER_STATEMENT) {
            let found: Vec<(PositionActivityId, (AgencyId, PositionId))> = position_activities::table
                .filter(position_activities::id.eq_any(crate::key::binds(chunk.to_vec())))
                .select((position_activities::id, (position_activities::agency_id, position_activities::position_id)))
                .load(conn)?;
            activities.extend(found);
        }
        let (from, to) =
            logs.iter().map(|l| l.input.date).fold((NaiveDate::MAX, NaiveDate::MIN), |(a, b), d| (a.min(d), b.max(d)));
        let mut approved: HashMap<EmployeeId, Vec<(NaiveDate, NaiveDate, PositionId)>> = HashMap::new();
        let mut posts = HashMap::new();
        let mut stored_spans: HashMap<(EmployeeId, NaiveDate), Vec<Span>> = HashMap::new();
        for chunk in people.chunks(IDS_PER_STATEMENT) {
            let ids = || crate::key::binds(chunk.to_vec());
            let rows: Vec<(EmployeeId, NaiveDate, NaiveDate, PositionId)> = agreements::table
                .filter(agreements::employee_id.eq_any(ids()))
                .filter(agreements::status.eq(crate::word::bind(AgreementStatus::Approved)))
                .select((agreements::employee_id, agreements::starts_on, agreements::ends_on, agreements::position_id))
                .load(conn)?;
            for (e, a, b, p) in rows {
                approved.entry(e).or_default().push((a, b, p));
            }
            let held: Vec<(EmployeeId, Option<PositionId>)> = employees::table
                .filter(employees::id.eq_any(ids()))
                .select((employees::id, employees::position_id))
                .load(conn)?;
            posts.extend(held);
            let stored: Vec<StoredSpan> = daily_logs::table
                .filter(daily_logs::employee_id.eq_any(ids()))
                .filter(daily_logs::log_date.ge(from))
                .filter(daily_logs::log_date.le(to))
                .filter(daily_logs::status.ne(crate::word::bind(LogStatus::Rejected)))
                .select((
                    daily_logs::employee_id,
                    daily_logs::log_date,
                    daily_logs::start_time,
                    daily_logs::end_time,
                    daily_logs::duration_minutes,
                ))
                .load(conn)?;
            for (e, d, start, end, minutes) in stored {
                stored_spans.entry((e, d)).or_default().push(span_of(start.as_deref(), end.as_deref(), minutes)?);
            }
        }
        // A decided log was submitted when its owner recorded it: the escalation calendar starts
        // the day before the earliest of those, as it does for a single review.
        let earliest = logs
            .iter()
            .filter(|l| l.review.is_some())
            .map(|l| l.change.at.date().pred_opt().unwrap_or(l.change.at.date()))
            .min()
            .unwrap_or(now.date_naive());
        Ok(Facts { planned, activities, approved, posts, stored_spans, earliest })
    }
}

/// Inserts new logs in one statement (diesel's batch insert does not go through a
/// MultiConnection).
fn insert_rows(conn: &mut DbConnection, rows: &[&DailyLog]) -> Result<(), StoreError> {
    const COLUMNS: usize = 26;
    let values = crate::db::values_list(conn, rows.len(), COLUMNS);
    let mut q = diesel::sql_query(format!(
        "INSERT INTO daily_logs (id, agency_id, employee_id, client_id, client_hash, log_date, start_time, \
         end_time, duration_minutes, description, output_quantity, output_unit, evidence_url, latitude, \
         longitude, planned_result_id, additional_duty, status, review_reason, reviewed_by_employee_id, \
         reviewed_at, change_seq, version, created_at, updated_at, activity_id) VALUES {}",
        values
    ))
    .into_boxed::<Backend>();
    for r in rows {
        q = q
            .bind::<Key<DailyLogId>, _>(crate::key::bind(r.id))
            .bind::<Key<AgencyId>, _>(crate::key::bind(r.agency_id))
            .bind::<Key<EmployeeId>, _>(crate::key::bind(r.employee_id))
            .bind::<Nullable<Text>, _>(r.client_id.clone())
            .bind::<Nullable<Text>, _>(r.client_hash.clone())
            .bind::<Date, _>(r.log_date)
            .bind::<Nullable<Text>, _>(r.start_time.clone())
            .bind::<Nullable<Text>, _>(r.end_time.clone())
            .bind::<Integer, _>(r.duration_minutes)
            .bind::<Text, _>(r.description.clone())
            .bind::<BigInt, _>(r.output_quantity)
            .bind::<Nullable<Text>, _>(r.output_unit.clone())
            .bind::<Nullable<Text>, _>(r.evidence_url.clone())
            .bind::<Nullable<Double>, _>(r.latitude)
            .bind::<Nullable<Double>, _>(r.longitude)
            .bind::<Nullable<Key<PlannedResultId>>, _>(r.planned_result_id.map(crate::key::bind))
            .bind::<Bool, _>(r.additional_duty)
            .bind::<Word, _>(crate::word::bind(r.status))
            .bind::<Nullable<Text>, _>(r.review_reason.clone())
            .bind::<Nullable<Key<EmployeeId>>, _>(r.reviewed_by_employee_id.map(crate::key::bind))
            .bind::<Nullable<Timestamp>, _>(r.reviewed_at)
            .bind::<BigInt, _>(r.change_seq)
            .bind::<Integer, _>(r.version)
            .bind::<Timestamp, _>(r.created_at)
            .bind::<Timestamp, _>(r.updated_at)
            .bind::<Nullable<Key<PositionActivityId>>, _>(r.activity_id.map(crate::key::bind));
    }
    q.execute(conn)?;
    Ok(())
}
