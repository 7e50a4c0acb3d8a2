//! The hub's server: the HTTP listener (and the metrics one), the database
//! threads, the daily re-signing of the content timestamp, the month for
//! the wall and the webhook deliveries, until SIGTERM or Ctrl-C. `hub serve` starts it.

use std::io::Write;
use std::sync::Arc;

use anyhow::Context;

use crate::store::Store;

/// Every day, a new timestamp signature, so kiosks keep trusting content
/// that has not changed (the timestamp expires after a week).
async fn refresh_timestamps(repo: Arc<crate::content::Repo>) {
    loop {
        if repo.is_initialized() {
            match repo.refresh_timestamp().await {
                Ok(v) => tracing::info!(version = v, "content timestamp re-signed"),
                Err(e) => tracing::error!("cannot re-sign the content timestamp: {e:#}"),
            }
        }
        tokio::time::sleep(std::time::Duration::from_secs(24 * 3600)).await;
    }
}

/// Every day, each center's published activities laid out a day further
/// (a weekly activity keeps its occurrences [`HORIZON_DAYS`] ahead without
/// a new publish).
///
/// [`HORIZON_DAYS`]: crate::store::activities::HORIZON_DAYS
async fn lay_out_activities(
    repo: Arc<crate::content::Repo>,
    store: crate::store::worker::StoreWorker,
) {
    loop {
        match lay_out_once(&repo, &store).await {
            Ok(n) => tracing::info!(centers = n, "activities laid out"),
            Err(e) => tracing::error!("cannot lay out the centers' activities: {e:#}"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(24 * 3600)).await;
    }
}

/// Every day, each center's month signed for the wall (`month.json`):
/// the kiosks' "本月 / This month" slide shows the hub's own figures.
async fn publish_wall(repo: Arc<crate::content::Repo>, store: crate::store::worker::StoreWorker) {
    loop {
        if repo.is_initialized() {
            match store.call(crate::wall::months).await {
                Ok(Ok(months)) => {
                    let mut done = 0;
                    for (center, month) in months {
                        // Unchanged since it was signed (a restart the same
                        // day): no new version for the kiosks to fetch.
                        let owner = crate::content::Owner::Center(center);
                        let signed = repo.published(owner, protocol::wall::FILE).await;
                        if let Ok(Some(bytes)) = signed
                            && serde_json::from_slice::<protocol::wall::WallMonth>(&bytes)
                                .is_ok_and(|m| m == month)
                        {
                            continue;
                        }
                        // One center's trouble never stops the others'.
                        match repo.publish_month(center, &month).await {
                            Ok(_) => done += 1,
                            Err(e) => tracing::warn!(center, "its month cannot be signed: {e:#}"),
                        }
                    }
                    tracing::info!(centers = done, "the month signed for the wall");
                }
                Ok(Err(e)) => tracing::error!("cannot count the month for the wall: {e}"),
                Err(e) => tracing::error!("cannot count the month for the wall: {e}"),
            }
        }
        tokio::time::sleep(std::time::Duration::from_secs(24 * 3600)).await;
    }
}

async fn lay_out_once(
    repo: &crate::content::Repo,
    store: &crate::store::worker::StoreWorker,
) -> anyhow::Result<usize> {
    let centers = store
        .call(|st| st.centers())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))??;
    let ids: Vec<u64> = centers.iter().map(|c| c.id).collect();
    let mut done = 0;
    for (center, json) in repo.published_jsons(&ids).await? {
        let Some(json) = json else { continue };
        let bundle = match protocol::content::Bundle::parse(&String::from_utf8_lossy(&json)) {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(center, "its published content cannot be read: {e}");
                continue;
            }
        };
        let Some(c) = centers.iter().find(|c| c.id == center) else {
            continue;
        };
        let today = c.today();
        // One center's trouble never stops the others'.
        match store
            .call(move |st| st.lay_out_activities(center, &bundle.activities, today))
            .await
        {
            Ok(Ok(_)) => done += 1,
            Ok(Err(e)) => tracing::warn!(center, "its activities cannot be laid out: {e}"),
            Err(e) => return Err(anyhow::anyhow!("{e}")),
        }
    }
    Ok(done)
}

pub fn serve(
    stores: Vec<Store>,
    key: ed25519_dalek::SigningKey,
    card_key: [u8; 32],
    content: crate::content::Repo,
    listen: &str,
    metrics_listen: Option<&str>,
    proxies: crate::http::limit::TrustedProxies,
) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let addr = listener.local_addr()?;
        let metrics_listener = match metrics_listen {
            Some(m) => Some(
                tokio::net::TcpListener::bind(m)
                    .await
                    .with_context(|| format!("cannot listen on {m} for metrics"))?,
            ),
            None => None,
        };
        {
            let mut out = std::io::stdout().lock();
            writeln!(out, "listening on http://{addr}")?;
            if let Some(m) = &metrics_listener {
                writeln!(out, "metrics on http://{}/metrics", m.local_addr()?)?;
            }
            out.flush()?;
        }
        let content = Arc::new(content);
        tokio::spawn(refresh_timestamps(content.clone()));
        let store = crate::store::worker::StoreWorker::start_pool(stores)?;
        tokio::spawn(crate::webhook::deliver_forever(store.clone()));
        tokio::spawn(lay_out_activities(content.clone(), store.clone()));
        tokio::spawn(publish_wall(content.clone(), store.clone()));
        let state = crate::http::AppState {
            store,
            key: Arc::new(key),
            card_key: Arc::new(card_key),
            content,
            enroll_limiter: Arc::default(),
            login_limiter: Arc::new(crate::http::limit::FailureLimiter::logins()),
            join_limiter: Arc::new(crate::http::limit::FailureLimiter::joins()),
            passwords: Arc::default(),
            proxies: Arc::new(proxies),
            metrics: Arc::default(),
        };
        if let Some(m) = metrics_listener {
            let app = crate::http::metrics_app(state.clone());
            tokio::spawn(async move {
                if let Err(e) = axum::serve(m, app).await {
                    tracing::error!("the metrics listener stopped: {e}");
                }
            });
        }
        crate::http::serve::serve(listener, crate::http::app(state), shutdown_signal())
            .await
            .context("the server stopped with an error")
    })
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    tracing::info!("shutting down");
}
