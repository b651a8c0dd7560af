//! Figures against their targets, and the summary table printed at the end of a run.

use std::sync::Mutex;

/// One measured figure.
pub struct Figure {
    /// What was measured.
    pub name: String,
    /// The measured value, with its ratio to hello-world where that applies.
    pub value: String,
    /// The target from issue 6.
    pub target: String,
    /// Whether the target was met.
    pub pass: bool,
}

static FIGURES: Mutex<Vec<Figure>> = Mutex::new(Vec::new());

/// Records a figure and prints it at once.
pub fn record(name: &str, value: String, target: &str, pass: bool) {
    println!("  => {name}: {value}  [target {target}: {}]", verdict(pass));
    FIGURES.lock().expect("figures").push(Figure {
        name: name.to_string(),
        value,
        target: target.to_string(),
        pass,
    });
}

fn verdict(pass: bool) -> &'static str {
    if pass {
        "met"
    } else {
        "MISSED"
    }
}

/// Prints every figure; returns true when all targets were met.
pub fn print_summary() -> bool {
    let figures = FIGURES.lock().expect("figures");
    println!("\n== summary");
    for f in figures.iter() {
        println!(
            "{:<7} {:<44} {:<52} target {}",
            verdict(f.pass),
            f.name,
            f.value,
            f.target
        );
    }
    figures.iter().all(|f| f.pass)
}

/// Prints a section heading.
pub fn section(title: &str) {
    println!("\n== {title}");
}
