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
    /// The unit the post belongs to.
    pub org_unit_id: Uuid,
    /// A structural post (JPT, administrator, pengawas), see
    /// [`crate::PositionType::is_structural`].
    pub structural: bool,
    /// The unit of its supervising post, if it has one.
    pub supervisor_unit_id: Option<Uuid>,
}

impl ChartPosition {
    /// The top structural post of its unit: structural, and supervised from outside the unit (or
    /// from nowhere). Whoever holds or acts in it heads the unit (roles.md, "unit head").
    pub fn heads_its_unit(&self) -> bool {
        self.structural && self.supervisor_unit_id != Some(self.org_unit_id)
    }
}

/// One org unit of the chart: the unit tree, for unit heads' reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChartUnit {
    /// The unit.
    pub unit_id: Uuid,
    /// Its parent unit; `None` for an OPD at the top of the agency.
    pub parent_id: Option<Uuid>,
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

/// The agency's position tree and unit tree on one day, whole or in part.
///
/// A part is enough for a question when it holds what the question walks: for an employee's
/// supervisors, the posts from theirs up to the top; for unit heads, the ancestry of the unit and
/// the structural posts of each unit in it. The loaders in persistence say which part they load.
#[derive(Debug, Default)]
pub struct OrgChart {
    positions: HashMap<Uuid, ChartPosition>,
    position_of_employee: HashMap<Uuid, Uuid>,
    parent_of_unit: HashMap<Uuid, Option<Uuid>>,
    heads_by_unit: HashMap<Uuid, Vec<Official>>,
}

impl OrgChart {
    /// Builds the chart from the loaded positions and units.
    pub fn new(positions: impl IntoIterator<Item = ChartPosition>, units: impl IntoIterator<Item = ChartUnit>) -> Self {
        let positions: HashMap<Uuid, ChartPosition> = positions.into_iter().map(|p| (p.position_id, p)).collect();
        let position_of_employee =
            positions.values().flat_map(|p| p.holders.iter().map(move |e| (*e, p.position_id))).collect();
        let parent_of_unit = units.into_iter().map(|u| (u.unit_id, u.parent_id)).collect();
        let mut heads_by_unit: HashMap<Uuid, Vec<Official>> = HashMap::new();
        for p in positions.values().filter(|p| p.heads_its_unit()) {
            let heads = heads_by_unit.entry(p.org_unit_id).or_default();
            heads.extend(p.holders.iter().map(|e| Official {
                employee_id: *e,
                position_id: p.position_id,
                acting: None,
            }));
            if let Some((e, kind)) = p.acting {
                heads.push(Official { employee_id: e, position_id: p.position_id, acting: Some(kind) });
            }
        }
        OrgChart { positions, position_of_employee, parent_of_unit, heads_by_unit }
    }

    /// The unit of the post an employee holds.
    pub fn unit_of(&self, employee_id: Uuid) -> Option<Uuid> {
        let position = self.position_of_employee.get(&employee_id)?;
        self.positions.get(position).map(|p| p.org_unit_id)
    }

    /// A unit and the units above it, the unit first. A cycle (refused on write) ends the walk.
    pub fn units_up(&self, unit_id: Uuid) -> Vec<Uuid> {
        let mut up = vec![unit_id];
        let mut current = self.parent_of_unit.get(&unit_id).copied().flatten();
        while let Some(u) = current {
            if up.contains(&u) {
                break;
            }
            up.push(u);
            current = self.parent_of_unit.get(&u).copied().flatten();
        }
        up
    }

    /// A unit and every unit below it, at any depth (needs the whole unit tree).
    pub fn units_below(&self, unit_id: Uuid) -> HashSet<Uuid> {
        let mut children: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
        for (u, parent) in &self.parent_of_unit {
            if let Some(p) = parent {
                children.entry(*p).or_default().push(*u);
            }
        }
        let mut below = HashSet::from([unit_id]);
        let mut frontier = vec![unit_id];
        while let Some(u) = frontier.pop() {
            for c in children.get(&u).into_iter().flatten() {
                if below.insert(*c) {
                    frontier.push(*c);
                }
            }
        }
        below
    }

    /// Who heads a unit on the chart's day: whoever holds or acts in its top structural post.
    /// A holder stood in for by a Plh still heads it; so does the Plh, while the assignment runs.
    pub fn heads_of(&self, unit_id: Uuid) -> &[Official] {
        self.heads_by_unit.get(&unit_id).map_or(&[], Vec::as_slice)
    }

    /// The units an employee heads (holding or acting in their top post), in no order.
    pub fn units_headed_by(&self, employee_id: Uuid) -> Vec<Uuid> {
        self.heads_by_unit
            .iter()
            .filter(|(_, heads)| heads.iter().any(|h| h.employee_id == employee_id))
            .map(|(u, _)| *u)
            .collect()
    }

    /// The active employees holding a post in one of `units`.
    pub fn employees_in(&self, units: &HashSet<Uuid>) -> Vec<Uuid> {
        self.position_of_employee
            .iter()
            .filter(|(_, p)| self.positions.get(p).is_some_and(|p| units.contains(&p.org_unit_id)))
            .map(|(e, _)| *e)
            .collect()
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

    /// A post in unit `unit` (U50 the OPD, U51 its division below it).
    fn post(n: u128, up: Option<u128>, unit: u128, holders: &[u128], structural: bool) -> ChartPosition {
        ChartPosition {
            position_id: id(n),
            supervisor_position_id: up.map(id),
            holders: holders.iter().copied().map(id).collect(),
            acting: None,
            org_unit_id: id(unit),
            structural,
            // In these charts P1 sits in U50, every other post in U51.
            supervisor_unit_id: up.map(|u| if u == 1 { id(50) } else { id(51) }),
        }
    }

    /// Head (P1, E1, unit U50) → division head (P2, E2, unit U51 below U50) → section head (P3,
    /// vacant, U51) → staff (P4: E4, E5, U51).
    fn chart(acting_in_p3: Option<(Uuid, ActingKind)>) -> OrgChart {
        let mut p3 = post(3, Some(2), 51, &[], true);
        p3.acting = acting_in_p3;
        OrgChart::new(
            [
                post(1, None, 50, &[101], true),
                post(2, Some(1), 51, &[102], true),
                p3,
                post(4, Some(3), 51, &[104, 105], false),
            ],
            [ChartUnit { unit_id: id(50), parent_id: None }, ChartUnit { unit_id: id(51), parent_id: Some(id(50)) }],
        )
    }

    #[test]
    fn the_top_structural_post_heads_its_unit() {
        let c = chart(None);
        let heads = |u| c.heads_of(id(u)).iter().map(|o| o.employee_id).collect::<Vec<_>>();
        assert_eq!(heads(50), [id(101)]);
        // P2 is supervised from U50, so it tops U51; P3 is supervised from inside U51.
        assert_eq!(heads(51), [id(102)]);
        assert_eq!(c.units_headed_by(id(102)), [id(51)]);
        assert!(c.units_headed_by(id(104)).is_empty());
        assert_eq!(c.unit_of(id(104)), Some(id(51)));
        assert_eq!(c.units_up(id(51)), [id(51), id(50)]);
        assert_eq!(c.units_below(id(50)), HashSet::from([id(50), id(51)]));
        assert_eq!(c.units_below(id(51)), HashSet::from([id(51)]));
        let mut staff = c.employees_in(&HashSet::from([id(51)]));
        staff.sort();
        assert_eq!(staff, [id(102), id(104), id(105)]);
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
