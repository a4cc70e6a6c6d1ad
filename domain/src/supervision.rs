//! Who supervises whom, from the position tree.
//!
//! The direct supervisor (atasan langsung, the pejabat penilai of PP 30/2019 and PermenPANRB
//! 6/2022) of an employee is the official in the supervising position of the employee's
//! position. While a Plt/Plh assignment covers that post, the acting official is the supervisor.
//! A vacant post with nobody acting passes the duty to the next post up, so nobody is left
//! without a supervisor because a chair is empty.
//!
//! The caller loads the agency's chart in one query and passes it in; everything here is
//! in-memory, so any depth costs the same single round trip.

use std::collections::{HashMap, HashSet};
use uuid::Uuid;

use crate::ActingKind;

/// One position of the chart as loaded for a given day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartPosition {
    /// The position.
    pub position_id: Uuid,
    /// Its supervising position, if any (the top of the agency has none).
    pub supervisor_position_id: Option<Uuid>,
    /// Active employees holding it (one for a structural post, any number for staff posts).
    pub holders: Vec<Uuid>,
    /// The acting official on the day the chart was loaded, if any.
    pub acting: Option<(Uuid, ActingKind)>,
}

/// The official who supervises someone, and on what footing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Official {
    /// The supervising employee.
    pub employee_id: Uuid,
    /// The post they supervise from.
    pub position_id: Uuid,
    /// `Some` when they act in the post (Plt/Plh) rather than hold it.
    pub acting: Option<ActingKind>,
}

/// The agency's position tree on one day.
#[derive(Debug, Default)]
pub struct OrgChart {
    positions: HashMap<Uuid, ChartPosition>,
    position_of_employee: HashMap<Uuid, Uuid>,
}

impl OrgChart {
    /// Builds the chart from the loaded positions.
    pub fn new(positions: impl IntoIterator<Item = ChartPosition>) -> Self {
        let positions: HashMap<Uuid, ChartPosition> = positions.into_iter().map(|p| (p.position_id, p)).collect();
        let position_of_employee =
            positions.values().flat_map(|p| p.holders.iter().map(move |e| (*e, p.position_id))).collect();
        OrgChart { positions, position_of_employee }
    }

    /// The official in a post: the acting official where one is set, else the holder.
    fn official_in(&self, position_id: Uuid) -> Option<Official> {
        let p = self.positions.get(&position_id)?;
        if let Some((employee_id, kind)) = p.acting {
            return Some(Official { employee_id, position_id, acting: Some(kind) });
        }
        p.holders.first().map(|e| Official { employee_id: *e, position_id, acting: None })
    }

    /// The supervisor of whoever holds `position_id`: the first official found going up the
    /// supervising posts, skipping vacant ones. A cycle (refused on write, but never trusted
    /// here) ends the walk.
    pub fn supervisor_of_position(&self, position_id: Uuid) -> Option<Official> {
        let mut seen = HashSet::from([position_id]);
        let mut current = self.positions.get(&position_id)?.supervisor_position_id;
        while let Some(up) = current {
            if !seen.insert(up) {
                return None;
            }
            if let Some(official) = self.official_in(up) {
                return Some(official);
            }
            current = self.positions.get(&up)?.supervisor_position_id;
        }
        None
    }

    /// The direct supervisor of an employee. An acting official is never their own supervisor:
    /// the walk goes on above them.
    pub fn supervisor_of(&self, employee_id: Uuid) -> Option<Official> {
        let mut position = *self.position_of_employee.get(&employee_id)?;
        for _ in 0..=self.positions.len() {
            let official = self.supervisor_of_position(position)?;
            if official.employee_id != employee_id {
                return Some(official);
            }
            position = official.position_id;
        }
        None
    }

    /// The chain of supervisors from the direct one to the top, without repeats.
    pub fn chain_of(&self, employee_id: Uuid) -> Vec<Official> {
        let mut chain: Vec<Official> = Vec::new();
        let mut seen = HashSet::from([employee_id]);
        let mut current = self.supervisor_of(employee_id);
        while let Some(official) = current {
            if !seen.insert(official.employee_id) {
                break;
            }
            chain.push(official);
            // In a partial chart (loaded upward from one employee) an acting official's own
            // post may be missing: continue from the post they supervise from.
            current = self
                .supervisor_of(official.employee_id)
                .or_else(|| self.supervisor_of_position(official.position_id))
                .filter(|next| next.employee_id != official.employee_id);
        }
        chain
    }

    /// Employees whose direct supervisor is `employee_id`, in no particular order.
    pub fn direct_subordinates_of(&self, employee_id: Uuid) -> Vec<Uuid> {
        self.position_of_employee
            .keys()
            .filter(|e| self.supervisor_of(**e).map(|o| o.employee_id) == Some(employee_id))
            .copied()
            .collect()
    }

    /// Everyone below `employee_id`, at any depth (not including them).
    pub fn everyone_below(&self, employee_id: Uuid) -> HashSet<Uuid> {
        let mut below = HashSet::new();
        let mut frontier = vec![employee_id];
        while let Some(e) = frontier.pop() {
            for s in self.direct_subordinates_of(e) {
                if s != employee_id && below.insert(s) {
                    frontier.push(s);
                }
            }
        }
        below
    }

    /// Whether `supervisor_id` is somewhere in the chain above `employee_id`.
    pub fn is_above(&self, supervisor_id: Uuid, employee_id: Uuid) -> bool {
        self.chain_of(employee_id).iter().any(|o| o.employee_id == supervisor_id)
    }
}

/// Whether making `new_parent` the parent of `node` closes a cycle, given each node's current
/// parent. Used for the org-unit tree and the supervising-position tree alike.
pub fn would_create_cycle(node: Uuid, new_parent: Uuid, parent_of: &HashMap<Uuid, Option<Uuid>>) -> bool {
    let mut seen = HashSet::new();
    let mut current = Some(new_parent);
    while let Some(n) = current {
        if n == node || !seen.insert(n) {
            return true;
        }
        current = parent_of.get(&n).copied().flatten();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    /// Head (P1, E1) → division head (P2, E2) → section head (P3, vacant) → staff (P4: E4, E5).
    fn chart(acting_in_p3: Option<(Uuid, ActingKind)>) -> OrgChart {
        OrgChart::new([
            ChartPosition { position_id: id(1), supervisor_position_id: None, holders: vec![id(101)], acting: None },
            ChartPosition {
                position_id: id(2),
                supervisor_position_id: Some(id(1)),
                holders: vec![id(102)],
                acting: None,
            },
            ChartPosition {
                position_id: id(3),
                supervisor_position_id: Some(id(2)),
                holders: vec![],
                acting: acting_in_p3,
            },
            ChartPosition {
                position_id: id(4),
                supervisor_position_id: Some(id(3)),
                holders: vec![id(104), id(105)],
                acting: None,
            },
        ])
    }

    #[test]
    fn a_vacant_post_passes_supervision_up() {
        let c = chart(None);
        assert_eq!(c.supervisor_of(id(104)).map(|o| o.employee_id), Some(id(102)));
        assert_eq!(c.supervisor_of(id(102)).map(|o| o.employee_id), Some(id(101)));
        assert_eq!(c.supervisor_of(id(101)), None);
        let chain: Vec<_> = c.chain_of(id(105)).iter().map(|o| o.employee_id).collect();
        assert_eq!(chain, [id(102), id(101)]);
        let mut subs = c.direct_subordinates_of(id(102));
        subs.sort();
        assert_eq!(subs, [id(104), id(105)]);
        assert!(c.is_above(id(101), id(104)));
        assert_eq!(c.everyone_below(id(101)), HashSet::from([id(102), id(104), id(105)]));
        assert!(c.everyone_below(id(104)).is_empty());
        assert!(!c.is_above(id(104), id(101)));
    }

    #[test]
    fn an_acting_official_supervises_while_assigned() {
        // E104 is Plt of the vacant section head post: E105 now reports to E104, and E104 does
        // not supervise themself but reports to E102.
        let c = chart(Some((id(104), ActingKind::Plt)));
        let sup = c.supervisor_of(id(105)).unwrap();
        assert_eq!((sup.employee_id, sup.acting), (id(104), Some(ActingKind::Plt)));
        assert_eq!(c.supervisor_of(id(104)).map(|o| o.employee_id), Some(id(102)));
        assert_eq!(c.direct_subordinates_of(id(104)), [id(105)]);
    }

    #[test]
    fn cycles_are_detected() {
        let parents = HashMap::from([(id(1), None), (id(2), Some(id(1))), (id(3), Some(id(2)))]);
        assert!(would_create_cycle(id(1), id(3), &parents));
        assert!(would_create_cycle(id(2), id(2), &parents));
        assert!(!would_create_cycle(id(3), id(1), &parents));
    }
}
