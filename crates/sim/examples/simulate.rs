//! Runs the simulator from the command line for demos and benchmarks: `simulate OUT [--accounts N] [--hours H] [--seed S] [--posts-per-day X] [--threads T] [--scenario FILE]`.

use std::path::PathBuf;
use std::process::ExitCode;

use vigil_sim::{simulate, SimConfig};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut cfg = SimConfig::default();
    let mut out: Option<PathBuf> = None;
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        let v = args.get(i + 1).cloned().unwrap_or_default();
        let num = |s: &str| s.parse::<f64>().ok();
        match a {
            "--scenario" => match std::fs::read_to_string(&v)
                .map_err(|e| e.to_string())
                .and_then(|t| SimConfig::from_toml(&t).map_err(|e| e.to_string()))
            {
                Ok(c) => cfg = c,
                Err(e) => {
                    eprintln!("simulate: {v}: {e}");
                    return ExitCode::from(2);
                }
            },
            "--accounts" => cfg.accounts = num(&v).unwrap_or(0.0) as u64,
            "--hours" => cfg.hours = num(&v).unwrap_or(0.0) as u32,
            "--seed" => cfg.seed = num(&v).unwrap_or(0.0) as u64,
            "--posts-per-day" => cfg.posts_per_account_day = num(&v).unwrap_or(-1.0),
            "--threads" => cfg.threads = num(&v).unwrap_or(0.0) as usize,
            "--campaigns" => cfg.campaigns = num(&v).unwrap_or(0.0) as u32,
            _ if !a.starts_with("--") && out.is_none() => {
                out = Some(PathBuf::from(a));
                i += 1;
                continue;
            }
            _ => {
                eprintln!("simulate: unknown argument `{a}`");
                return ExitCode::from(2);
            }
        }
        i += 2;
    }
    let Some(out) = out else {
        eprintln!("usage: simulate OUT_DIR [--accounts N] [--hours H] [--seed S] [--posts-per-day X] [--threads T] [--campaigns C] [--scenario FILE]");
        return ExitCode::from(2);
    };
    match simulate(&cfg, &out) {
        Ok(s) => {
            println!("{}", serde_json::to_string_pretty(&s).unwrap_or_default());
            eprintln!("posts/s: {:.0}", s.posts as f64 / s.elapsed_s.max(1e-9));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("simulate: {e}");
            ExitCode::from(1)
        }
    }
}
