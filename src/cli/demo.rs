//! `parcelgate demo` and `parcelgate sandbox`: the product locally, or only its carrier
//! sandbox, printing what to open and how to point a gateway at it.

use anyhow::Context;

use super::{shutdown_signal, SandboxArgs};

/// `parcelgate demo`: the gateway, the carrier sandbox and a callback receiver, until Ctrl-C.
pub async fn demo(listen: std::net::SocketAddr, args: &SandboxArgs) -> anyhow::Result<()> {
    let opts = parcelgate::demo::DemoOptions {
        listen,
        hour_ms: args.hour_ms,
        knobs: args.knobs(),
    };
    println!("starting the gateway, the carrier sandbox and a callback receiver…");
    let demo = parcelgate::demo::start(opts)
        .await
        .context("the demo could not start (is the port free? try --listen 127.0.0.1:0)")?;
    println!("{}", demo.summary());
    let stop = shutdown_signal();
    tokio::pin!(stop);
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
    let mut announced = false;
    loop {
        tokio::select! {
            _ = &mut stop => break,
            _ = tick.tick() => {
                println!("{}", demo.progress_line().await);
                if !announced && demo.sandbox.finished() && demo.all_arrived().await.unwrap_or(false) {
                    announced = true;
                    println!("every journey has reached its final status; the pages stay up until Ctrl-C");
                }
            }
        }
    }
    println!("stopping…");
    demo.shutdown().await;
    Ok(())
}

/// `parcelgate sandbox`: the carrier sandbox alone, until Ctrl-C.
pub async fn run_sandbox(
    listen: std::net::SocketAddr,
    inpost_webhook: Option<&str>,
    args: &SandboxArgs,
) -> anyhow::Result<()> {
    use parcelgate::sandbox::{demo_fleet, Credentials, Sandbox, SandboxConfig};
    let creds = Credentials::default();
    let sandbox = Sandbox::start(SandboxConfig {
        listen,
        hour_ms: args.hour_ms,
        knobs: args.knobs(),
        credentials: creds.clone(),
    })
    .await?;
    for p in demo_fleet() {
        sandbox.add(p);
    }
    if let Some(url) = inpost_webhook {
        sandbox.set_inpost_webhook(url).await?;
    }
    sandbox.play();
    let base = sandbox.base_url();
    println!("carrier sandbox on {base} (parcels and counters: {base}/sandbox); Ctrl-C stops it");
    println!("point a gateway at it:");
    println!("  PARCELGATE_CARRIERS__INPOST__BASE_URL={base}");
    println!("  PARCELGATE_CARRIERS__DHL__BASE_URL={base}");
    println!("  PARCELGATE_CARRIERS__DHL__API_KEY={}", creds.dhl_api_key);
    println!("  PARCELGATE_CARRIERS__DPD__PL__BASE_URL={base}");
    println!("  PARCELGATE_CARRIERS__DPD__PL__LOGIN={}", creds.dpd_login);
    println!(
        "  PARCELGATE_CARRIERS__DPD__PL__PASSWORD={}",
        creds.dpd_password
    );
    println!(
        "  PARCELGATE_CARRIERS__DPD__PL__CHANNEL={}",
        creds.dpd_channel
    );
    for p in demo_fleet() {
        println!(
            "  {:<7} {:<24} {}",
            p.carrier.as_str(),
            p.journey.name(),
            p.number
        );
    }
    shutdown_signal().await;
    sandbox.shutdown().await;
    Ok(())
}
