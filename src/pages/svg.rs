//! Server-rendered SVG charts for the dashboard: a histogram and grouped horizontal bars.
//! Plain SVG with presentation attributes (no scripts, no inline `style`), so the page's CSP
//! needs nothing extra; every text goes through [`esc`].

use super::html::esc;

/// One series of values (a carrier).
pub struct Series<'a> {
    /// Legend name.
    pub name: &'a str,
    /// Fill colour `#rrggbb`.
    pub color: &'a str,
}

/// A vertical bar histogram: `counts[i]` above `labels[i]`.
pub fn histogram(id: &str, title: &str, labels: &[String], counts: &[u64], color: &str) -> String {
    let (w, h, left, bottom, top) = (320.0_f64, 180.0_f64, 28.0, 26.0, 22.0);
    let max = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let n = counts.len().max(1) as f64;
    let slot = (w - left - 6.0) / n;
    let plot_h = h - bottom - top;
    let mut s = format!(
        "<svg class=\"chart\" data-chart=\"{}\" viewBox=\"0 0 {w} {h}\" width=\"100%\" role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">\
         <title>{}</title>",
        esc(id),
        esc(title),
        esc(title)
    );
    // Gridlines at 0, 50 %, 100 % of the largest bucket.
    for frac in [0.0, 0.5, 1.0] {
        let y = top + plot_h * (1.0 - frac);
        s.push_str(&format!(
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#e3e6ea\"/>\
             <text x=\"{}\" y=\"{:.1}\" font-size=\"9\" text-anchor=\"end\" fill=\"#5b6470\">{}</text>",
            w - 4.0,
            left - 4.0,
            y + 3.0,
            (max * frac).round()
        ));
    }
    for (i, c) in counts.iter().enumerate() {
        let bh = plot_h * (*c as f64) / max;
        let x = left + slot * i as f64 + slot * 0.15;
        let y = top + plot_h - bh;
        s.push_str(&format!(
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" rx=\"2\" fill=\"{}\" data-value=\"{c}\"><title>{}: {c}</title></rect>",
            slot * 0.7,
            esc(color),
            esc(labels.get(i).map(String::as_str).unwrap_or(""))
        ));
        if *c > 0 {
            s.push_str(&format!(
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"9\" text-anchor=\"middle\" fill=\"#1b1f24\">{c}</text>",
                x + slot * 0.35,
                y - 3.0
            ));
        }
        s.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\" fill=\"#5b6470\">{}</text>",
            x + slot * 0.35,
            h - bottom + 14.0,
            esc(labels.get(i).map(String::as_str).unwrap_or(""))
        ));
    }
    s.push_str("</svg>");
    s
}

/// Horizontal bars, one group per metric and one bar per series, values 0..=1 (None: no data).
pub fn rate_bars(
    id: &str,
    title: &str,
    metrics: &[(&str, Vec<Option<f64>>)],
    series: &[Series<'_>],
) -> String {
    let (w, label_w, bar_h, gap) = (640.0_f64, 150.0_f64, 16.0_f64, 12.0_f64);
    let group_h = bar_h * series.len().max(1) as f64 + gap;
    let legend_h = 24.0;
    let h = legend_h + group_h * metrics.len() as f64 + 6.0;
    let plot_w = w - label_w - 56.0;
    let mut s = format!(
        "<svg class=\"chart\" data-chart=\"{}\" viewBox=\"0 0 {w} {h:.0}\" width=\"100%\" role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">\
         <title>{}</title>",
        esc(id),
        esc(title),
        esc(title)
    );
    for (i, se) in series.iter().enumerate() {
        let x = label_w + i as f64 * 110.0;
        s.push_str(&format!(
            "<rect x=\"{x:.0}\" y=\"4\" width=\"12\" height=\"12\" rx=\"2\" fill=\"{}\"/>\
             <text x=\"{:.0}\" y=\"14\" font-size=\"12\" fill=\"#1b1f24\">{}</text>",
            esc(se.color),
            x + 17.0,
            esc(se.name)
        ));
    }
    for (gi, (metric, values)) in metrics.iter().enumerate() {
        let gy = legend_h + gi as f64 * group_h;
        s.push_str(&format!(
            "<text x=\"0\" y=\"{:.1}\" font-size=\"12\" fill=\"#1b1f24\">{}</text>",
            gy + group_h / 2.0,
            esc(metric)
        ));
        for (si, se) in series.iter().enumerate() {
            let y = gy + si as f64 * bar_h;
            let v = values.get(si).copied().flatten();
            let bw = v.map_or(0.0, |v| plot_w * v.clamp(0.0, 1.0));
            let text = v.map_or_else(|| "–".to_string(), |v| format!("{:.0}%", v * 100.0));
            s.push_str(&format!(
                "<rect x=\"{label_w}\" y=\"{y:.1}\" width=\"{plot_w:.1}\" height=\"{:.1}\" fill=\"#f0f2f5\"/>\
                 <rect x=\"{label_w}\" y=\"{y:.1}\" width=\"{bw:.1}\" height=\"{:.1}\" fill=\"{}\" data-value=\"{}\"><title>{}: {}</title></rect>\
                 <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#1b1f24\">{}</text>",
                bar_h - 3.0,
                bar_h - 3.0,
                esc(se.color),
                v.map_or_else(String::new, |v| format!("{v:.4}")),
                esc(se.name),
                esc(&text),
                label_w + plot_w + 6.0,
                y + bar_h - 6.0,
                esc(&text)
            ));
        }
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_escape_text_and_carry_values() {
        let h = histogram("t", "<x>", &["0".into(), "1".into()], &[3, 0], "#123456");
        assert!(h.contains("&lt;x&gt;") && !h.contains("<x>"));
        assert!(h.contains("data-value=\"3\"") && h.starts_with("<svg"));
        let series = [
            Series {
                name: "DHL",
                color: "#d40511",
            },
            Series {
                name: "DPD",
                color: "#414042",
            },
        ];
        let r = rate_bars("r", "Rates", &[("On time", vec![Some(0.5), None])], &series);
        assert!(r.contains("50%") && r.contains("data-value=\"0.5000\"") && r.contains('–'));
    }
}
