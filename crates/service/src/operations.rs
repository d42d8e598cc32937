//! The operations side of `serve`, started beside intake: the web pages, `/metrics`, the alert
//! delivery and the checks that raise alerts (missing files at their deadline, files delivered
//! into `ach/incoming`). None of them is on intake's path: each runs on its own task, and their
//! store calls run off the async runtime.

use crate::alerts::{self, Route};
use crate::config::Config;
use crate::error::{Context, Result};
use crate::web::{self, WebState};
use pipeline::Node;
use std::sync::Arc;
use store::Db;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Completes when `stop` turns true (or its sender is gone).
pub async fn stopped(mut stop: watch::Receiver<bool>) {
    while !*stop.borrow() {
        if stop.changed().await.is_err() {
            return;
        }
    }
}

async fn bind(what: &str, addr: &str) -> Result<tokio::net::TcpListener> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("{what}: listening on {addr}"))?;
    Ok(listener)
}

/// Starts the web pages, the metrics endpoint, the alert delivery and the alert checks, as
/// configured. The servers stop when `stop` turns true; the other tasks are returned to abort.
pub async fn start(
    cfg: &Config,
    store: Arc<Db>,
    node: Arc<Node>,
    stop: watch::Receiver<bool>,
) -> Result<Vec<JoinHandle<()>>> {
    let mut tasks = Vec::new();
    if cfg.metrics.enabled {
        let handle = crate::metrics::install()?;
        let listener = bind("[metrics] listen", &cfg.metrics.listen).await?;
        println!(
            "bankdrop: metrics on http://{}/metrics",
            listener.local_addr()?
        );
        let stopped = stopped(stop.clone());
        tasks.push(tokio::spawn(async move {
            if let Err(e) = crate::metrics::serve(listener, handle, stopped).await {
                tracing::error!(error = %e, "the metrics endpoint stopped");
            }
        }));
    }
    if cfg.web.enabled {
        let listener = bind("[web] listen", &cfg.web.listen).await?;
        println!(
            "bankdrop: web pages on http://{}/ (bankdrop user add NAME)",
            listener.local_addr()?
        );
        web::pages::set_environment(cfg.environment.as_str());
        let state = Arc::new(WebState {
            store: store.clone(),
            session_ttl: cfg.web.session_ttl.0,
            secure_cookie: cfg.web.secure_cookie,
            expected_types: cfg.pipeline.expected_types.clone(),
            deadline_hour: cfg.pipeline.deadline_hour,
        });
        let stopped = stopped(stop.clone());
        tasks.push(tokio::spawn(async move {
            if let Err(e) = web::serve(listener, state, stopped).await {
                tracing::error!(error = %e, "the web pages stopped");
            }
        }));
    }
    let routes = Arc::new(Route::all(&cfg.alerts.webhooks)?);
    tasks.push(tokio::spawn(alerts::run(
        store.clone(),
        node,
        routes,
        cfg.alerts.timeout.0,
        cfg.alerts.retry_max.0,
    )));
    let (expected, hour, every) = (
        cfg.pipeline.expected_types.clone(),
        cfg.pipeline.deadline_hour,
        cfg.alerts.check_every.0,
    );
    tasks.push(tokio::spawn(async move {
        loop {
            let (db, expected) = (store.clone(), expected.clone());
            let looked = tokio::task::spawn_blocking(move || -> store::Result<(usize, usize)> {
                let missing =
                    crate::events::check_missing(&db, &expected, hour, chrono::Utc::now())?;
                Ok((missing, crate::events::check_ach_incoming(&db)?))
            })
            .await;
            match looked {
                Ok(Ok((0, 0))) => {}
                Ok(Ok((missing, ach))) => tracing::info!(missing, ach, "alerts raised"),
                Ok(Err(e)) => tracing::error!(error = %e, "the alert checks failed"),
                Err(e) => tracing::error!(error = %e, "the alert checks' task failed"),
            }
            tokio::time::sleep(every).await;
        }
    }));
    Ok(tasks)
}
