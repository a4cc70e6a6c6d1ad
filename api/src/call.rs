//! The prologue every signed-in handler shares, as one extractor: who is calling and the state
//! the call is served from, with the change stamp a write records.

use std::future::Future;
use std::pin::Pin;

use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use ekinerja_domain::access::Area;
use ekinerja_domain::Caller;
use ekinerja_persistence::{Change, DbConnection, StoreError};

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::request_id;
use crate::state::AppState;

/// One signed-in call: the caller its bearer token names (checked as `Authenticated` checks it)
/// and the application state.
#[derive(Clone)]
pub struct Call {
    /// The application state.
    pub state: web::Data<AppState>,
    /// Who is calling.
    pub caller: Caller,
}

impl FromRequest for Call {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let authenticated = Authenticated::from_request(req, payload);
        Box::pin(async move {
            let Authenticated(caller) = authenticated.await?;
            let state = state.ok_or_else(|| ApiError::Internal("application state missing".into()))?;
            Ok(Call { state, caller })
        })
    }
}

impl Call {
    /// A change by this caller now, carrying the request id to find it in the logs.
    pub fn change(&self) -> Change {
        Change::new(self.caller.clone(), self.state.now(), request_id::current())
    }

    /// Runs a read as this caller on a pooled connection, off the executor threads.
    pub async fn read<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection, &Caller) -> Result<T, StoreError> + Send + 'static,
    {
        let caller = self.caller.clone();
        crate::state::db(&self.state, move |conn| f(conn, &caller)).await
    }

    /// Runs a read-only report (analysis, exports) as this caller: on the read replica when it
    /// has caught up with the primary, else on the primary (see [`crate::state::report`]); in
    /// one read-only transaction, on one snapshot ([`ekinerja_persistence::db::snapshot`]).
    pub async fn report<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: Fn(&mut DbConnection, &Caller) -> Result<T, StoreError> + Send + 'static,
    {
        let caller = self.caller.clone();
        crate::state::report(&self.state, move |conn| ekinerja_persistence::db::snapshot(conn, |conn| f(conn, &caller)))
            .await
    }

    /// Runs a write as this caller, stamped by [`Call::change`].
    pub async fn write<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection, &Change) -> Result<T, StoreError> + Send + 'static,
    {
        let change = self.change();
        crate::state::db(&self.state, move |conn| f(conn, &change)).await
    }

    /// The agency a request names, or else the caller's own (a platform admin has none and must
    /// name one).
    pub fn agency(&self, given: Option<uuid::Uuid>) -> Result<uuid::Uuid, ApiError> {
        given.or(self.caller.agency_id).ok_or_else(|| ApiError::field("agency_id", "required for a platform admin"))
    }

    /// The agency a create names ([`Call::agency`]), once this caller may write `area`'s records
    /// there at all, asked before a body is judged field by field: a caller whose role never does
    /// this is told so (403) rather than which of their fields would be wrong, and a name they may
    /// not use is `#/agency_id`'s refusal ([`ekinerja_persistence::agency::writable`], the domain's
    /// access rule). Most writes ask again before storing; the attendance import's `ingest` does
    /// not, so this is its gate.
    pub async fn agency_to_write(&self, given: Option<uuid::Uuid>, area: Area) -> Result<uuid::Uuid, ApiError> {
        let agency = self.agency(given)?;
        self.read(move |conn, caller| ekinerja_persistence::agency::writable(conn, caller, agency, area)).await?;
        Ok(agency)
    }

    /// The caller's own employee record, for a create that only the employee themself makes
    /// (their daily logs and evidence files), asked before the body is judged: anyone else, an
    /// account with no employee record included, is told 403
    /// ([`ekinerja_persistence::access::own_record`]).
    pub fn own_record(&self, area: Area) -> Result<uuid::Uuid, ApiError> {
        Ok(ekinerja_persistence::access::own_record(&self.caller, area)?)
    }

    /// For a write whose body names whose record it is (an agreement, an evaluation, a leave
    /// request, a roster): whether this caller may write `area`'s records for anyone at all,
    /// asked before the body is judged ([`ekinerja_persistence::access::require_some_write`]).
    pub async fn may_write_some(&self, area: Area) -> Result<(), ApiError> {
        self.read(move |conn, caller| ekinerja_persistence::access::require_some_write(conn, caller, area)).await
    }

    /// For a create whose agency is the one of the record it names (its body has no
    /// `agency_id`): whether this caller's role writes `area`'s records in their own agency at
    /// all, asked before the body is judged, as [`Call::agency_to_write`] asks. A platform admin
    /// belongs to no agency and is judged with the record.
    pub async fn may_write_in_own_agency(&self, area: Area) -> Result<(), ApiError> {
        match self.caller.agency_id {
            Some(own) => {
                self.read(move |conn, caller| ekinerja_persistence::agency::writable(conn, caller, own, area)).await
            }
            None => Ok(()),
        }
    }
}
