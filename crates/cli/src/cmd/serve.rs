//! `vigil serve`: the web console and the HTTP API on a local address, with the webhook outbox
//! worker when a webhook URL is configured.

use crate::{DbArgs, Outcome};
use anyhow::{Context, Result};
use std::net::SocketAddr;
use std::time::Duration;
use vigil_cases::webhook::WebhookConfig;
use vigil_server::{AppState, ServerConfig};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Address to listen on
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub db: DbArgs,
    /// The platform's enforcement endpoint (http://...); enables webhook delivery
    #[arg(long, env = "VIGIL_WEBHOOK_URL")]
    pub webhook_url: Option<String>,
    /// The HMAC secret for webhook signatures (use the environment, not the command line)
    #[arg(long, env = "VIGIL_WEBHOOK_SECRET", hide_env_values = true)]
    pub webhook_secret: Option<String>,
    /// Ingest batches queued for the writer before ingest answers 429
    #[arg(long, default_value_t = 4)]
    pub ingest_queue: usize,
    /// Per-request time limit, seconds
    #[arg(long, default_value_t = 30)]
    pub timeout: u64,
    /// Mark the console's session cookie Secure (set when a TLS proxy fronts vigil)
    #[arg(long, env = "VIGIL_SECURE_COOKIES")]
    pub secure_cookies: bool,
}

pub fn run(a: Args) -> Result<Outcome> {
    let cfg = ServerConfig {
        ingest_queue: a.ingest_queue.max(1),
        request_timeout: Duration::from_secs(a.timeout.max(1)),
        ..Default::default()
    };
    // The HTTP ingest path runs the same detectors as `vigil ingest`, banks included, in the
    // same two stages, and writes their findings after each event-time refresh.
    let mut registry = {
        let store = vigil_store::SqliteStore::open(&a.db.db)
            .with_context(|| format!("opening {}", a.db.db.display()))?;
        crate::detectors::Registry::with_store(&store)?
    };
    let options = vigil_server::EngineOptions {
        second_stage: Some(crate::detectors::SECOND_STAGE),
        after_refresh: Some(registry.persister()),
    };
    let detectors = std::mem::take(&mut registry.detectors);
    let state = AppState::open_with_engine(
        &a.db.db,
        vigil_cases::Config::default(),
        cfg,
        detectors,
        options,
    )
    .with_context(|| format!("opening {}", a.db.db.display()))?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    rt.block_on(async move {
        if let Some(url) = &a.webhook_url {
            let secret = a.webhook_secret.clone().ok_or_else(|| {
                crate::UsageError("--webhook-url needs VIGIL_WEBHOOK_SECRET".into())
            })?;
            vigil_server::spawn_webhook_worker(
                state.clone(),
                WebhookConfig::new(url, secret.as_bytes()),
                Duration::from_secs(1),
            );
        }
        let l = tokio::net::TcpListener::bind(a.listen)
            .await
            .with_context(|| format!("binding {}", a.listen))?;
        eprintln!(
            "vigil: serving the console on http://{0}/ and the API on http://{0}/api (OpenAPI at /api/openapi.json, metrics at /metrics)",
            l.local_addr()?
        );
        let console = vigil_console::ConsoleConfig {
            secure_cookies: a.secure_cookies,
            request_timeout: Duration::from_secs(a.timeout.max(1)),
            ..Default::default()
        };
        vigil_console::serve(l, vigil_console::app(state, console), async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("serving")?;
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(Outcome::Clean)
}
