//! The machine a benchmark ran on: CPU count, CPU model and memory, printed with every run.

use std::process::Command;

/// Prints `nproc`, the CPU model from `/proc/cpuinfo` and `free -h`.
pub fn print() {
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    println!("machine: nproc={cpus}, model name: {model}");
    match Command::new("free").arg("-h").output() {
        Ok(out) => print!("{}", String::from_utf8_lossy(&out.stdout)),
        Err(e) => println!("free -h unavailable: {e}"),
    }
}
