//! The hub's metrics, in the Prometheus text format (0.0.4), on a listener
//! of their own (`hub serve --metrics-listen ADDR`, e.g. 127.0.0.1:9464),
//! so the public port shows nothing of the fleet's traffic.
//!
//! - `hub_http_requests_total{route,status}` and
//!   `hub_http_request_duration_seconds{route}`: every answer of the main
//!   listener, by route template (never the raw path: a flood of made-up
//!   paths is one `unmatched` series) and status class (`2xx` … `5xx`).
//! - `hub_events_stored_total`, `hub_events_duplicate_total`,
//!   `hub_events_rejected_total`: what uploads brought (the ingest rate is
//!   the rate of the first).
//! - `hub_device_backlog_events{device,center}`: events each kiosk holds that
//!   the hub does not, as of its last report; `hub_device_last_seen_seconds`:
//!   how long ago each kiosk was last heard from;
//!   `hub_device_memory_bytes`: what each kiosk holds of its board's memory
//!   (its PSS), as it last said. Read from the database at each scrape.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use super::AppState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    status: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DeviceLabels {
    device: u64,
    center: u64,
}

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    pub events_stored: Counter,
    pub events_duplicate: Counter,
    pub events_rejected: Counter,
    backlog: Family<DeviceLabels, Gauge>,
    last_seen: Family<DeviceLabels, Gauge<f64, std::sync::atomic::AtomicU64>>,
    memory: Family<DeviceLabels, Gauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "hub_http_requests",
            "Requests answered, by route template and status class",
            requests.clone(),
        );
        // 1 ms … about 16 s.
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(
            (|| Histogram::new(exponential_buckets(0.001, 2.0, 15))) as fn() -> Histogram,
        );
        registry.register(
            "hub_http_request_duration_seconds",
            "Time to answer, by route template",
            latency.clone(),
        );
        let events_stored = Counter::default();
        registry.register(
            "hub_events_stored",
            "Events newly stored from uploads",
            events_stored.clone(),
        );
        let events_duplicate = Counter::default();
        registry.register(
            "hub_events_duplicate",
            "Events uploaded again that the hub already had (retried pages)",
            events_duplicate.clone(),
        );
        let events_rejected = Counter::default();
        registry.register(
            "hub_events_rejected",
            "Events the hub could not use (kept aside)",
            events_rejected.clone(),
        );
        let backlog = Family::<DeviceLabels, Gauge>::default();
        registry.register(
            "hub_device_backlog_events",
            "Events a kiosk holds that the hub does not, as of its last report",
            backlog.clone(),
        );
        let last_seen = Family::<DeviceLabels, Gauge<f64, std::sync::atomic::AtomicU64>>::default();
        registry.register(
            "hub_device_last_seen_seconds",
            "Seconds since a kiosk was last heard from",
            last_seen.clone(),
        );
        let memory = Family::<DeviceLabels, Gauge>::default();
        registry.register(
            "hub_device_memory_bytes",
            "What a kiosk holds of its board's memory (proportional set size), as it last said",
            memory.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            events_stored,
            events_duplicate,
            events_rejected,
            backlog,
            last_seen,
            memory,
        }
    }
}

fn status_class(s: StatusCode) -> &'static str {
    match s.as_u16() {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// Counts and times every answer of the main listener.
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let start = Instant::now();
    let response = next.run(req).await;
    let m = &state.metrics;
    m.latency
        .get_or_create(&RouteLabels {
            route: route.clone(),
        })
        .observe(start.elapsed().as_secs_f64());
    m.requests
        .get_or_create(&RequestLabels {
            route,
            status: status_class(response.status()),
        })
        .inc();
    response
}

/// `GET /metrics` on the metrics listener.
pub async fn scrape(State(state): State<AppState>) -> Response {
    let devices = state.store.call(|s| s.device_backlogs()).await;
    let m = state.metrics.clone();
    match devices {
        Ok(Ok(rows)) => {
            let now = chrono::Utc::now().timestamp_millis();
            m.backlog.clear();
            m.last_seen.clear();
            m.memory.clear();
            for r in rows {
                let labels = DeviceLabels {
                    device: r.device_id,
                    center: r.center_id,
                };
                if let Some(w) = r.waiting {
                    m.backlog
                        .get_or_create(&labels)
                        .set(i64::try_from(w).unwrap_or(i64::MAX));
                }
                if let Some(seen) = r.last_seen_ms {
                    m.last_seen
                        .get_or_create(&labels)
                        .set((now - seen).max(0) as f64 / 1000.0);
                }
                if let Some(kib) = r.memory_kib {
                    m.memory
                        .get_or_create(&labels)
                        .set(i64::try_from(kib.saturating_mul(1024)).unwrap_or(i64::MAX));
                }
            }
        }
        Ok(Err(e)) => tracing::warn!("metrics: the kiosks cannot be read: {e}"),
        Err(e) => tracing::warn!("metrics: {e}"),
    }
    render(&m)
}

fn render(m: &Arc<Metrics>) -> Response {
    let mut text = String::new();
    match prometheus_client::encoding::prometheus_text::encode(&mut text, &m.registry) {
        Ok(()) => (
            [(
                header::CONTENT_TYPE,
                prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
            )],
            text,
        )
            .into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}
