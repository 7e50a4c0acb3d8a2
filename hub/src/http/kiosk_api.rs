//! What kiosks call: enrollment, their mark and report, event pages, the
//! roster, their center's day.

use super::*;

/// The kiosks' routes, under `/api/v1`.
pub(super) fn routes() -> Router<AppState> {
    // Pages may come gzip-compressed; the size limit applies after
    // decompression. At most INGEST_IN_FLIGHT uploads are read and parsed at
    // once; the rest wait with their bodies unread (in the sockets), so the
    // hub's memory stays bounded when a region's kiosks all come back at
    // once. One writer takes them in turn anyway.
    let ingest = Router::new()
        .route("/events", post(events))
        .layer(DefaultBodyLimit::max(MAX_PAGE_BYTES))
        .layer(RequestDecompressionLayer::new())
        .layer(tower::limit::ConcurrencyLimitLayer::new(INGEST_IN_FLIGHT));
    Router::new()
        .route("/enroll", post(enroll))
        .route("/sync-state", get(sync_state))
        .route("/roster", get(roster))
        .route("/centers/{id}/report", get(report))
        .merge(ingest)
}

async fn enroll(
    State(state): State<AppState>,
    limit::ClientIp(ip): limit::ClientIp,
    body: Bytes,
) -> Result<Json<EnrollResponse>, AppError> {
    let now = std::time::Instant::now();
    if !state.enroll_limiter.allowed(ip, now) {
        tracing::warn!(?ip, "enrollment refused: too many wrong codes");
        return Err(AppError::TooMany(
            "too many wrong enrollment codes from this address; wait ten minutes".into(),
        ));
    }
    let req: EnrollRequest = parse_json(&body)?;
    let public_key = protocol::token::encode_public_key(&state.key.verifying_key());
    let (device_id, device_token, center) = db(&state, move |s| {
        s.enroll(&req.code, &req.device_name, &req.software_version)
            .map_err(|e| match e {
                crate::store::StoreError::Invalid(m) => AppError::InvalidCode(m),
                other => other.into(),
            })
    })
    .await
    .inspect_err(|e| {
        if matches!(e, AppError::InvalidCode(_)) {
            state.enroll_limiter.failed(ip, now);
        }
    })?;
    state.enroll_limiter.succeeded(ip);
    tracing::info!(device_id, center = center.id, "kiosk enrolled");
    Ok(Json(EnrollResponse {
        device_id,
        device_token,
        center: center.info(),
        signing_keys: vec![PublicKeyInfo {
            key_id: crate::keys::CURRENT_KEY_ID,
            public_key,
        }],
        card_key: data_encoding::BASE64.encode(state.card_key.as_slice()),
        content_root: state.content.root_json().unwrap_or_else(|e| {
            tracing::error!("content root metadata: {e:#}");
            None
        }),
    }))
}

async fn sync_state(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    report: Result<Query<DeviceReport>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<SyncState>, AppError> {
    // Kiosks that predate the report send no parameters, and a garbled one
    // must not stop a kiosk from syncing: there is then nothing to note.
    let id = device.id;
    let report = report
        .ok()
        .map(|Query(r)| r)
        .filter(|r| !r.software_version.is_empty());
    let (center, acked_seq) = (device.center_id, device.acked_seq);
    let (verdict, regions, probe, bind_next, activities, checkout_minutes) = db(&state, move |s| {
        let verdict =
            s.check_lineage(&device, report.as_ref().and_then(|r| r.lineage.as_deref()))?;
        let probe = match &report {
            Some(r) if r.last_seq > 0 && acked_seq > 0 => s.probe(id, acked_seq.min(r.last_seq))?,
            _ => None,
        };
        if let Some(report) = report.filter(|_| verdict == LineageVerdict::Accepted) {
            s.note_device_report(id, &report)?;
        }
        let bind_next = s.bind_next(id, crate::store::now_ms())?;
        let activities = s.kiosk_activities(center)?;
        let checkout = s.profile(center)?.checkout_minutes;
        Ok((
            verdict,
            s.region_chain(center)?,
            probe,
            bind_next,
            activities,
            checkout,
        ))
    })
    .await?;
    if verdict == LineageVerdict::Refused {
        return Err(AppError::CredentialInUse);
    }
    Ok(Json(SyncState {
        device_id: id,
        acked_seq,
        server_time_ms: crate::store::now_ms(),
        regions,
        probe,
        bind_next,
        public_url: std::env::var("HUB_PUBLIC_URL")
            .ok()
            .map(|u| u.trim().trim_end_matches('/').to_string())
            .filter(|u| u.starts_with("http://") || u.starts_with("https://")),
        activities,
        checkout_minutes,
    }))
}

#[derive(Deserialize)]
struct RawPage {
    events: Vec<serde_json::Value>,
}

async fn events(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    body: Bytes,
) -> Result<Json<IngestResult>, AppError> {
    let page: RawPage = parse_json(&body)?;
    if page.events.len() > protocol::wire::MAX_PAGE_EVENTS {
        return Err(AppError::BadRequest(format!(
            "a page holds at most {} events",
            protocol::wire::MAX_PAGE_EVENTS
        )));
    }
    // Read here, each event on its own; the store checks what it holds.
    let page = protocol::wire::Received::page(page.events);
    let result = db(&state, move |s| Ok(s.ingest(&device, &page)?)).await?;
    let m = &state.metrics;
    m.events_stored.inc_by(u64::from(result.stored));
    m.events_duplicate.inc_by(u64::from(result.duplicates));
    m.events_rejected.inc_by(result.rejected.len() as u64);
    Ok(Json(result))
}

#[derive(Deserialize)]
struct RosterQuery {
    #[serde(default)]
    since: u64,
}

async fn roster(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    Query(q): Query<RosterQuery>,
) -> Result<Json<RosterDelta>, AppError> {
    Ok(Json(
        db(&state, move |s| Ok(s.roster(device.center_id, q.since)?)).await?,
    ))
}

#[derive(Deserialize)]
struct ReportQuery {
    date: String,
}

async fn report(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Path(center_id): Path<u64>,
    Query(q): Query<ReportQuery>,
) -> Result<Json<DailyReport>, AppError> {
    may_read_center(&state, &headers, center_id).await?;
    let report = db(&state, move |s| {
        let tz = s.center(center_id)?.tz();
        let date = crate::report::parse_date(&q.date, tz)?;
        Ok(crate::report::daily(s, center_id, date)?)
    })
    .await?;
    Ok(Json(report))
}

/// A kiosk reads its own center; a dashboard user, the centers of their scope.
async fn may_read_center(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    center_id: u64,
) -> Result<(), AppError> {
    if headers.contains_key(header::AUTHORIZATION) {
        let mut parts = axum::http::Request::new(()).into_parts().0;
        parts.headers = headers.clone();
        let AuthDevice(device) = AuthDevice::from_request_parts(&mut parts, state).await?;
        return if device.center_id == center_id {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "a kiosk may read only its own center's report".into(),
            ))
        };
    }
    let session = web::session(state, headers)
        .await?
        .ok_or(AppError::NotLoggedIn)?;
    let scope = session.user.scope;
    if db(state, move |s| Ok(s.scope_covers(scope, center_id)?)).await? {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "this center is outside what your account may see".into(),
        ))
    }
}
