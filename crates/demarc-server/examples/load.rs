//! A load generator for `demarc serve`, on loopback, bounded in time: N concurrent clients
//! repeat one request for S seconds; prints requests/s and latency percentiles.
//!
//! ```text
//! cargo run --release -p demarc-server --example load -- \
//!     --base http://127.0.0.1:8080 --email you@example.org --password ... \
//!     --workspace WS --token dmt_... --scenario matrix|api-read|api-write --clients 50 --seconds 10
//! ```
//!
//! - `matrix`: GET the matrix page, logged in (one session shared by the clients).
//! - `api-read`: GET `/api/v1/workspaces/WS/cells/S/R` with the token, cycling over every cell.
//! - `api-write`: for a cell of its own (cycling), read its version and PUT a new allocation
//!   against it; counts the saves (each one an audit log entry), and any conflicts.
//!
//! Used by `bench/serve/load.sh`; figures in docs/performance.md.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

#[derive(Debug, Clone)]
struct Args {
    base: String,
    email: String,
    password: String,
    workspace: String,
    token: String,
    scenario: String,
    clients: usize,
    seconds: u64,
}

fn args() -> Args {
    let mut a = Args {
        base: "http://127.0.0.1:8080".into(),
        email: String::new(),
        password: String::new(),
        workspace: String::new(),
        token: String::new(),
        scenario: "matrix".into(),
        clients: 50,
        seconds: 10,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let v = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--base" => a.base = v,
            "--email" => a.email = v,
            "--password" => a.password = v,
            "--workspace" => a.workspace = v,
            "--token" => a.token = v,
            "--scenario" => a.scenario = v,
            "--clients" => a.clients = v.parse().unwrap(),
            "--seconds" => a.seconds = v.parse().unwrap(),
            f => panic!("unknown flag {f}"),
        }
    }
    a
}

fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").unwrap();
    let rest = &html[at + 19..];
    rest[..rest.find('"').unwrap()].to_owned()
}

async fn login(c: &reqwest::Client, a: &Args) {
    let html = c
        .get(format!("{}/login", a.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&html);
    let r = c
        .post(format!("{}/login", a.base))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", &a.email),
            ("password", &a.password),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "login failed");
}

/// Every (service, responsibility) of the workspace, from the matrix as JSON.
async fn cells(c: &reqwest::Client, a: &Args) -> Vec<(String, String)> {
    let m: serde_json::Value = c
        .get(format!(
            "{}/api/v1/workspaces/{}/export/matrix/json",
            a.base, a.workspace
        ))
        .bearer_auth(&a.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let services: Vec<String> = m["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    let mut out = Vec::new();
    for area in m["areas"].as_array().unwrap() {
        for row in area["rows"].as_array().unwrap() {
            let r = row["responsibility"]["id"].as_str().unwrap();
            for s in &services {
                out.push((s.clone(), r.to_owned()));
            }
        }
    }
    out
}

async fn ok_body(r: reqwest::Result<reqwest::Response>) -> bool {
    match r {
        Ok(r) if r.status() == 200 => r.bytes().await.is_ok(),
        _ => false,
    }
}

#[tokio::main]
async fn main() {
    let a = args();
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(a.clients)
        .build()
        .unwrap();
    if a.scenario == "matrix" {
        login(&client, &a).await;
    }
    let cells = Arc::new(cells(&client, &a).await);
    let stop = Arc::new(AtomicBool::new(false));
    let errors = Arc::new(AtomicU64::new(0));
    let conflicts = Arc::new(AtomicU64::new(0));
    let latencies = Arc::new(Mutex::new(Vec::<u32>::new()));
    let started = Instant::now();
    let mut handles = Vec::new();
    for i in 0..a.clients {
        let (c, a, cells, stop, errors, conflicts, latencies) = (
            client.clone(),
            a.clone(),
            cells.clone(),
            stop.clone(),
            errors.clone(),
            conflicts.clone(),
            latencies.clone(),
        );
        handles.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            let mut n = i;
            while !stop.load(Ordering::Relaxed) {
                let (s, r) = &cells[n % cells.len()];
                n += a.clients;
                let cell_url =
                    format!("{}/api/v1/workspaces/{}/cells/{s}/{r}", a.base, a.workspace);
                let t = Instant::now();
                let ok = match a.scenario.as_str() {
                    "matrix" => {
                        let r = c
                            .get(format!("{}/w/{}/matrix", a.base, a.workspace))
                            .send()
                            .await;
                        ok_body(r).await
                    }
                    "api-read" => {
                        let r = c.get(&cell_url).bearer_auth(&a.token).send().await;
                        ok_body(r).await
                    }
                    "api-write" => {
                        let cur: serde_json::Value =
                            match c.get(&cell_url).bearer_auth(&a.token).send().await {
                                Ok(r) => r.json().await.unwrap_or_default(),
                                Err(_) => serde_json::Value::Null,
                            };
                        let t = Instant::now();
                        let body =
                            format!("  {r}:\n    status: customer\n    note: load {i} {n}\n");
                        let res = c
                            .put(&cell_url)
                            .bearer_auth(&a.token)
                            .json(&serde_json::json!({"version": cur["version"], "body": body}))
                            .send()
                            .await;
                        match res {
                            Ok(r) if r.status() == 200 => mine.push(t.elapsed().as_micros() as u32),
                            // Two clients on one cell: the second save is refused, as it must be.
                            Ok(r) if r.status() == 409 => {
                                conflicts.fetch_add(1, Ordering::Relaxed);
                            }
                            _ if stop.load(Ordering::Relaxed) => {}
                            _ => {
                                errors.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        continue;
                    }
                    other => panic!("unknown scenario {other}"),
                };
                if ok {
                    mine.push(t.elapsed().as_micros() as u32);
                } else if !stop.load(Ordering::Relaxed) {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
            }
            latencies.lock().await.extend(mine);
        }));
    }
    tokio::time::sleep(Duration::from_secs(a.seconds)).await;
    stop.store(true, Ordering::Relaxed);
    for h in handles {
        h.await.unwrap();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut l = latencies.lock().await.clone();
    l.sort_unstable();
    let pct = |p: f64| -> f64 {
        if l.is_empty() {
            return 0.0;
        }
        l[((l.len() as f64 * p) as usize).min(l.len() - 1)] as f64 / 1000.0
    };
    println!(
        "{}\t{} clients\t{:.0} req/s\tp50 {:.1} ms\tp99 {:.1} ms\t{} ok\t{} errors\t{} conflicts",
        a.scenario,
        a.clients,
        l.len() as f64 / elapsed,
        pct(0.50),
        pct(0.99),
        l.len(),
        errors.load(Ordering::Relaxed),
        conflicts.load(Ordering::Relaxed)
    );
}
