// Each user's main path, driven through the client kit against a live demo server
// (scripts/client_flows.sh starts one and passes its logins):
//   1. an employee's phone writes logs offline, sends them as a batch, loses the answer and sends
//      again, then reads the review through the change feed;
//   2. their direct supervisor, given an account by the agency admin, finds the logs through
//      /me/tasks and reviews them in bulk;
//   3. the agency admin computes last month's allowance run, finance approves it (the admin who
//      computed it may not), and the payroll CSV adds up to the run's total;
//   4. the e-Presensi system pushes signed attendance events with a key the admin issued, signed
//      by the official Standard Webhooks library; a retry stores nothing twice, and a body changed
//      after signing is refused.
// Every step checks what the server answered, and every answer is checked against the committed
// openapi.yaml (src/conformance.ts); the first mismatch fails the run.
import {
  AttendanceSystem,
  OfflineLogQueue,
  ProblemError,
  Session,
  ZONES,
  connect,
  dateIn,
  ifMatch,
  ok,
  okTagged,
  pullLogChanges,
  sleep,
  type Schemas,
} from "./sdk.js";
import { fileURLToPath } from "node:url";
import { Conformance } from "./conformance.js";

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (scripts/client_flows.sh sets it)`);
  return value;
}

const base = env("EKINERJA_BASE");
const password = env("EKINERJA_DEMO_PASSWORD");
const conformance = new Conformance(fileURLToPath(new URL("../../../openapi.yaml", import.meta.url)));
const checked = { middleware: [conformance.middleware] };
const logins = {
  staff: env("EKINERJA_LOGIN_STAFF"),
  admin: env("EKINERJA_LOGIN_AGENCY_ADMIN"),
  finance: env("EKINERJA_LOGIN_FINANCE"),
};

function check(condition: boolean, what: string): asserts condition {
  if (!condition) throw new Error(`flow check failed: ${what}`);
}

function step(what: string): void {
  console.log(`  - ${what}`);
}

/** The problem an action is refused with; fails when it succeeds. */
async function refused(action: Promise<unknown>): Promise<ProblemError> {
  try {
    await action;
  } catch (e) {
    if (e instanceof ProblemError) return e;
    throw e;
  }
  throw new Error("flow check failed: an action that must be refused succeeded");
}

/** The phone's network: it can lose the next answer after the server has handled the request. */
class Network {
  dropNextAnswer = false;
  replayed = 0;

  readonly fetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    if (response.headers.get("idempotent-replayed") === "true") this.replayed++;
    if (this.dropNextAnswer) {
      this.dropNextAnswer = false;
      await response.arrayBuffer();
      throw new TypeError("fetch failed: the connection dropped before the answer arrived");
    }
    return response;
  };
}

interface Context {
  staff: Session;
  /** The staff member's phone, on its own (lossy) network. */
  phone: Session;
  network: Network;
  supervisor: Session;
  admin: Session;
  finance: Session;
  me: Schemas["EmployeeView"];
  timeZone: Schemas["TimeZone"];
}

async function phoneAndSupervisor(c: Context): Promise<void> {
  console.log("flow 1-2: a phone syncs logs written offline; the supervisor reviews them from /me/tasks");
  // The phone's own feed position: everything before this run is already on the phone.
  let { cursor } = await pullLogChanges(c.phone.api, undefined);

  const agreements = await ok(
    c.staff.api.GET("/api/v1/agreements", { params: { query: { employee_id: c.me.id, status: "approved" } } }),
  );
  const current = agreements.items[0];
  check(current !== undefined, "the staff member has an approved agreement");
  const agreement = await ok(c.staff.api.GET("/api/v1/agreements/{id}", { params: { path: { id: current.id } } }));
  const result = agreement.planned_results[0];
  check(result !== undefined, "the agreement has a planned result");

  // Today's date in the agency's time zone: the morning, written offline on the phone.
  const today = dateIn(c.timeZone);
  const queue = new OfflineLogQueue();
  const work = [
    ["07:30", "09:00", "Menyusun laporan kegiatan bulanan"],
    ["09:00", "10:15", "Memverifikasi dokumen usulan"],
    ["10:15", "11:00", "Menginput data ke aplikasi"],
  ] as const;
  const ids = work.map(([start_time, end_time, description]) =>
    queue.write({
      date: today,
      start_time,
      end_time,
      description,
      output_quantity: 1,
      output_unit: "dokumen",
      planned_result_id: result.id,
    }),
  );
  const sent = queue.batch;
  // The connection drops after the server stored the batch, before its answer arrives; the
  // queue sends again with the same key, and the server replays its first answer.
  c.network.dropNextAnswer = true;
  const first = await queue.sync(c.phone.api, 3, () => sleep(0));
  check(!c.network.dropNextAnswer && c.network.replayed === 1, "the batch was sent twice, its answer replayed once");
  step(`batch of ${ids.length} sent, its answer lost and sent again: ${first.items.map((i) => i.outcome).join(", ")}`);
  check(
    first.items.length === 3 && first.items.every((i) => i.outcome === "created"),
    "every log of the batch is created",
  );
  check(queue.size === 0, "the queue is empty once the server stored everything");
  check(
    first.items.every((i, n) => i.client_id === ids[n]),
    "each result names the client_id it was sent with, in order",
  );

  // Sent once more with the same key (the app restarted before it saw the answer).
  const replay = await ok(
    c.phone.api.POST("/api/v1/daily-logs/batch", {
      body: { items: sent.items },
      params: { header: { "Idempotency-Key": sent.idempotencyKey } },
    }),
  );
  check(JSON.stringify(replay) === JSON.stringify(first), "a retry with the same key is answered as the first time");
  // The app was reinstalled and lost its key too: the logs' client_ids still keep them single.
  const again = await ok(
    c.phone.api.POST("/api/v1/daily-logs/batch", {
      body: { items: sent.items },
      params: { header: { "Idempotency-Key": crypto.randomUUID() } },
    }),
  );
  check(
    again.items.every((i, n) => i.outcome === "existing" && i.log?.id === first.items[n]?.log?.id),
    "a batch sent again under a new key finds every log it already stored",
  );
  const created = first.items
    .map((i) => i.log)
    .filter((l): l is Schemas["DailyLogView"] => l !== null && l !== undefined);
  check(created.length === 3, "each created item carries its log");
  const sameDay = await ok(
    c.staff.api.GET("/api/v1/daily-logs", { params: { query: { from: today, to: today, limit: 200 } } }),
  );
  check(
    sameDay.items.filter((l) => ids.includes(l.client_id ?? "")).length === 3,
    "the day holds each log once, after three sends",
  );
  step("sent again under the same key (replayed) and under a new key (found): nothing stored twice");

  // The supervisor is told: /me/tasks counts the logs waiting, and names the list that shows them.
  const tasks = await ok(c.supervisor.api.GET("/api/v1/me/tasks"));
  const reviews = tasks.items.find((t) => t.kind === "review_logs");
  check(reviews !== undefined && reviews.count >= 3, "review_logs counts at least the three new logs");
  check(reviews.list === "/api/v1/daily-logs?awaiting_me=true", `review_logs names its list (${reviews.list})`);
  const waiting: Schemas["DailyLogView"][] = [];
  let page: string | undefined;
  do {
    const p = await ok(
      c.supervisor.api.GET("/api/v1/daily-logs", {
        params: { query: { awaiting_me: true, limit: 200, ...(page ? { cursor: page } : {}) } },
      }),
    );
    waiting.push(...p.items);
    page = p.next_cursor ?? undefined;
  } while (page);
  check(
    waiting.length === reviews.count,
    `the list holds what the task counts (${waiting.length} and ${reviews.count})`,
  );
  const mine = created.map((l) => waiting.find((w) => w.id === l.id));
  check(
    mine.every((l) => l !== undefined),
    `the new logs are in the supervisor's list (${waiting.length} there, dated ${[...new Set(waiting.map((w) => w.date))]})`,
  );
  step(`/me/tasks: ${reviews.count} logs wait for review, the three new ones among them`);

  // The staff member may not review their own logs.
  const self = await refused(
    ok(
      c.staff.api.POST("/api/v1/daily-logs/{id}/accept", {
        params: { path: { id: created[0]!.id }, header: { "If-Match": ifMatch(created[0]!.version) } },
      }),
    ),
  );
  check(self.status === 403 || self.status === 404, `a log's author cannot accept it (${self.status})`);

  const [a, b, r] = created as [Schemas["DailyLogView"], Schemas["DailyLogView"], Schemas["DailyLogView"]];
  const decided = await ok(
    c.supervisor.api.POST("/api/v1/daily-logs/reviews", {
      body: {
        items: [
          { id: a.id, version: a.version, decision: "accept" },
          { id: b.id, version: b.version, decision: "accept" },
          { id: r.id, version: r.version, decision: "reject", reason: "Lampirkan bukti input data" },
          // A decision on a version the reviewer did not see is refused for that item alone.
          { id: a.id, version: a.version, decision: "reject", reason: "stale" },
        ],
      },
    }),
  );
  check(decided.items.slice(0, 3).every((i) => i.ok), "the three decisions are recorded");
  check(decided.items[3]?.ok === false && decided.items[3]?.error?.status === 412, "a stale version is refused (412)");
  const after = await ok(c.supervisor.api.GET("/api/v1/me/tasks"));
  const left = after.items.find((t) => t.kind === "review_logs");
  check(left?.count === reviews.count - 3, "the task count drops by the three reviewed");
  step("reviewed in one request: two accepted, one rejected with a reason; a stale decision refused");

  // Back on the phone: the change feed brings the decisions.
  const changes = await pullLogChanges(c.phone.api, cursor);
  cursor = changes.cursor;
  const latest = new Map(changes.items.map((l) => [l.id, l]));
  check(
    latest.get(a.id)?.status === "accepted" && latest.get(b.id)?.status === "accepted",
    "the feed shows two accepted",
  );
  check(
    latest.get(r.id)?.status === "rejected" && latest.get(r.id)?.review_reason === "Lampirkan bukti input data",
    "the feed shows the rejection with its reason",
  );
  const quiet = await pullLogChanges(c.phone.api, cursor);
  check(quiet.items.length === 0, "a pull from the new cursor brings nothing new");
  step("the phone's change feed shows each decision, and nothing again on the next pull");
}

async function payroll(c: Context): Promise<void> {
  console.log("flow 3: the agency admin computes last month's allowance run, finance approves it, payroll downloads");
  const lastMonth = (() => {
    const [y, m] = dateIn(c.timeZone).split("-").map(Number) as [number, number];
    return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, "0")}`;
  })();

  const computed = await okTagged(c.admin.api.POST("/api/v1/allowance-runs", { body: { month: lastMonth } }));
  const run = computed.data;
  check(run.status === "draft" && run.month === lastMonth, `a draft run for ${lastMonth}`);
  const linesTotal = run.lines.reduce((total, l) => total + (l.amount ?? 0), 0);
  check(run.lines.length === run.employees, "one line per employee");
  check(linesTotal === run.total, `the computed lines add up to the total (${linesTotal} and ${run.total})`);
  step(`run ${run.id}: ${run.employees} lines, ${run.computed} computed, total Rp ${run.total}`);

  const read = await okTagged(c.admin.api.GET("/api/v1/allowance-runs/{id}", { params: { path: { id: run.id } } }));
  const draftCsv = await refused(
    ok(c.admin.api.GET("/api/v1/allowance-runs/{id}/payroll", { params: { path: { id: run.id } }, parseAs: "text" })),
  );
  check(draftCsv.status === 409, "a draft is not exported for payroll (409)");
  const own = await refused(
    ok(
      c.admin.api.POST("/api/v1/allowance-runs/{id}/approve", {
        params: { path: { id: run.id }, header: { "If-Match": read.etag } },
      }),
    ),
  );
  check(own.status === 403, `the account that computed the run may not approve it (${own.status})`);
  const staffTry = await refused(
    ok(
      c.staff.api.POST("/api/v1/allowance-runs/{id}/approve", {
        params: { path: { id: run.id }, header: { "If-Match": read.etag } },
      }),
    ),
  );
  check(staffTry.status === 403 || staffTry.status === 404, `a staff member may not approve (${staffTry.status})`);
  const approved = await ok(
    c.finance.api.POST("/api/v1/allowance-runs/{id}/approve", {
      params: { path: { id: run.id }, header: { "If-Match": read.etag } },
    }),
  );
  check(approved.status === "approved" && approved.total === run.total, "finance approves it, the total unchanged");
  step("the admin's own approval refused (separation of duties); finance approved it");

  const csv = await ok(
    c.finance.api.GET("/api/v1/allowance-runs/{id}/payroll", { params: { path: { id: run.id } }, parseAs: "text" }),
  );
  const rows = csv.trim().split(/\r?\n/);
  const header = rows[0]!.split(",");
  const amount = header.indexOf("jumlah");
  check(amount >= 0 && header[0] === "nip", "the payroll CSV has its header");
  check(rows.length - 1 === run.employees, "one CSV line per employee");
  // The demo's names and units hold no commas or quotes, so a plain split reads the cells.
  const sum = rows.slice(1).reduce((total, row) => total + Number(row.split(",")[amount] || 0), 0);
  check(sum === run.total, `the jumlah column adds up to the run's total (${sum} and ${run.total})`);
  step(`payroll CSV: ${rows.length - 1} lines adding up to Rp ${sum}`);

  const mineNow = await ok(c.staff.api.GET("/api/v1/me/allowance", { params: { query: { month: lastMonth } } }));
  check(
    mineNow.items.some((i) => i.run_id === run.id && i.line.nip === c.me.nip),
    "the staff member sees their own line of the approved run",
  );
  step("the staff member reads their own line");
}

async function attendance(c: Context): Promise<void> {
  console.log("flow 4: e-Presensi pushes signed attendance events (Standard Webhooks)");
  const issued = await ok(
    c.admin.api.POST("/api/v1/integration-keys", {
      body: { name: `e-Presensi flow ${Date.now()}`, scopes: ["attendance_write"], signed: true },
    }),
  );
  check(typeof issued.signing_secret === "string" && issued.signing_secret.startsWith("whsec_"), "a signing secret");
  const epresensi = new AttendanceSystem(base, issued.key, issued.signing_secret, checked);
  const unsigned = new AttendanceSystem(base, issued.key, null, checked);

  // Yesterday's arrival and departure: a push of events from the future is refused.
  const day = dateIn(c.timeZone, new Date(Date.now() - 24 * 3600 * 1000));
  const stamp = Date.now();
  const at = (time: string) => `${day}T${time}${ZONES[c.timeZone].offset}`;
  const event = (n: number, time: string, kind: Schemas["EventKind"]): Schemas["PushEvent"] => ({
    source_event_id: `FLOW-${stamp}-${n}`,
    nip: c.me.nip,
    occurred_at: at(time),
    kind,
    device_id: "FP-FLOW",
  });
  const events = [event(1, "07:21:00", "check_in"), event(2, "16:05:00", "check_out")];
  const pushed = await epresensi.push(events);
  check(pushed.created === 2 && pushed.refused === 0, `both events stored (${JSON.stringify(pushed)})`);
  const retried = await epresensi.push(events);
  check(retried.existing === 2 && retried.created === 0, "a retry stores nothing twice");
  step("two signed events stored; the retry found both");

  const noSignature = await refused(unsigned.push(events));
  check(noSignature.status === 401, `an unsigned push with a signed key is refused (${noSignature.status})`);
  // Signed, then changed on the way: the signature no longer matches the body.
  const body = JSON.stringify({ events });
  const forged = await refused(
    ok(
      epresensi.api.POST("/api/v1/attendance-events/batch", {
        body: { events },
        bodySerializer: () => body.replace("07:21:00", "07:01:00"),
        headers: epresensi.sign(body),
      }),
    ),
  );
  check(forged.status === 401, `a body changed after signing is refused (${forged.status})`);
  const person = await refused(ok(c.staff.api.POST("/api/v1/attendance-events/batch", { body: { events } })));
  check(person.status === 401, `a person's token cannot push attendance (${person.status})`);
  step("unsigned, tampered and person-token pushes refused (401)");

  const seen = await ok(
    c.staff.api.GET("/api/v1/employees/{id}/attendance-events", {
      params: { path: { id: c.me.id }, query: { from: day, to: day } },
    }),
  );
  const ours = seen.items.filter((e) => e.source_event_id?.startsWith(`FLOW-${stamp}`));
  check(ours.length === 2, `the staff member sees the two events once each (${ours.length})`);
  step("the staff member reads their two events");
}

/** The checker is not vacuous: it refuses an answer whose shape broke the document. */
function checkTheChecker(me: Schemas["MeView"]): void {
  const broken = [
    { ...me, account_id: 42 },
    { ...me, roles: ["emperor"] },
    { ...me, headed_units: undefined },
  ];
  for (const body of broken) {
    let refusedIt = false;
    try {
      conformance.validate("a broken /me", Conformance.component("MeView"), body);
    } catch {
      refusedIt = true;
    }
    check(refusedIt, `the conformance check refuses a broken answer (${JSON.stringify(body).slice(0, 80)})`);
  }
  conformance.validate("/me as served", Conformance.component("MeView"), me);
}

async function main(): Promise<void> {
  const [staff, admin, finance] = await Promise.all([
    Session.signIn(base, logins.staff, password, checked),
    Session.signIn(base, logins.admin, password, checked),
    Session.signIn(base, logins.finance, password, checked),
  ]);
  const me = await ok(staff.api.GET("/api/v1/me"));
  check(me.employee !== null && me.employee !== undefined && me.agency_id != null, "the staff member has a record");
  checkTheChecker(me);
  const agency = await ok(admin.api.GET("/api/v1/agencies/{id}", { params: { path: { id: me.agency_id } } }));

  // The direct supervisor (the first of the chain) signs in with the account the agency admin
  // gives them, or the one they have.
  const chain = await ok(staff.api.GET("/api/v1/me/supervisors"));
  const direct = chain.items[0]?.employee;
  check(direct !== undefined, "the staff member has a direct supervisor");
  const account = await admin.api.POST("/api/v1/accounts", {
    body: { role: "employee", employee_id: direct.id, password },
  });
  check(
    account.response.status === 201 || account.response.status === 409,
    `the direct supervisor has an account (${account.response.status})`,
  );
  const supervisor = await Session.signIn(base, direct.nip, password, checked);
  const network = new Network();
  const phone = await Session.signIn(base, logins.staff, password, { ...checked, fetch: network.fetch });
  const c: Context = { staff, phone, network, supervisor, admin, finance, me: me.employee, timeZone: agency.time_zone };

  await phoneAndSupervisor(c);
  await payroll(c);
  await attendance(c);

  // The session keeps working across a refresh, and the used refresh token is spent (last: its
  // reuse signs the login out everywhere).
  await staff.refresh();
  await ok(staff.api.GET("/api/v1/me"));
  const anonymous = connect(base, checked);
  const first = await ok(anonymous.POST("/api/v1/auth/login", { body: { login: logins.staff, password } }));
  await ok(anonymous.POST("/api/v1/auth/refresh", { body: { refresh_token: first.refresh_token } }));
  const reused = await refused(
    ok(anonymous.POST("/api/v1/auth/refresh", { body: { refresh_token: first.refresh_token } })),
  );
  check(reused.status === 401, `a refresh token used once is refused (${reused.status})`);
  const answers = [...conformance.seen.values()].reduce((a, b) => a + b, 0);
  console.log(
    `client flows: every step as expected; ${answers} answers of ${conformance.seen.size} operation and status pairs matched openapi.yaml`,
  );
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});
