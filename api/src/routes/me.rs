//! The caller's own account: who am I, my supervisors, my subordinates, my password; and the
//! accounts admins issue.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use ekinerja_domain::id::{AccountId, AgencyId, EmployeeId, OrgUnitId};
use ekinerja_domain::tasks::TaskKind;
use ekinerja_domain::{AccountRole, GrantedRole, Role};
use ekinerja_persistence::{access, account, employee, org_unit, Change};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::created;
use super::employee::EmployeeView;
use crate::auth::{check_new_password, hash_password, verify_password, Authenticated};
use crate::call::Call;
use crate::error::{ApiError, Fields};
use crate::extract::Json;
use crate::routes::auth::PasswordCheck;
use crate::state::{db, AppState};
use crate::{request_id, security};
use serde_json::json;

/// The signed-in caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeView {
    #[schema(value_type = String, format = Uuid)]
    pub account_id: AccountId,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub agency_id: Option<AgencyId>,
    /// What the caller is today, for building a menu: the account's role (`employee` where it
    /// has an employee record), the roles granted to it (`leader`, `finance`), and what the
    /// chart makes them today (`supervisor`: someone's direct supervisor; `unit_head`: holds or
    /// acts in the top post of a unit).
    pub roles: Vec<Role>,
    /// The units whose views the caller reads as their head (with every unit below each).
    pub headed_units: Vec<HeadedUnit>,
    /// The employee record, for accounts that have one.
    pub employee: Option<EmployeeView>,
}

/// A unit the caller heads.
#[derive(Debug, Serialize, ToSchema)]
pub struct HeadedUnit {
    #[schema(value_type = String, format = Uuid)]
    pub id: OrgUnitId,
    #[schema(example = "DINKES")]
    pub code: String,
    #[schema(example = "Dinas Kesehatan")]
    pub name: String,
}

/// A password change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    pub current_password: String,
    /// 10 to 128 characters, not containing the login name or NIP, and not one of the common passwords attackers try first (an embedded list, case ignored, and one character repeated).
    #[schema(min_length = 10, max_length = 128, example = "Kopi Tubruk Pagi Hari")]
    pub new_password: String,
}

/// A password set by an admin.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetPassword {
    /// 10 to 128 characters, not containing the login name or NIP, and not one of the common passwords attackers try first (an embedded list, case ignored, and one character repeated).
    #[schema(min_length = 10, max_length = 128, example = "Kopi Tubruk Pagi Hari")]
    pub new_password: String,
}

/// A new account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAccount {
    pub role: AccountRole,
    /// Required except for a platform admin; an agency admin's own agency by default.
    pub agency_id: Option<Uuid>,
    /// The employee who signs in with their NIP (required for the `employee` role).
    pub employee_id: Option<Uuid>,
    /// Login name for accounts without an employee (admins): letters, digits, `-`, `_`, `.`.
    #[schema(pattern = "^[A-Za-z0-9._-]+$", min_length = 1, max_length = 64, example = "operator.bkd")]
    pub username: Option<String>,
    /// 10 to 128 characters, not containing the login name or NIP, and not one of the common passwords attackers try first (an embedded list, case ignored, and one character repeated).
    #[schema(min_length = 10, max_length = 128, example = "Kopi Tubruk Pagi Hari")]
    pub password: String,
}

/// An account (never its password).
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountView {
    #[schema(value_type = String, format = Uuid)]
    pub id: AccountId,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub agency_id: Option<AgencyId>,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub employee_id: Option<EmployeeId>,
    pub username: Option<String>,
    pub role: AccountRole,
    pub active: bool,
}

impl From<account::Account> for AccountView {
    fn from(a: account::Account) -> Self {
        AccountView {
            role: a.role,
            id: a.id,
            agency_id: a.agency_id,
            employee_id: a.employee_id,
            username: a.username,
            active: a.active,
        }
    }
}

/// Who the caller is.
#[utoipa::path(get, path = "/api/v1/me", tag = "me", operation_id = "get_me",
    summary = "The signed-in caller, their roles and employee record",
    responses((status = 200, description = "The caller", body = MeView)),
    security(("bearer" = [])))]
pub async fn me(call: Call) -> Result<HttpResponse, ApiError> {
    let caller = call.caller;
    let now = call.state.now();
    let view = db(&call.state, move |conn| {
        let today = access::roles(conn, &caller, now)?;
        let mut roles = Vec::new();
        if caller.employee_id.is_some() {
            roles.push(Role::Employee);
        }
        if today.supervises {
            roles.push(Role::Supervisor);
        }
        if !today.headed_units.is_empty() {
            roles.push(Role::UnitHead);
        }
        for g in &today.grants {
            roles.push(match g {
                GrantedRole::Leader => Role::Leader,
                GrantedRole::Finance => Role::Finance,
            });
        }
        match caller.role {
            AccountRole::AgencyAdmin => roles.push(Role::AgencyAdmin),
            AccountRole::PlatformAdmin => roles.push(Role::PlatformAdmin),
            AccountRole::Employee | AccountRole::Member => {}
        }
        let employee = match caller.employee_id {
            Some(e) => Some(EmployeeView::from(employee::get(conn, &caller, e, now)?)),
            None => None,
        };
        let mut headed_units = Vec::new();
        for u in today.headed_units {
            let unit = org_unit::get(conn, &caller, u)?;
            headed_units.push(HeadedUnit { id: unit.id, code: unit.code, name: unit.name });
        }
        Ok(MeView {
            account_id: AccountId::from(caller.account_id),
            agency_id: caller.agency_id.map(AgencyId::from),
            roles,
            headed_units,
            employee,
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// The caller's employee record: an account without one (an admin's) is refused, as on every
/// other `/me/...` read of an employee's own data.
fn own_employee(call: &Call) -> Result<Uuid, ApiError> {
    call.caller.employee_id.ok_or_else(|| ApiError::Forbidden("the account has no employee record".into()))
}

/// The caller's chain of supervisors.
#[utoipa::path(get, path = "/api/v1/me/supervisors", tag = "me", operation_id = "list_my_supervisors",
    summary = "My chain of supervisors, direct supervisor first",
    responses((status = 200, description = "The chain, in one round trip whatever its depth", body = super::employee::SupervisorChain),
        (status = 403, description = "The account has no employee record", body = crate::error::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn supervisors(call: Call) -> Result<HttpResponse, ApiError> {
    let id = own_employee(&call)?;
    super::employee::chain(call, id).await
}

/// The caller's direct subordinates.
#[utoipa::path(get, path = "/api/v1/me/subordinates", tag = "me", operation_id = "list_my_subordinates",
    summary = "My direct subordinates",
    responses((status = 200, description = "The direct subordinates, by name", body = super::employee::Subordinates),
        (status = 403, description = "The account has no employee record", body = crate::error::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn subordinates(call: Call) -> Result<HttpResponse, ApiError> {
    let id = own_employee(&call)?;
    super::employee::below(call, id).await
}

/// Changes the caller's password; every other sign-in is ended.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "me", operation_id = "change_my_password",
    summary = "Change my password (ends every sign-in, this one included: sign in again with the new password)", request_body = ChangePassword,
    responses(
        (status = 204, description = "Changed"),
        (status = 403, description = "The current password is wrong", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many wrong current passwords from this address (throttled as sign-ins are), or too many password checks at once; `Retry-After` says when to try again", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn change_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    body: Json<ChangePassword>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let caller = auth.0;
    let id = caller.account_id;
    let now = state.now();
    let (acc, nip) = db(&state, move |conn| {
        let acc = account::find(conn, id)?.ok_or(ekinerja_persistence::StoreError::NotFound)?;
        let nip = match acc.employee_id.map(EmployeeId::uuid) {
            Some(e) => Some(employee::get(conn, &caller, e, now)?.nip),
            None => None,
        };
        Ok((acc, nip))
    })
    .await?;
    let names = [acc.username.clone().unwrap_or_default(), nip.unwrap_or_default()];
    if let Err(reason) = check_new_password(&b.new_password, &[&names[0], &names[1]]) {
        return Err(ApiError::field("new_password", reason));
    }
    // Guessing the current password with a stolen token is throttled like guessing at login.
    let mut check = PasswordCheck::start(&state, &req, &format!("account:{id}"), "password_change").await?;
    let hash = acc.password_hash.clone();
    let turn = check.turn();
    let (ok, new_hash) = web::block(move || {
        let _turn = turn;
        let ok = verify_password(&b.current_password, hash.as_deref());
        (ok, if ok { hash_password(&b.new_password).ok() } else { None })
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    if !ok {
        check.failed("password_change", Some(id));
        return Err(ApiError::Forbidden("the current password is wrong".into()));
    }
    check.succeeded(&state).await?;
    let new_hash = new_hash.ok_or_else(|| ApiError::Internal("hashing failed".into()))?;
    let caller = acc.caller().ok_or_else(|| ApiError::Internal("stored account is malformed".into()))?;
    let change = Change::new(caller, state.now(), request_id::current());
    db(&state, move |conn| account::set_password(conn, &change, id, new_hash)).await?;
    state.sessions.forget(id);
    Ok(HttpResponse::NoContent().finish())
}

/// Issues an account.
#[utoipa::path(post, path = "/api/v1/accounts", tag = "accounts", operation_id = "create_account",
    summary = "Issue an account (agency admin: employee and member accounts of their agency; platform admin: any, admins included)",
    request_body = CreateAccount,
    responses(
        (status = 201, description = "Created", body = AccountView, headers(("location" = String, description = "URL of the new account"))),
        (status = 403, description = "Not allowed to issue this account (admin accounts are issued by the platform admin)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The employee already has an account, or the username is taken", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn create_account(call: Call, body: Json<CreateAccount>) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let agency_id = match b.role {
        AccountRole::PlatformAdmin => b.agency_id,
        _ => b.agency_id.or(call.caller.agency_id),
    };
    // Who may issue this role there is asked first: a caller who may not is told so, not which of
    // the login name and password would be wrong.
    let role = b.role;
    call.read(move |conn, caller| account::may_issue(conn, caller, role, agency_id)).await?;
    let mut f = Fields::new();
    let username = f.check_opt("username", b.username.as_deref(), |u| {
        ekinerja_domain::Code::parse(u).map(|c| c.as_str().to_lowercase())
    });
    if let Err(reason) = check_new_password(&b.password, &[b.username.as_deref().unwrap_or_default()]) {
        f.refuse("password", reason);
    }
    let Some(username) = username else { return Err(f.into_error()) };
    f.finish()?;
    let password = b.password;
    let password_hash =
        web::block(move || hash_password(&password)).await.map_err(|e| ApiError::Internal(e.to_string()))??;
    let new = account::NewAccount { agency_id, employee_id: b.employee_id, username, role: b.role, password_hash };
    let row = call.write(move |conn, change| account::create(conn, change, new)).await?;
    Ok(created(format!("/api/v1/accounts/{}", row.id), &AccountView::from(row)))
}

/// Sets a new password for an account (its agency's admin), ending its sign-ins.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/password", tag = "accounts", operation_id = "reset_account_password",
    summary = "Set a new password for an account; ends its sign-ins",
    params(("id" = Uuid, Path, description = "Account id")),
    request_body = ResetPassword,
    responses(
        (status = 204, description = "Set"),
        (status = 403, description = "Not the account's agency admin; or one's own account, or an admin's or a finance member's for anyone but the platform admin", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn reset_password(
    call: Call,
    id: web::Path<Uuid>,
    body: Json<ResetPassword>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let caller = call.caller.clone();
    let by = caller.account_id;
    let acc = match db(&call.state, move |conn| account::managed(conn, &caller, id)).await {
        Ok(acc) => acc,
        Err(e) => {
            if matches!(e, ApiError::Forbidden(_)) {
                security::event("password_reset_refused", json!({"account_id": by, "target_account_id": id}));
            }
            return Err(e);
        }
    };
    let new_password = body.0.new_password;
    if let Err(reason) = check_new_password(&new_password, &[acc.username.as_deref().unwrap_or_default()]) {
        return Err(ApiError::field("new_password", reason));
    }
    let hash =
        web::block(move || hash_password(&new_password)).await.map_err(|e| ApiError::Internal(e.to_string()))??;
    call.write(move |conn, change| account::set_password(conn, change, id, hash)).await?;
    call.state.sessions.forget(id);
    security::event("password_reset", json!({"account_id": by, "target_account_id": id}));
    Ok(HttpResponse::NoContent().finish())
}

/// One kind of task waiting for the caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskView {
    pub kind: TaskKind,
    /// How many wait.
    pub count: i64,
    /// The oldest item's date (a log's date, an agreement's submission or return, the end of the
    /// period to evaluate, a draft evaluation's opening, a leave request's asking); `null` when
    /// none waits.
    pub oldest: Option<NaiveDate>,
    /// The list that shows these items (`null` for evaluations to open, which do not exist yet:
    /// open them with `POST /api/v1/evaluations`).
    #[schema(example = "/api/v1/daily-logs?awaiting_me=true")]
    pub list: Option<&'static str>,
}

/// What waits for the caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct TasksView {
    /// Every kind, in a fixed order, those with nothing waiting included.
    pub items: Vec<TaskView>,
    /// The sum of the counts.
    pub total: i64,
}

/// What waits for the caller.
#[utoipa::path(get, path = "/api/v1/me/tasks", tag = "me", operation_id = "list_my_tasks",
    summary = "What waits for me: logs to review (and those escalated to me), agreements to approve or fix, evaluations to open or finalise, leave requests to recommend or approve",
    description = "Counts with the oldest date per kind. Each count is the length of its list (`list`), so a client \
        can show the number and open the list. A log waiting past the agency's `review_escalation_working_days` \
        after the day it was submitted also shows to the next supervisor up, who may then decide it.",
    responses((status = 200, description = "The tasks", body = TasksView)),
    security(("bearer" = [])))]
pub async fn tasks(call: Call) -> Result<HttpResponse, ApiError> {
    let now = call.state.now();
    let items = call.read(move |conn, caller| ekinerja_persistence::tasks::mine(conn, caller, now)).await?;
    let items: Vec<TaskView> = items
        .into_iter()
        .map(|t| TaskView {
            list: match t.kind {
                TaskKind::ReviewLogs | TaskKind::ReviewEscalatedLogs => Some("/api/v1/daily-logs?awaiting_me=true"),
                TaskKind::ApproveAgreements | TaskKind::FixAgreements => Some("/api/v1/agreements?awaiting_me=true"),
                TaskKind::FinaliseEvaluations => Some("/api/v1/evaluations?awaiting_me=true"),
                TaskKind::OpenEvaluations => None,
                TaskKind::RecommendLeave | TaskKind::ApproveLeave => Some("/api/v1/leave-requests?awaiting_me=true"),
            },
            kind: t.kind,
            count: t.count,
            oldest: t.oldest,
        })
        .collect();
    Ok(HttpResponse::Ok().json(TasksView { total: items.iter().map(|t| t.count).sum(), items }))
}
