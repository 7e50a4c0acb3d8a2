//! The hub over HTTP(S): JSON bodies, a bearer credential, gzip-compressed pages.

use std::io::Write;
use std::time::Duration;

use flate2::Compression;
use flate2::write::GzEncoder;
use protocol::wire::{
    ApiError, DailyReport, DeviceReport, EnrollRequest, EnrollResponse, EventPage, IngestResult,
    RosterDelta, SyncState,
};
use reqwest::{Client, RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;

use super::{SyncError, Uplink};

pub struct HttpUplink {
    client: Client,
    base: String,
    token: String,
    /// Compressed bytes of event pages sent, for `kiosk sync`'s report.
    sent: std::sync::atomic::AtomicU64,
}

/// How long one call may take unless the kiosk's settings say otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Makes aws-lc rustls's crypto provider for this process (once), before
/// any HTTP client: reqwest is built without one of its own, so TLS uses
/// the crypto library tough's signatures already need (not ring beside it).
pub fn tls_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Err: another part of the process installed one first; it is used.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    });
}

/// The kiosk's HTTP client for the hub: rustls, bounded calls.
pub fn client(timeout: Duration) -> Result<Client, SyncError> {
    build(base(timeout).timeout(timeout))
}

/// What every client of the kiosk has: the TLS provider, a connect bound,
/// the kiosk's name and version.
fn base(timeout: Duration) -> reqwest::ClientBuilder {
    tls_provider();
    Client::builder()
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .user_agent(concat!("youth-center-kiosk/", env!("CARGO_PKG_VERSION")))
}

fn build(builder: reqwest::ClientBuilder) -> Result<Client, SyncError> {
    builder
        .build()
        .map_err(|e| SyncError::Protocol(format!("HTTP client: {e}")))
}

/// The client for signed content and releases: a download may take long
/// on a slow link (a release is tens of MB), so it is bounded by a stall of
/// `timeout` with nothing received, not by its whole length.
pub fn download_client(timeout: Duration) -> Result<Client, SyncError> {
    build(base(timeout).read_timeout(timeout))
}

fn api_url(base: &str, path: &str) -> String {
    format!(
        "{}{}{}",
        base.trim_end_matches('/'),
        protocol::API_PREFIX,
        path
    )
}

impl HttpUplink {
    /// `timeout` bounds each call as a whole (connect, send, answer): a
    /// stalled hub is given up on and tried again later.
    pub fn new(hub_url: &str, device_token: &str, timeout: Duration) -> Result<Self, SyncError> {
        Ok(HttpUplink {
            client: client(timeout)?,
            base: hub_url.to_string(),
            token: device_token.to_string(),
            sent: std::sync::atomic::AtomicU64::new(0),
        })
    }

    fn get(&self, path: &str) -> RequestBuilder {
        self.client
            .get(api_url(&self.base, path))
            .bearer_auth(&self.token)
    }
}

/// Trades a one-time code for a device credential.
pub async fn enroll(hub_url: &str, request: &EnrollRequest) -> Result<EnrollResponse, SyncError> {
    let response = client(DEFAULT_TIMEOUT)?
        .post(api_url(hub_url, "/enroll"))
        .json(request)
        .send()
        .await
        .map_err(unreachable)?;
    decode(response).await
}

fn unreachable(e: reqwest::Error) -> SyncError {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        text = format!("{text}: {s}");
        source = s.source();
    }
    SyncError::Unreachable(text)
}

async fn decode<T: DeserializeOwned>(response: Response) -> Result<T, SyncError> {
    let status = response.status();
    let bytes = response.bytes().await.map_err(unreachable)?;
    if status.is_success() {
        return serde_json::from_slice(&bytes).map_err(|e| SyncError::Protocol(e.to_string()));
    }
    let message = serde_json::from_slice::<ApiError>(&bytes)
        .map(|e| e.message)
        .unwrap_or_else(|_| String::from_utf8_lossy(&bytes).chars().take(200).collect());
    let status_code = status.as_u16();
    if status.is_server_error()
        || status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT
    {
        Err(SyncError::Server {
            status: status_code,
            message,
        })
    } else {
        Err(SyncError::Refused {
            status: status_code,
            message,
        })
    }
}

impl Uplink for HttpUplink {
    async fn sync_state(&self, report: &DeviceReport) -> Result<SyncState, SyncError> {
        let r = self
            .get("/sync-state")
            .query(report)
            .send()
            .await
            .map_err(unreachable)?;
        decode(r).await
    }

    async fn upload(&self, page: &EventPage) -> Result<IngestResult, SyncError> {
        let json = serde_json::to_vec(page).map_err(|e| SyncError::Protocol(e.to_string()))?;
        let mut gz = GzEncoder::new(Vec::with_capacity(json.len() / 4), Compression::fast());
        gz.write_all(&json)
            .map_err(|e| SyncError::Protocol(e.to_string()))?;
        let body = gz
            .finish()
            .map_err(|e| SyncError::Protocol(e.to_string()))?;
        self.sent
            .fetch_add(body.len() as u64, std::sync::atomic::Ordering::Relaxed);
        let r = self
            .client
            .post(api_url(&self.base, "/events"))
            .bearer_auth(&self.token)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(reqwest::header::CONTENT_ENCODING, "gzip")
            .body(body)
            .send()
            .await
            .map_err(unreachable)?;
        decode(r).await
    }

    fn bytes_sent(&self) -> u64 {
        self.sent.load(std::sync::atomic::Ordering::Relaxed)
    }

    async fn roster(&self, since: u64) -> Result<RosterDelta, SyncError> {
        let r = self
            .get(&format!("/roster?since={since}"))
            .send()
            .await
            .map_err(unreachable)?;
        decode(r).await
    }

    async fn center_day(&self, center_id: u64, date: &str) -> Result<DailyReport, SyncError> {
        let r = self
            .get(&format!("/centers/{center_id}/report"))
            .query(&[("date", date)])
            .send()
            .await
            .map_err(unreachable)?;
        decode(r).await
    }
}
