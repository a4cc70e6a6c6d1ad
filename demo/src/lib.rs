//! The demo regency: two agencies, a dozen OPDs, four levels of positions and several hundred
//! employees with valid NIPs, all created through the same persistence functions the API uses,
//! so demo data can never hold what the API would refuse.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use ekinerja_domain::{
    AccountRole, ActingKind, Caller, Code, Description, EmploymentType, GrantedRole, Name, Nip, PositionClass,
    PositionType, TimeZone,
};
use ekinerja_persistence::{
    account, acting, agency, employee, org_unit, position, role_grant, Change, DbConnection, StoreError,
};
use uuid::Uuid;

/// The password of every demo account. Printed at start-up; demo data is for laptops only.
pub const DEMO_PASSWORD: &str = "kinerja-demo-2026";

/// Who to sign in as.
#[derive(Debug, Clone)]
pub struct DemoLogins {
    pub platform_admin: String,
    pub agency_admin: String,
    pub head_of_opd: String,
    /// The head of Dinas Pendidikan, an OPD outside the pilot.
    pub head_of_other_opd: String,
    pub supervisor: String,
    pub staff: String,
    pub other_agency_admin: String,
    /// The Sekda's NIP: their own account holds the leader grant.
    pub sekda: String,
    /// A leader account without an employee record (the region head's office).
    pub leader: String,
    /// The payroll office's account (finance).
    pub finance: String,
    pub employees: usize,
    /// Daily logs written for the pilot OPDs.
    pub daily_logs: usize,
    /// Attendance events of the regency's employees.
    pub attendance_events: usize,
    /// Final evaluations of past quarters in the pilot OPDs.
    pub evaluations: usize,
    /// Leave requests waiting for their supervisor's recommendation.
    pub leave_requests: usize,
}

impl std::fmt::Display for DemoLogins {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "Demo logins (password for all: {DEMO_PASSWORD}):")?;
        writeln!(f, "  platform admin           {}", self.platform_admin)?;
        writeln!(f, "  agency admin (BKPSDM)    {}", self.agency_admin)?;
        writeln!(f, "  head of Dinas Kesehatan  {} (NIP)", self.head_of_opd)?;
        writeln!(f, "  head of Dinas Pendidikan {} (NIP)", self.head_of_other_opd)?;
        writeln!(f, "  a supervisor             {} (NIP)", self.supervisor)?;
        writeln!(f, "  a staff member           {} (NIP)", self.staff)?;
        writeln!(f, "  Sekda (leader grant)     {} (NIP)", self.sekda)?;
        writeln!(f, "  region head's office     {} (leader)", self.leader)?;
        writeln!(f, "  payroll office (BPKAD)   {} (finance)", self.finance)?;
        writeln!(f, "  admin of a 2nd agency    {}", self.other_agency_admin)?;
        write!(
            f,
            "  {} employees in the demo regency; {} daily logs and {} final evaluations in its pilot OPDs; {} attendance \
             events; {} pending leave requests",
            self.employees, self.daily_logs, self.evaluations, self.attendance_events, self.leave_requests
        )
    }
}

/// A small deterministic generator, so every demo database is the same.
struct Dice(u64);

impl Dice {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n.max(1)
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.next(items.len() as u64) as usize]
    }
}

const MALE: &[&str] = &[
    "Agus", "Budi", "Eko", "Joko", "Bambang", "Teguh", "Arif", "Wahyu", "Imam", "Fajar", "Dedi", "Hendra", "Rizki",
    "Andi", "Yusuf", "Slamet",
];
const FEMALE: &[&str] = &[
    "Sari", "Dewi", "Ratna", "Yuni", "Endang", "Siti", "Indah", "Lestari", "Wulan", "Fitri", "Nur", "Rina", "Ayu",
    "Putri", "Mega",
];
const FAMILY: &[&str] = &[
    "Setiawan",
    "Wijaya",
    "Saputra",
    "Santoso",
    "Prasetyo",
    "Hidayat",
    "Nugroho",
    "Kurniawan",
    "Utami",
    "Rahmawati",
    "Susanto",
    "Purnomo",
    "Permana",
    "Siregar",
    "Nasution",
    "Harahap",
    "Wibowo",
    "Gunawan",
];

const OPDS: &[(&str, &str, &str)] = &[
    ("SETDA", "Sekretariat Daerah", "Sekretaris Daerah"),
    (
        "BKPSDM",
        "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia",
        "Kepala Badan Kepegawaian dan Pengembangan SDM",
    ),
    ("DINKES", "Dinas Kesehatan", "Kepala Dinas Kesehatan"),
    ("DISDIK", "Dinas Pendidikan", "Kepala Dinas Pendidikan"),
    ("DPUPR", "Dinas Pekerjaan Umum dan Penataan Ruang", "Kepala Dinas Pekerjaan Umum dan Penataan Ruang"),
    ("DISKOMINFO", "Dinas Komunikasi dan Informatika", "Kepala Dinas Komunikasi dan Informatika"),
    ("BAPPEDA", "Badan Perencanaan Pembangunan Daerah", "Kepala Badan Perencanaan Pembangunan Daerah"),
    ("BPKAD", "Badan Pengelolaan Keuangan dan Aset Daerah", "Kepala Badan Pengelolaan Keuangan dan Aset Daerah"),
    ("DINSOS", "Dinas Sosial", "Kepala Dinas Sosial"),
    ("DPMPTSP", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu", "Kepala Dinas Penanaman Modal dan PTSP"),
    ("INSP", "Inspektorat", "Inspektur"),
    ("DISDUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil", "Kepala Dinas Kependudukan dan Pencatatan Sipil"),
];

/// The pilot OPDs, where e-Kinerja was switched on first: their people keep daily logs.
const PILOT_OPDS: &[&str] = &["SETDA", "BKPSDM", "DINKES", "DISKOMINFO"];

/// How many days back the demo's daily logs go.
const LOG_DAYS: i64 = 91;

const ACTIVITIES: &[&str] = &[
    "Menyusun laporan kegiatan",
    "Memverifikasi dokumen usulan",
    "Mengikuti rapat koordinasi",
    "Menginput data ke aplikasi",
    "Melayani konsultasi masyarakat",
    "Menyusun konsep surat dinas",
    "Mengarsipkan dokumen",
    "Melakukan monitoring lapangan",
];

const DIVISIONS: &[(&str, &str, [&str; 2])] = &[
    ("SEKRET", "Sekretariat", ["Kepala Subbagian Umum dan Kepegawaian", "Kepala Subbagian Keuangan"]),
    (
        "BID1",
        "Bidang Perencanaan dan Pengendalian",
        ["Kepala Seksi Perencanaan", "Kepala Seksi Evaluasi dan Pelaporan"],
    ),
    ("BID2", "Bidang Pelayanan", ["Kepala Seksi Pelayanan", "Kepala Seksi Pengembangan Layanan"]),
];

const STAFF: &[(&str, PositionType, i64)] = &[
    ("Pengadministrasi Umum", PositionType::Pelaksana, 5),
    ("Pengelola Keuangan", PositionType::Pelaksana, 7),
    ("Analis Kebijakan Ahli Pertama", PositionType::Fungsional, 8),
    ("Pranata Komputer Ahli Pertama", PositionType::Fungsional, 8),
];

fn name(s: &str) -> Result<Name, StoreError> {
    Name::parse(s).map_err(|e| StoreError::invalid("#/name", e.to_string()))
}

fn code(s: &str) -> Result<Code, StoreError> {
    Code::parse(s).map_err(|e| StoreError::invalid("#/code", e.to_string()))
}

struct Builder<'a> {
    conn: &'a mut DbConnection,
    progress: &'a mut dyn FnMut(Step),
    change: Change,
    dice: Dice,
    sequence: u32,
    password_hash: String,
    today: NaiveDate,
    hired: Vec<Hired>,
    current_opd: usize,
    nips: std::collections::HashSet<String>,
    /// The health office: its index among the OPDs, its unit and its head's post.
    dinkes: Option<(usize, Uuid, Uuid)>,
    /// Who works by roster (the health centre's staff), with the shifts rostered for them.
    on_roster: Vec<OnRoster>,
    /// Every post made: its name and type.
    posts: std::collections::HashMap<Uuid, (String, PositionType)>,
    /// Those hired and not yet registered, with their OPD's index.
    hiring: Vec<(employee::Hire, usize)>,
}

/// How far a build has come: `done` of `total` items of its current stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// What is being built: `organisation` (OPDs), `agreements` (employees), `daily logs` (days),
    /// `evaluations` (quarters), `attendance` (employees).
    pub stage: &'static str,
    pub done: u64,
    pub total: u64,
}

impl Builder<'_> {
    /// Tells the caller how far the build has come.
    fn step(&mut self, stage: &'static str, done: usize, total: usize) {
        (self.progress)(Step { stage, done: done as u64, total: total as u64 });
    }
}

/// An employee who works by roster: their id, NIP and rostered shifts.
type OnRoster = (Uuid, Nip, Vec<(NaiveDate, ekinerja_domain::shift::ShiftHours)>);

impl Builder<'_> {
    /// A person with a valid NIP appointed before `today`.
    fn person(&mut self) -> Result<(Nip, Name), StoreError> {
        let female = self.dice.next(2) == 1;
        let first = if female { self.dice.pick(FEMALE) } else { self.dice.pick(MALE) };
        let family = self.dice.pick(FAMILY);
        let birth = NaiveDate::from_ymd_opt(
            1966 + self.dice.next(32) as i32,
            1 + self.dice.next(12) as u32,
            1 + self.dice.next(28) as u32,
        )
        .ok_or(StoreError::NotFound)?;
        let appointed_year = (birth.year() + 22 + self.dice.next(8) as i32).min(self.today.year() - 1);
        let appointed_month = 1 + self.dice.next(12);
        // The sequence number tells apart people born and appointed in the same months.
        let nip = loop {
            self.sequence += 1;
            let nip = format!(
                "{}{:04}{:02}{}{:03}",
                birth.format("%Y%m%d"),
                appointed_year,
                appointed_month,
                if female { 2 } else { 1 },
                self.sequence % 999 + 1
            );
            if self.nips.insert(nip.clone()) {
                break nip;
            }
        };
        let nip = Nip::parse(&nip).map_err(|e| StoreError::invalid("#/nip", e.to_string()))?;
        Ok((nip, name(&format!("{first} {family}"))?))
    }

    fn unit(&mut self, agency: Uuid, parent: Option<Uuid>, c: &str, n: &str) -> Result<Uuid, StoreError> {
        // The pilot OPDs are rolled out from January, the others from next month, so a newcomer
        // sees both; sub-units inherit their OPD's month.
        let pilot = PILOT_OPDS.contains(&c);
        let today = self.today;
        let rollout_from = match parent {
            Some(_) => None,
            None if pilot => NaiveDate::from_ymd_opt(today.year(), 1, 1),
            None => today.with_day(1).and_then(|d| d.checked_add_months(chrono::Months::new(1))),
        };
        let new =
            org_unit::NewOrgUnit { agency_id: agency, parent_id: parent, code: code(c)?, name: name(n)?, rollout_from };
        Ok(org_unit::create(self.conn, &self.change, new)?.id.uuid())
    }

    fn post(
        &mut self,
        unit: Uuid,
        n: &str,
        t: PositionType,
        class: i64,
        sup: Option<Uuid>,
    ) -> Result<Uuid, StoreError> {
        let class = PositionClass::new(class).map_err(|e| StoreError::invalid("#/class", e.to_string()))?;
        let new = position::NewPosition {
            org_unit_id: unit,
            name: name(n)?,
            position_type: t,
            class,
            supervisor_position_id: sup,
        };
        let id = position::create(self.conn, &self.change, new)?.id.uuid();
        self.posts.insert(id, (n.to_owned(), t));
        Ok(id)
    }

    /// Hires someone into `post`, with their own account; they are stored at the next
    /// [`Builder::register`].
    fn hire(&mut self, agency: Uuid, post: Uuid, rank: &str) -> Result<Nip, StoreError> {
        let (nip, person) = self.person()?;
        let employment_type = if self.dice.next(5) == 0 { EmploymentType::Pppk } else { EmploymentType::Pns };
        let new = employee::NewEmployee {
            agency_id: agency,
            nip: nip.clone(),
            name: person,
            employment_type,
            rank: Some(name(rank)?),
            position_id: Some(post),
        };
        let hire = employee::Hire { employee: new, password_hash: Some(self.password_hash.clone()) };
        self.hiring.push((hire, self.current_opd));
        Ok(nip)
    }

    /// Registers everyone hired since the last call, with their accounts, in one load; answers
    /// their ids and NIPs.
    fn register(&mut self) -> Result<Vec<(Uuid, Nip)>, StoreError> {
        let hiring = std::mem::take(&mut self.hiring);
        let opds: Vec<usize> = hiring.iter().map(|(_, opd)| *opd).collect();
        let nips: Vec<Nip> = hiring.iter().map(|(h, _)| h.employee.nip.clone()).collect();
        let stored = employee::hire(self.conn, &self.change, hiring.into_iter().map(|(h, _)| h).collect())?;
        let mut registered = Vec::with_capacity(stored.len());
        for (((e, account), opd), nip) in stored.into_iter().zip(opds).zip(nips) {
            registered.push((e.id.uuid(), nip));
            let caller = account.and_then(|a| a.caller()).ok_or(StoreError::NotFound)?;
            let post = e.position_id.ok_or(StoreError::NotFound)?.uuid();
            let (post, position_type) = self.posts.get(&post).cloned().ok_or(StoreError::NotFound)?;
            self.hired.push(Hired { employee_id: e.id.uuid(), caller, opd, post, position_type });
        }
        Ok(registered)
    }
}

/// An employee hired into the demo regency, in hiring order (top-down within each OPD).
struct Hired {
    employee_id: Uuid,
    caller: Caller,
    opd: usize,
    post: String,
    position_type: PositionType,
}

/// Gives every employee of the regency an approved agreement for the current year, cascaded
/// from their OPD's goal through every supervisor, top-down, with the checks of the API's
/// workflow (open, plan, break down, submit, approve by the direct supervisor), a level of the
/// cascade a load (`agreement::load`).
fn plan_agreements(
    b: &mut Builder<'_>,
    regency: Uuid,
    admin: &Caller,
    opds: &[(Uuid, String)],
    now: DateTime<Utc>,
) -> Result<std::collections::HashMap<Uuid, Uuid>, StoreError> {
    use ekinerja_domain::agreement::{links_to_goals, BreakdownKind, Quantity, ResultKind};
    use ekinerja_persistence::{agreement as skp, chart, goal, period};
    let as_admin = Change::new(admin.clone(), now, None);
    let period = period::create(b.conn, &as_admin, regency, b.today.year())?.id.uuid();
    let mut goals = Vec::new();
    for (unit, opd_name) in opds {
        let new = goal::NewGoal {
            period_id: period,
            org_unit_id: Some(*unit),
            name: name(&format!("Meningkatnya kinerja pelayanan {opd_name}"))?,
            indicator: name("Indeks kepuasan masyarakat")?,
            target_quantity: Quantity::new(85).map_err(|e| StoreError::invalid("#/target_quantity", e.to_string()))?,
            target_unit: name("indeks")?,
        };
        goals.push(goal::create(b.conn, &as_admin, new)?.id.uuid());
    }
    let chart = chart::load(b.conn, regency, now)?;
    let callers: std::collections::HashMap<Uuid, Caller> =
        b.hired.iter().map(|h| (h.employee_id, h.caller.clone())).collect();
    // The cascade loads top-down, a level at a time: those who link to their OPD's goal first,
    // then everyone whose supervisor's agreement is in (hiring order puts supervisors first).
    let mut level: std::collections::HashMap<Uuid, usize> = std::collections::HashMap::new();
    let mut levels: Vec<Vec<usize>> = Vec::new();
    for (i, h) in b.hired.iter().enumerate() {
        let supervisor = chart.supervisor_of(h.employee_id);
        let depth = if links_to_goals(h.position_type, supervisor.is_some()) {
            0
        } else {
            supervisor.and_then(|s| level.get(&s.employee_id)).map_or(0, |d| d + 1)
        };
        level.insert(h.employee_id, depth);
        if levels.len() <= depth {
            levels.resize(depth + 1, Vec::new());
        }
        levels[depth].push(i);
    }
    let quantity = |n: i64| Quantity::new(n).map_err(|e| StoreError::invalid("#/target_quantity", e.to_string()));
    let mut first_result: std::collections::HashMap<Uuid, Uuid> = std::collections::HashMap::new();
    let mut done = 0;
    for members in levels {
        b.step("agreements", done, b.hired.len());
        let mut loads = Vec::with_capacity(members.len());
        for i in &members {
            let h = &b.hired[*i];
            let supervisor = chart.supervisor_of(h.employee_id);
            let (parent, goal) = if links_to_goals(h.position_type, supervisor.is_some()) {
                (None, goals.get(h.opd).copied())
            } else {
                (supervisor.and_then(|s| first_result.get(&s.employee_id).copied()), None)
            };
            let indicator = skp::NewIndicator {
                description: name("Jumlah laporan pelaksanaan tugas")?,
                target_quantity: quantity(12)?,
                target_unit: name("laporan")?,
                quality_target_bp: Some(10_000),
                time_target_months: Some(12),
                cost_target: None,
            };
            let approver =
                supervisor.and_then(|s| callers.get(&s.employee_id).cloned()).unwrap_or_else(|| admin.clone());
            loads.push(skp::Load {
                change: Change::new(h.caller.clone(), now, None),
                agreement: skp::NewAgreement { employee_id: None, period_id: period, starts_on: None },
                results: vec![skp::LoadResult {
                    result: skp::NewResult {
                        kind: ResultKind::Main,
                        description: name(&format!("Terlaksananya tugas {}", h.post))?,
                        parent_result_id: parent,
                        goal_id: goal,
                    },
                    indicators: vec![skp::LoadIndicator {
                        indicator,
                        breakdown: Some((BreakdownKind::Quarterly, vec![3, 3, 3, 3])),
                    }],
                }],
                approval: Some(Change::new(approver, now, None)),
            });
        }
        for (i, stored) in members.iter().zip(skp::load(b.conn, loads, now)?) {
            let first = stored.results.first().map(|r| r.result.id.uuid()).ok_or(StoreError::NotFound)?;
            first_result.insert(b.hired[*i].employee_id, first);
        }
        done += members.len();
    }
    Ok(first_result)
}

/// Each post's activities: their ids and names.
type Catalogue = std::collections::HashMap<Uuid, Vec<(Uuid, &'static str)>>;

/// Each post's catalogue (uraian tugas): three of the activities, each with its standard time
/// (norma waktu, minutes per document), so that workload by standard time has work to weigh.
fn catalogue(
    b: &mut Builder<'_>,
    admin: &Caller,
    posts: impl Iterator<Item = Uuid>,
    now: DateTime<Utc>,
) -> Result<Catalogue, StoreError> {
    use ekinerja_persistence::activity::{self, NewActivity};
    const STANDARD_MINUTES: [i32; 3] = [45, 90, 150];
    let as_admin = Change::new(admin.clone(), now, None);
    let mut out = Catalogue::new();
    for post in posts {
        if out.contains_key(&post) {
            continue;
        }
        let first = b.dice.next(ACTIVITIES.len() as u64) as usize;
        let mut list = Vec::with_capacity(STANDARD_MINUTES.len());
        for (i, minutes) in STANDARD_MINUTES.iter().enumerate() {
            let what = ACTIVITIES[(first + i) % ACTIVITIES.len()];
            let new = NewActivity { name: name(what)?, output_unit: name("dokumen")?, standard_minutes: *minutes };
            list.push((activity::create(b.conn, &as_admin, post, new)?.id.uuid(), what));
        }
        out.insert(post, list);
    }
    Ok(out)
}

/// The employees whose posts sit in a unit rolled out this month (the pilot OPDs).
fn pilot_employees(
    conn: &mut DbConnection,
    regency: Uuid,
    today: NaiveDate,
) -> Result<std::collections::HashSet<Uuid>, StoreError> {
    let rollout = ekinerja_persistence::rollout::load(conn, regency.into())?;
    Ok(employee::of_agency(conn, regency)?
        .into_iter()
        .filter(|e| rollout.employee_rolled_out(e.id, today))
        .map(|e| e.id.uuid())
        .collect())
}

/// Weeks of daily logs for the people of the pilot OPDs: most working days a morning log
/// towards their planned result and often an afternoon one; logs older than a week reviewed
/// by the direct supervisor (a few rejected with a reason), the recent ones waiting.
fn write_logs(
    b: &mut Builder<'_>,
    regency: Uuid,
    admin: &Caller,
    first_result: &std::collections::HashMap<Uuid, Uuid>,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    use chrono::{Datelike, NaiveTime, Weekday};
    use ekinerja_domain::daily_log::{Decision, Span};
    use ekinerja_domain::Description;
    use ekinerja_persistence::chart;
    use ekinerja_persistence::daily_log::{self as logs, LogInput, Serves};
    let in_pilot = pilot_employees(b.conn, regency, b.today)?;
    let chart = chart::load(b.conn, regency, now)?;
    let people: Vec<(Uuid, Caller)> = b
        .hired
        .iter()
        .filter(|h| in_pilot.contains(&h.employee_id))
        .map(|h| (h.employee_id, h.caller.clone()))
        .collect();
    let callers: std::collections::HashMap<Uuid, Caller> = people.iter().cloned().collect();
    let post_of: std::collections::HashMap<Uuid, Uuid> = employee::of_agency(b.conn, regency)?
        .into_iter()
        .filter_map(|e| Some((e.id.uuid(), e.position_id?.uuid())))
        .collect();
    let catalogue = catalogue(b, admin, people.iter().filter_map(|(e, _)| post_of.get(e).copied()), now)?;
    let time = |h, m| NaiveTime::from_hms_opt(h, m, 0);
    let mut loads = Vec::new();
    for back in (1..=LOG_DAYS).rev() {
        b.step("daily logs", (LOG_DAYS - back) as usize, LOG_DAYS as usize);
        let day = b.today - Duration::days(back);
        if day.year() != b.today.year() || matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            continue;
        }
        let reviewed = back > 7;
        for (employee, caller) in &people {
            if b.dice.next(100) >= 85 {
                continue;
            }
            let Some(result) = first_result.get(employee).copied() else { continue };
            let own = Change::new(caller.clone(), now, None);
            let mut entries = vec![(time(7, 45), time(11, 30), Serves::Result(result))];
            if b.dice.next(100) < 60 {
                let serves = if b.dice.next(4) == 0 { Serves::AdditionalDuty } else { Serves::Result(result) };
                entries.push((time(13, 0), time(15, 30), serves));
            }
            for (start, end, serves) in entries {
                let span =
                    Span::new(start, end, None).map_err(|e| StoreError::invalid("#/start_time", e.to_string()))?;
                // Most logs name an activity of the post's catalogue; the rest are described freely.
                let named = match post_of.get(employee).and_then(|p| catalogue.get(p)) {
                    Some(list) if b.dice.next(100) < 70 => Some(list[b.dice.next(list.len() as u64) as usize]),
                    _ => None,
                };
                let what = match named {
                    Some((_, name)) => name,
                    None => b.dice.pick(ACTIVITIES),
                };
                let input = LogInput {
                    date: day,
                    span,
                    description: Description::parse(what)
                        .map_err(|e| StoreError::invalid("#/description", e.to_string()))?,
                    output_quantity: 1 + b.dice.next(3) as i64,
                    output_unit: Some(name("dokumen")?),
                    evidence_url: None,
                    location: None,
                    serves,
                    activity: named.map(|(id, _)| id),
                };
                let reviewer = chart.supervisor_of(*employee).and_then(|o| callers.get(&o.employee_id).cloned());
                let review = match (reviewed, reviewer) {
                    (true, Some(reviewer)) => {
                        let (decision, reason) = if b.dice.next(100) < 5 {
                            (Decision::Reject, Some("Lengkapi uraian dan bukti kegiatan".to_owned()))
                        } else {
                            (Decision::Accept, None)
                        };
                        Some((Change::new(reviewer, now, None), decision, reason))
                    }
                    _ => None,
                };
                loads.push(logs::Load { change: own.clone(), input, review });
            }
        }
    }
    // Every log and decision in one load: checked as a create and a review are, written many
    // rows to a statement.
    logs::load(b.conn, loads, now)
}

/// Each past quarter of the year evaluated and closed in the pilot OPDs: every employee rated by
/// their direct supervisor (the heads of OPD by the agency admin), most as expected, some above,
/// a few below, so each unit's spread is realistic.
fn write_evaluations(
    b: &mut Builder<'_>,
    regency: Uuid,
    bkpsdm: &Caller,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    use ekinerja_domain::evaluation::{CoreValue, PeriodKind, Rating};
    use ekinerja_persistence::evaluation::{self as ev, RatingPatch, ValueRating};
    use ekinerja_persistence::{chart, period};
    let admin = Change::new(bkpsdm.clone(), now, None);
    let year = period::of_year(b.conn, regency, b.today.year())?.ok_or(StoreError::NotFound)?.id;
    let in_pilot = pilot_employees(b.conn, regency, b.today)?;
    let chart = chart::load(b.conn, regency, now)?;
    let callers: std::collections::HashMap<Uuid, Caller> =
        b.hired.iter().map(|h| (h.employee_id, h.caller.clone())).collect();
    let people: Vec<Uuid> = b.hired.iter().map(|h| h.employee_id).filter(|e| in_pilot.contains(e)).collect();
    let current_quarter = (b.today.month() - 1) / 3 + 1;
    let mut written = 0;
    for quarter in 1..current_quarter {
        b.step("evaluations", quarter as usize - 1, current_quarter as usize - 1);
        let period = ev::open_period(b.conn, &admin, year.uuid(), PeriodKind::Quarterly, quarter)?;
        for employee in &people {
            let evaluator = match chart.supervisor_of(*employee) {
                Some(o) => match callers.get(&o.employee_id) {
                    Some(c) => Change::new(c.clone(), now, None),
                    None => continue,
                },
                None => admin.clone(),
            };
            let roll = |b: &mut Builder<'_>, above: u64, below: u64| {
                let r = b.dice.next(100);
                if r < above {
                    Rating::AboveExpectation
                } else if r >= 100 - below {
                    Rating::BelowExpectation
                } else {
                    Rating::AsExpected
                }
            };
            let results = roll(b, 20, 8);
            let behaviour = roll(b, 15, 4);
            let opened = ev::open(b.conn, &evaluator, period.id.uuid(), *employee, now)?;
            let values = CoreValue::ALL
                .iter()
                .map(|v| ValueRating {
                    core_value: *v,
                    rating: if b.dice.next(10) == 0 { Rating::AboveExpectation } else { behaviour },
                    feedback: None,
                })
                .collect();
            let patch = RatingPatch {
                results_rating: Some(results),
                behaviour_rating: Some(behaviour),
                feedback: Some(
                    ekinerja_domain::Description::parse(b.dice.pick(FEEDBACK))
                        .map_err(|e| StoreError::invalid("#/feedback", e.to_string()))?,
                ),
                behaviours: values,
                result_feedback: Vec::new(),
            };
            let id = opened.evaluation.id.uuid();
            let rated = ev::rate(b.conn, &evaluator, id, opened.evaluation.version, patch, now)?;
            ev::finalise(b.conn, &evaluator, id, rated.evaluation.version, now)?;
            written += 1;
        }
        ev::close_period(b.conn, &admin, period.id.uuid(), period.version)?;
    }
    Ok(written)
}

const FEEDBACK: &[&str] = &[
    "Target triwulan tercapai; pertahankan ketepatan waktu laporan.",
    "Kualitas kerja baik; tingkatkan dokumentasi bukti kegiatan.",
    "Perlu lebih proaktif berkoordinasi dengan bidang lain.",
    "Capaian melampaui target; layak menjadi contoh rekan kerja.",
    "Beberapa keluaran terlambat; susun rencana aksi mingguan.",
];

/// The demo regency's monthly base amount per position class, rupiah.
const BASE_AMOUNTS: &[(i32, i64)] = &[
    (5, 2_100_000),
    (7, 2_600_000),
    (8, 3_000_000),
    (9, 3_600_000),
    (11, 5_400_000),
    (14, 9_500_000),
    (15, 12_500_000),
];

/// The health office's health centre (Puskesmas), open every day in shifts: its schedule is the
/// roster from the first of last month; its head and four nurses rotate through a morning, an
/// evening and a night shift with two days off, rostered to the end of next month.
fn plan_health_centre(
    b: &mut Builder<'_>,
    regency: Uuid,
    admin: &Change,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    use ekinerja_domain::discipline::Schedule;
    use ekinerja_domain::shift::ShiftHours;
    use ekinerja_persistence::{calendar, shift};
    let Some((index, dinkes, head_of_office)) = b.dinkes else { return Ok(()) };
    b.current_opd = index;
    let unit = b.unit(regency, Some(dinkes), "DINKES-PKM", "UPT Puskesmas Sukamaju")?;
    let head_post = b.post(unit, "Kepala UPT Puskesmas Sukamaju", PositionType::Pengawas, 9, Some(head_of_office))?;
    b.hire(regency, head_post, "III/d")?;
    let nurse_post = b.post(unit, "Perawat Terampil", PositionType::Fungsional, 7, Some(head_post))?;
    for _ in 0..4 {
        b.hire(regency, nurse_post, "II/d")?;
    }
    let staff = b.register()?;
    let first = b.today.with_day(1).and_then(|d| d.checked_sub_months(chrono::Months::new(1))).unwrap_or(b.today);
    let last = b
        .today
        .with_day(1)
        .and_then(|d| d.checked_add_months(chrono::Months::new(2)))
        .and_then(|d| d.pred_opt())
        .unwrap_or(b.today);
    calendar::set_schedule(b.conn, admin, regency, Some(unit), first, &Schedule::rostered())?;
    let at = |h| chrono::NaiveTime::from_hms_opt(h, 0, 0).unwrap_or(chrono::NaiveTime::MIN);
    let mut shifts = Vec::new();
    for (c, n, from, to) in [("P", "Dinas pagi", 7, 14), ("S", "Dinas sore", 14, 21), ("M", "Dinas malam", 21, 7)] {
        let hours = ShiftHours::new(at(from), at(to)).map_err(|e| StoreError::invalid("hours", e.to_string()))?;
        let new = shift::NewShift { org_unit_id: unit, code: code(c)?, name: name(n)?, hours };
        shifts.push((shift::create(b.conn, admin, regency, new)?.id.uuid(), hours));
    }
    // Morning, evening, night, then two days off; each person starts the cycle a day later.
    let mut entries = Vec::new();
    for (k, (employee, nip)) in staff.iter().enumerate() {
        let mut mine = Vec::new();
        for (d, date) in first.iter_days().take_while(|d| *d <= last).enumerate() {
            let step = (d + k) % 5;
            let shift = shifts.get(step).copied();
            entries.push(shift::RosterSet { employee_id: *employee, date, shift_id: shift.map(|(id, _)| id) });
            if let Some((_, hours)) = shift {
                mine.push((date, hours));
            }
        }
        b.on_roster.push((*employee, nip.clone(), mine));
    }
    shift::set(b.conn, admin, regency, &entries, now)?;
    Ok(())
}

/// Kominfo's messaging gateway, subscribed to decisions people wait for. It is paused: the demo
/// has no gateway to reach, so its deliveries wait in the outbox (listed with the subscriber)
/// until someone points it at a real endpoint and resumes it.
fn subscribe_gateway(b: &mut Builder<'_>, regency: Uuid, admin: &Change) -> Result<(), StoreError> {
    use ekinerja_domain::notification::{EndpointUrl, EventType};
    use ekinerja_persistence::webhook;
    let url = EndpointUrl::parse("https://notif.kominfo.sukamajukab.go.id/hooks/ekinerja")
        .map_err(|e| StoreError::invalid("url", e.to_string()))?;
    // Two fresh ids as base64 text (hexadecimal digits are base64 characters): 48 bytes, 148 of
    // their bits random; enough for a demo subscriber that is paused.
    let secret = format!("whsec_{}{}", Uuid::now_v7().simple(), Uuid::now_v7().simple());
    let new = webhook::NewSubscription {
        agency_id: regency,
        url,
        event_types: vec![EventType::LogReviewed, EventType::LeaveDecided, EventType::AgreementReturned],
        description: Some(
            Description::parse("Gateway WhatsApp Diskominfo (paused: the demo has no gateway)")
                .map_err(|e| StoreError::invalid("description", e.to_string()))?,
        ),
        secret,
    };
    let sub = webhook::subscribe(b.conn, admin, new)?;
    webhook::update(
        b.conn,
        admin,
        sub.id.uuid(),
        webhook::SubscriptionPatch { paused: Some(true), ..Default::default() },
    )?;
    Ok(())
}

/// Pending leave requests, asked for by the employees themselves: one in forty asks for the
/// Monday and Tuesday two weeks ahead (annual leave, or official travel for every third of
/// them), waiting for the direct supervisor's recommendation.
fn write_leave_requests(b: &mut Builder<'_>, now: DateTime<Utc>) -> Result<usize, StoreError> {
    use chrono::Weekday;
    use ekinerja_domain::leave::LeaveKind;
    use ekinerja_persistence::leave;
    let ahead = b.today + Duration::days(14);
    let monday = ahead - Duration::days(i64::from(ahead.weekday().num_days_from_monday()));
    debug_assert_eq!(monday.weekday(), Weekday::Mon);
    // Those on a roster ask for leave on their shifts, not on a fixed Monday: left out here.
    let on_roster: std::collections::HashSet<Uuid> = b.on_roster.iter().map(|(e, _, _)| *e).collect();
    let askers: Vec<Caller> = b
        .hired
        .iter()
        .filter(|h| !on_roster.contains(&h.employee_id))
        .skip(1)
        .step_by(40)
        .map(|h| h.caller.clone())
        .collect();
    for (i, caller) in askers.iter().enumerate() {
        let me = caller.employee_id.ok_or(StoreError::NotFound)?;
        let nip = Nip::parse(&employee::get(b.conn, caller, me, now)?.nip)
            .map_err(|e| StoreError::invalid("#/nip", e.to_string()))?;
        // Annual leave needs a year of service; someone appointed since travels instead.
        let serving = ekinerja_domain::leave::eligible_from(nip.appointed_on()) <= monday;
        // Annual leave is asked for within one year: a Monday on 31 December travels instead.
        let one_year = monday.year() == (monday + Duration::days(1)).year();
        let (kind, reason) = if i % 3 == 2 || !serving || !one_year {
            (LeaveKind::OfficialTravel, "Bimbingan teknis di Jakarta")
        } else {
            (LeaveKind::Annual, "Keperluan keluarga")
        };
        let new = leave::NewLeaveRequest {
            employee_id: None,
            kind,
            starts_on: monday,
            ends_on: monday + Duration::days(1),
            window: None,
            reason: Description::parse(reason).map_err(|e| StoreError::invalid("reason", e.to_string()))?,
            attachment_file_ids: Vec::new(),
        };
        leave::request(b.conn, &Change::new(caller.clone(), now, None), new, now)?;
    }
    Ok(askers.len())
}

/// Attendance for every employee of the regency from the first of last month to yesterday (whole
/// months, so a month's discipline is never judged on days without data), as e-Presensi would
/// have pushed it:
/// most arrive before 07:30 and leave after the end of the day, some are late, a few leave early
/// or forget to check out, a few are absent; two holidays at year end and some approved leave.
fn write_attendance(
    b: &mut Builder<'_>,
    regency: Uuid,
    bkpsdm: &Caller,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    use chrono::Weekday;
    use ekinerja_domain::attendance::{instant_from_local, EventKind, EventSource, SourceEventId};
    use ekinerja_domain::discipline::AbsenceKind;
    use ekinerja_persistence::attendance::{self as att, EventInput, Outcome, Sender};
    use ekinerja_persistence::calendar;
    let people: Vec<(ekinerja_domain::id::EmployeeId, String)> =
        employee::of_agency(b.conn, regency)?.into_iter().map(|e| (e.id, e.nip)).collect();
    let admin = Change::new(bkpsdm.clone(), now, None);
    let year = b.today.year();
    for (month, day, holiday) in [(12, 24, "Cuti Bersama Hari Raya Natal"), (12, 25, "Hari Raya Natal")] {
        if let Some(date) = NaiveDate::from_ymd_opt(year, month, day) {
            calendar::add_holiday(b.conn, &admin, regency, date, &name(holiday)?)?;
        }
    }
    let offset = TimeZone::Wib.offset();
    let mut items = Vec::new();
    let on_roster: std::collections::HashSet<Uuid> = b.on_roster.iter().map(|(e, _, _)| *e).collect();
    for (i, (employee, nip)) in people.iter().enumerate() {
        b.step("attendance", i, people.len());
        if on_roster.contains(&employee.uuid()) {
            continue;
        }
        let nip = Nip::parse(nip).map_err(|e| StoreError::invalid("#/nip", e.to_string()))?;
        // One in twenty-five took a few days of leave two weeks ago.
        if i % 25 == 7 {
            let starts_on = b.today - Duration::days(14);
            let new = calendar::NewAbsence {
                employee_id: employee.uuid(),
                kind: if i % 2 == 0 { AbsenceKind::Leave } else { AbsenceKind::OfficialTravel },
                starts_on,
                ends_on: starts_on + Duration::days(2),
                note: None,
            };
            calendar::record_absence(b.conn, &admin, new, now)?;
        }
        let first = b.today.with_day(1).and_then(|d| d.checked_sub_months(chrono::Months::new(1))).unwrap_or(b.today);
        for back in (1..=(b.today - first).num_days()).rev() {
            let day = b.today - Duration::days(back);
            if matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
                continue;
            }
            let roll = b.dice.next(100);
            if roll < 3 {
                continue;
            }
            // 06:45–07:29 on time; from 07:31 up to 08:45 late.
            let arrival = if roll < 88 { 6 * 60 + 45 + b.dice.next(45) } else { 7 * 60 + 31 + b.dice.next(75) };
            let end_hour = if day.weekday() == Weekday::Fri { 16 * 60 + 30 } else { 16 * 60 };
            let out = if roll < 93 { end_hour + b.dice.next(45) } else { end_hour - 10 - b.dice.next(80) };
            let mut push = |time: u64, kind: EventKind, tag: &str| -> Result<(), StoreError> {
                let local = day.and_hms_opt((time / 60) as u32, (time % 60) as u32, 0).ok_or(StoreError::NotFound)?;
                let id = SourceEventId::parse(&format!("DEMO-{i}-{day}-{tag}"))
                    .map_err(|e| StoreError::invalid("#/source_event_id", e.to_string()))?;
                items.push(Ok(EventInput {
                    source_event_id: id,
                    nip: nip.clone(),
                    kind,
                    occurred_at: instant_from_local(local, offset),
                    device_id: None,
                    location: None,
                }));
                Ok(())
            };
            push(arrival, EventKind::CheckIn, "in")?;
            if roll % 20 != 5 {
                push(out, EventKind::CheckOut, "out")?;
            }
        }
    }
    // The health centre's staff check in and out around their shifts: most a few minutes early
    // and late, some arrive late, a few are absent; a night shift's check-out is the next morning.
    let first = b.today.with_day(1).and_then(|d| d.checked_sub_months(chrono::Months::new(1))).unwrap_or(b.today);
    let rostered = std::mem::take(&mut b.on_roster);
    for (k, (_, nip, shifts)) in rostered.iter().enumerate() {
        for (date, hours) in shifts.iter().filter(|(d, _)| *d >= first && *d < b.today) {
            let roll = b.dice.next(100);
            if roll < 3 {
                continue;
            }
            let period = hours.on(*date);
            let arrive = if roll < 85 {
                period.start - Duration::minutes(5 + b.dice.next(15) as i64)
            } else {
                period.start + Duration::minutes(3 + b.dice.next(40) as i64)
            };
            let leave = period.end + Duration::minutes(2 + b.dice.next(25) as i64);
            for (local, kind, tag) in [(arrive, EventKind::CheckIn, "in"), (leave, EventKind::CheckOut, "out")] {
                let id = SourceEventId::parse(&format!("DEMO-PKM-{k}-{date}-{tag}"))
                    .map_err(|e| StoreError::invalid("#/source_event_id", e.to_string()))?;
                items.push(Ok(EventInput {
                    source_event_id: id,
                    nip: nip.clone(),
                    kind,
                    occurred_at: instant_from_local(local, offset),
                    device_id: None,
                    location: None,
                }));
            }
        }
    }
    b.on_roster = rostered;
    let sender = Sender {
        agency_id: regency,
        source: EventSource::Import,
        integration_key_id: None,
        account_id: Some(bkpsdm.account_id),
        request_id: None,
    };
    let at = ekinerja_persistence::timestamp(now);
    let mut written = 0;
    while !items.is_empty() {
        let rest = items.split_off(items.len().min(1_000));
        let outcomes = att::ingest(b.conn, &sender, std::mem::replace(&mut items, rest), at, false)?;
        written += outcomes.iter().filter(|o| matches!(o, Outcome::Created(_))).count();
    }
    Ok(written)
}

/// How big a regency to build.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// OPDs beyond the twelve named ones ("Dinas Wilayah 13", …).
    pub extra_opds: usize,
    /// Staff under each section head: from this many…
    pub staff_min: u64,
    /// …to this many.
    pub staff_max: u64,
    /// Whether the pilot OPDs get weeks of daily logs.
    pub daily_logs: bool,
}

impl Shape {
    /// The demo regency: twelve OPDs, about 400 employees.
    pub const DEMO: Shape = Shape { extra_opds: 0, staff_min: 3, staff_max: 5, daily_logs: true };

    /// A regency of about `employees` employees: more OPDs of the same shape, with larger
    /// sections (an OPD has 10 officials and six sections).
    pub fn scaled(employees: usize) -> Shape {
        let opds = (employees / 172).max(OPDS.len());
        let staff = ((employees / opds).saturating_sub(10) / 6).max(4) as u64;
        Shape { extra_opds: opds - OPDS.len(), staff_min: staff - 3, staff_max: staff + 3, daily_logs: false }
    }
}

/// Loads the demo data into an empty database. `password_hash` is the argon2 hash of
/// [`DEMO_PASSWORD`], computed once by the caller and shared by every demo account.
pub fn seed_demo(
    conn: &mut DbConnection,
    password_hash: String,
    now: DateTime<Utc>,
    progress: &mut dyn FnMut(Step),
) -> Result<DemoLogins, StoreError> {
    seed_regency(conn, password_hash, now, Shape::DEMO, progress)
}

/// Loads a regency of the given shape into an empty database (the demo, and the benchmark's
/// 10,000-employee regency). On SQLite this is one transaction: all of it or, when something
/// fails, nothing (see [`ekinerja_persistence::db::bulk_load`]).
pub fn seed_regency(
    conn: &mut DbConnection,
    password_hash: String,
    now: DateTime<Utc>,
    shape: Shape,
    progress: &mut dyn FnMut(Step),
) -> Result<DemoLogins, StoreError> {
    ekinerja_persistence::db::bulk_load(conn, |conn| load_regency(conn, password_hash, now, shape, progress))
}

fn load_regency(
    conn: &mut DbConnection,
    password_hash: String,
    now: DateTime<Utc>,
    shape: Shape,
    progress: &mut dyn FnMut(Step),
) -> Result<DemoLogins, StoreError> {
    if account::any(conn)? {
        return Err(StoreError::Conflict(
            "the database already holds accounts; demo data loads only into an empty one".into(),
        ));
    }
    let admin = account::bootstrap_platform_admin(
        conn,
        "admin",
        password_hash.clone(),
        ekinerja_persistence::timestamp(now),
        None,
    )?;
    let caller: Caller = admin.caller().ok_or(StoreError::NotFound)?;
    let today = (now + Duration::hours(7)).date_naive();
    let mut b = Builder {
        conn,
        progress,
        change: Change::new(caller, now, None),
        dice: Dice(2026),
        sequence: 0,
        password_hash: password_hash.clone(),
        today,
        hired: Vec::new(),
        current_opd: 0,
        nips: std::collections::HashSet::new(),
        dinkes: None,
        on_roster: Vec::new(),
        posts: std::collections::HashMap::new(),
        hiring: Vec::new(),
    };

    let regency = agency::create(
        b.conn,
        &b.change,
        agency::NewAgency {
            code: code("KAB-SUKAMAJU")?,
            name: name("Pemerintah Kabupaten Sukamaju")?,
            time_zone: TimeZone::Wib,
        },
    )?
    .id
    .uuid();
    let mut sekda_post = None;
    let mut logins = DemoLogins {
        platform_admin: "admin".into(),
        agency_admin: "bkpsdm.sukamaju".into(),
        head_of_opd: String::new(),
        head_of_other_opd: String::new(),
        supervisor: String::new(),
        staff: String::new(),
        other_agency_admin: "admin.kotacontoh".into(),
        sekda: String::new(),
        leader: "bupati.sukamaju".into(),
        finance: "bpkad.sukamaju".into(),
        employees: 0,
        daily_logs: 0,
        attendance_events: 0,
        evaluations: 0,
        leave_requests: 0,
    };
    let mut vacant = None;
    let mut opds = Vec::new();
    let generated: Vec<(String, String, String)> = (OPDS.len() + 1..=OPDS.len() + shape.extra_opds)
        .map(|n| (format!("DW{n}"), format!("Dinas Wilayah {n}"), format!("Kepala Dinas Wilayah {n}")))
        .collect();
    let all_opds = OPDS
        .iter()
        .map(|(c, n, h)| (*c, *n, *h))
        .chain(generated.iter().map(|(c, n, h)| (c.as_str(), n.as_str(), h.as_str())));
    let opd_count = OPDS.len() + shape.extra_opds;
    for (index, (opd_code, opd_name, head_title)) in all_opds.enumerate() {
        b.step("organisation", index, opd_count);
        b.current_opd = index;
        let opd = b.unit(regency, None, opd_code, opd_name)?;
        opds.push((opd, opd_name.to_owned()));
        let head_class = if opd_code == "SETDA" { 15 } else { 14 };
        let head_post = b.post(opd, head_title, PositionType::Jpt, head_class, sekda_post)?;
        let head_nip = b.hire(regency, head_post, "IV/c")?;
        logins.employees += 1;
        if opd_code == "SETDA" {
            sekda_post = Some(head_post);
            logins.sekda = head_nip.to_string();
        }
        if opd_code == "DINKES" {
            logins.head_of_opd = head_nip.to_string();
            b.dinkes = Some((index, opd, head_post));
        }
        if opd_code == "DISDIK" {
            logins.head_of_other_opd = head_nip.to_string();
        }
        for (div_code, div_name, sections) in DIVISIONS {
            let unit = b.unit(regency, Some(opd), &format!("{opd_code}-{div_code}"), div_name)?;
            let title =
                if *div_code == "SEKRET" { format!("Sekretaris {opd_name}") } else { format!("Kepala {div_name}") };
            let admin_post = b.post(unit, &title, PositionType::Administrator, 11, Some(head_post))?;
            let admin_nip = b.hire(regency, admin_post, "IV/a")?;
            logins.employees += 1;
            if opd_code == "DINKES" && *div_code == "BID2" {
                logins.supervisor = admin_nip.to_string();
            }
            for section in sections {
                let section_post = b.post(unit, section, PositionType::Pengawas, 9, Some(admin_post))?;
                // One section head post in the regency stands vacant, filled by a Plt.
                let leave_vacant = opd_code == "DISKOMINFO" && *div_code == "BID1" && vacant.is_none();
                if leave_vacant {
                    vacant = Some(section_post);
                } else {
                    b.hire(regency, section_post, "III/d")?;
                    logins.employees += 1;
                }
                let staff_count = shape.staff_min + b.dice.next(shape.staff_max.saturating_sub(shape.staff_min) + 1);
                let mut staff_posts: std::collections::HashMap<&str, Uuid> = std::collections::HashMap::new();
                for i in 0..staff_count {
                    let (title, t, class) = STAFF[((i + b.dice.next(2)) % STAFF.len() as u64) as usize];
                    let staff_post = match staff_posts.get(title) {
                        Some(p) => *p,
                        None => {
                            let p = b.post(unit, title, t, class, Some(section_post))?;
                            staff_posts.insert(title, p);
                            p
                        }
                    };
                    let staff_nip = b.hire(regency, staff_post, if class >= 8 { "III/a" } else { "II/c" })?;
                    logins.employees += 1;
                    if logins.staff.is_empty() && opd_code == "DINKES" && *div_code == "BID2" {
                        logins.staff = staff_nip.to_string();
                    }
                }
            }
        }
    }
    b.register()?;
    if let Some(post) = vacant {
        // The first staff member under the vacant post acts as Plt for the year.
        let holders = position::list(
            b.conn,
            &b.change.caller,
            &position::PositionFilter { supervisor_position_id: Some(post), ..Default::default() },
            &ekinerja_persistence::PageRequest { limit: 1, after: None },
        )?;
        if let Some(p) = holders.items.first() {
            let acting_for = employee::list(
                b.conn,
                &b.change.caller,
                &employee::EmployeeFilter { position_id: Some(p.id.uuid()), ..Default::default() },
                &ekinerja_persistence::PageRequest { limit: 1, after: None },
                now,
            )?;
            if let Some(e) = acting_for.items.first() {
                let year = today.year();
                let new = acting::NewActingAssignment {
                    position_id: post,
                    employee_id: e.id.uuid(),
                    kind: ActingKind::Plt,
                    starts_on: NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(today),
                    ends_on: NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(today),
                };
                acting::create(b.conn, &b.change, new)?;
            }
        }
    }
    let bkpsdm = account::NewAccount {
        agency_id: Some(regency),
        employee_id: None,
        username: Some(logins.agency_admin.clone()),
        role: AccountRole::AgencyAdmin,
        password_hash: password_hash.clone(),
    };
    let bkpsdm = account::create(b.conn, &b.change, bkpsdm)?.caller().ok_or(StoreError::NotFound)?;
    // The people who steer without administering: the Sekda's own account and the region head's
    // office read the whole regency (leader); the payroll office reads and approves runs (finance).
    let sekda_account = b.hired.iter().find(|h| h.opd == 0).map(|h| h.caller.account_id).ok_or(StoreError::NotFound)?;
    let admin_change = Change::new(bkpsdm.clone(), now, None);
    role_grant::grant(b.conn, &admin_change, sekda_account, GrantedRole::Leader)?;
    for (username, role) in [(&logins.leader, GrantedRole::Leader), (&logins.finance, GrantedRole::Finance)] {
        let member = account::NewAccount {
            agency_id: Some(regency),
            employee_id: None,
            username: Some(username.clone()),
            role: AccountRole::Member,
            password_hash: password_hash.clone(),
        };
        let member = account::create(b.conn, &admin_change, member)?;
        role_grant::grant(b.conn, &admin_change, member.id.uuid(), role)?;
    }
    // The regency's policy: the top official's logs are accepted on submission, and the allowance
    // is paid on the productivity basis with a base amount for every position class, so last
    // month's run, computed by the HR office and approved by the payroll office, shows realistic
    // figures.
    let patch = agency::AgencyPatch { top_official_logs_accepted: Some(true), ..Default::default() };
    agency::update(b.conn, &admin_change, regency, patch)?;
    plan_health_centre(&mut b, regency, &admin_change, now)?;
    let policy = ekinerja_domain::allowance::AgencyPolicy {
        allowance: ekinerja_domain::allowance::AllowancePolicy {
            basis: ekinerja_domain::allowance::PerformanceBasis::Productivity,
            ..Default::default()
        },
        discipline: Default::default(),
        base_amounts: BASE_AMOUNTS.to_vec(),
    };
    let january = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
    let last_month = today.with_day(1).and_then(|d| d.checked_sub_months(chrono::Months::new(1))).unwrap_or(today);
    ekinerja_persistence::allowance_policy::set(b.conn, &admin_change, regency, january.min(last_month), &policy)?;
    let first_results = plan_agreements(&mut b, regency, &bkpsdm, &opds, now)?;
    if shape.daily_logs {
        logins.daily_logs = write_logs(&mut b, regency, &bkpsdm, &first_results, now)?;
        logins.attendance_events = write_attendance(&mut b, regency, &bkpsdm, now)?;
        logins.evaluations = write_evaluations(&mut b, regency, &bkpsdm, now)?;
        logins.leave_requests = write_leave_requests(&mut b, now)?;
        subscribe_gateway(&mut b, regency, &admin_change)?;
    }

    // A second agency, to show that agencies never see each other.
    let city = agency::create(
        b.conn,
        &b.change,
        agency::NewAgency {
            code: code("KOTA-CONTOH")?,
            name: name("Pemerintah Kota Contoh")?,
            time_zone: TimeZone::Wita,
        },
    )?
    .id
    .uuid();
    let opd = b.unit(city, None, "DINKES", "Dinas Kesehatan")?;
    let head = b.post(opd, "Kepala Dinas Kesehatan", PositionType::Jpt, 14, None)?;
    b.hire(city, head, "IV/c")?;
    let staff_post = b.post(opd, "Pengadministrasi Umum", PositionType::Pelaksana, 5, Some(head))?;
    b.hire(city, staff_post, "II/c")?;
    b.hire(city, staff_post, "II/c")?;
    b.register()?;
    let city_admin = account::NewAccount {
        agency_id: Some(city),
        employee_id: None,
        username: Some(logins.other_agency_admin.clone()),
        role: AccountRole::AgencyAdmin,
        password_hash,
    };
    account::create(b.conn, &b.change, city_admin)?;
    Ok(logins)
}
