//! Many employees registered at once, each with their own account, for a loader that brings a
//! whole regency (the demo, the benchmark's regency). Each passes the checks of
//! [`super::create`] and [`crate::account::create`], by the same functions; what they read is
//! loaded for the whole set in a few statements, and the rows and their audit events are written
//! many to a statement (issue 19).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use diesel::prelude::*;
use ekinerja_domain::access::Area;
use ekinerja_domain::audit::{AuditAction, AuditEntity};
use ekinerja_domain::id::{AgencyId, EmployeeId, PositionId};
use ekinerja_domain::{AccountRole, PositionType};

use super::{new_row, nip_free, post_free, post_in, Employee, NewEmployee};
use crate::account::{self, Account, NewAccount};
use crate::schema::{accounts, employees, positions};
use crate::{audit, Change, DbConnection, StoreError};

/// An employee to register, and the password hash of their own account (`None`: no account).
#[derive(Debug, Clone)]
pub struct Hire {
    pub employee: NewEmployee,
    pub password_hash: Option<String>,
}

/// Ids and NIPs asked for with `IN`, per statement.
const PER_STATEMENT: usize = 500;
/// Rows per insert on PostgreSQL: under its 65,535 bound values.
const ROWS_PER_STATEMENT: usize = 1_000;

/// Registers every employee of `hires` (and their accounts) in one write transaction, or none: a
/// refused one refuses the load, with the error the API would give. Answers each as stored, in
/// the order given.
pub fn hire(
    conn: &mut DbConnection,
    change: &Change,
    hires: Vec<Hire>,
) -> Result<Vec<(Employee, Option<Account>)>, StoreError> {
    // What a create asks of the caller, once for each agency.
    let agencies: BTreeSet<uuid::Uuid> = hires.iter().map(|h| h.employee.agency_id).collect();
    for agency in &agencies {
        crate::agency::writable(conn, &change.caller, *agency, Area::EmployeeRecord)?;
    }
    crate::db::write(conn, |conn| {
        let posts: Vec<PositionId> =
            hires.iter().filter_map(|h| h.employee.position_id.map(PositionId::from)).collect();
        // Every writer of a post's holders holds the post's row, as a create does.
        crate::db::lock_rows(conn, crate::db::LockTable::Positions, &posts)?;
        let facts = Facts::read(conn, &hires, &posts)?;
        let mut nips: HashSet<String> = HashSet::new();
        let mut holders: HashMap<PositionId, String> = facts.holders;
        let mut stored = Vec::with_capacity(hires.len());
        let mut issued: HashSet<AgencyId> = HashSet::new();
        let mut events = Vec::with_capacity(hires.len() * 2);
        for h in hires {
            let new = h.employee;
            let agency = AgencyId::from(new.agency_id);
            nip_free(&new.nip, facts.taken.contains(new.nip.as_str()) || !nips.insert(new.nip.as_str().to_owned()))?;
            if let Some(p) = new.position_id.map(PositionId::from) {
                if post_in(facts.posts.get(&p).copied(), agency)? {
                    post_free(holders.get(&p).map(String::as_str))?;
                    holders.insert(p, new.nip.as_str().to_owned());
                }
            }
            let row = new_row(change, new);
            events.push(audit::event(
                change,
                Some(row.agency_id),
                AuditAction::Create,
                AuditEntity::Employee,
                row.id,
                None::<&()>,
                Some(&row),
            ));
            let account = match h.password_hash {
                None => None,
                Some(password_hash) => {
                    let new = NewAccount {
                        agency_id: Some(agency.uuid()),
                        employee_id: Some(row.id.uuid()),
                        username: None,
                        role: AccountRole::Employee,
                        password_hash,
                    };
                    // The checks of issuing an employee's account depend on the caller and the
                    // agency alone; the employee is new, in that agency, with no account yet.
                    if !issued.contains(&agency) {
                        account::check_issue(conn, &change.caller, &new)?;
                        issued.insert(agency);
                    }
                    let account = account::new_row(change, new);
                    events.push(audit::event(
                        change,
                        account.agency_id,
                        AuditAction::Create,
                        AuditEntity::Account,
                        account.id,
                        None::<&()>,
                        Some(&account),
                    ));
                    Some(account)
                }
            };
            stored.push((row, account));
        }
        let rows: Vec<Employee> = stored.iter().map(|(e, _)| e.clone()).collect();
        let accounts: Vec<Account> = stored.iter().filter_map(|(_, a)| a.clone()).collect();
        crate::db::insert_all!(conn, employees::table, rows, ROWS_PER_STATEMENT);
        crate::db::insert_all!(conn, accounts::table, accounts, ROWS_PER_STATEMENT);
        // Agencies in id order, so two loads never wait on each other's roster numbers in a cycle.
        let mut by_agency: BTreeMap<AgencyId, Vec<EmployeeId>> = BTreeMap::new();
        for (e, _) in &stored {
            by_agency.entry(e.agency_id).or_default().push(e.id);
        }
        for (agency, ids) in by_agency {
            crate::roster::touch(conn, agency, &ids)?;
        }
        audit::record_all(conn, events)?;
        Ok(stored)
    })
}

/// What the checks of a load read, for all its employees at once.
struct Facts {
    /// The NIPs already registered.
    taken: HashSet<String>,
    /// The posts named: agency and type.
    posts: HashMap<PositionId, (AgencyId, PositionType)>,
    /// The active holder (by NIP) of each structural post named.
    holders: HashMap<PositionId, String>,
}

impl Facts {
    fn read(conn: &mut DbConnection, hires: &[Hire], posts: &[PositionId]) -> Result<Self, StoreError> {
        let nips: Vec<String> = hires.iter().map(|h| h.employee.nip.as_str().to_owned()).collect();
        let mut taken = HashSet::new();
        for chunk in nips.chunks(PER_STATEMENT) {
            let found: Vec<String> =
                employees::table.filter(employees::nip.eq_any(chunk)).select(employees::nip).load(conn)?;
            taken.extend(found);
        }
        let mut named = posts.to_vec();
        named.sort();
        named.dedup();
        let mut found_posts = HashMap::new();
        let mut holders = HashMap::new();
        for chunk in named.chunks(PER_STATEMENT) {
            let ids = || crate::key::binds(chunk.to_vec());
            let found: Vec<(PositionId, (AgencyId, PositionType))> = positions::table
                .filter(positions::id.eq_any(ids()))
                .select((positions::id, (positions::agency_id, positions::position_type)))
                .load(conn)?;
            found_posts.extend(found);
            let held: Vec<(Option<PositionId>, String)> = employees::table
                .filter(employees::position_id.eq_any(ids()))
                .filter(employees::active.eq(true))
                .select((employees::position_id, employees::nip))
                .load(conn)?;
            holders.extend(held.into_iter().filter_map(|(p, nip)| p.map(|p| (p, nip))));
        }
        Ok(Facts { taken, posts: found_posts, holders })
    }
}
