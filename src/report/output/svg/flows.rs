//! The symbiosis exchanges as a flow diagram: senders on the left, receivers on the right, one
//! band per exchange whose thickness is its tonnes (the same scale at both ends), coloured by
//! stream. A band thick enough carries its stream and tonnes; every band has a hover title,
//! and the table under the diagram lists them all.

use super::{text, WIDTH};
use crate::report::figures::Exchange;
use crate::report::words::short_name;
use std::fmt::Write as _;

/// The streams' colours, in order of first appearance (Tableau 10).
pub const STREAM_COLOURS: [&str; 8] =
    ["#4e79a7", "#f28e2b", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f"];

/// Node columns and the band area between them.
const LEFT_NODE: f64 = 196.0;
const RIGHT_NODE: f64 = 452.0;
const NODE_W: f64 = 10.0;
/// The pixels all the tonnes take up, and the least room a node's two label lines need.
const BAND_SPACE: f64 = 240.0;
const MIN_SLOT: f64 = 30.0;
const GAP: f64 = 10.0;

/// The streams of the exchanges, in order of first appearance: their colours' order.
pub fn streams(exchanges: &[Exchange]) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for e in exchanges {
        if !out.contains(&e.stream.as_str()) {
            out.push(&e.stream);
        }
    }
    out
}

/// One column of nodes: each party's id, name, total tonnes and top edge.
struct Node<'a> {
    id: &'a str,
    name: &'a str,
    tonnes: f64,
    top: f64,
    /// Where the next band leaves or enters it.
    next: f64,
}

fn column<'a>(exchanges: &'a [Exchange], sender: bool, unit: f64) -> (Vec<Node<'a>>, f64) {
    let mut nodes: Vec<Node> = Vec::new();
    for e in exchanges {
        let (id, name) = if sender { (&e.from, &e.from_name) } else { (&e.to, &e.to_name) };
        match nodes.iter_mut().find(|n| n.id == id) {
            Some(n) => n.tonnes += e.tonnes,
            None => nodes.push(Node { id, name, tonnes: e.tonnes, top: 0.0, next: 0.0 }),
        }
    }
    nodes.sort_by(|a, b| b.tonnes.total_cmp(&a.tonnes).then(a.id.cmp(b.id)));
    let mut y = 12.0;
    for n in &mut nodes {
        n.top = y;
        n.next = y;
        y += (n.tonnes * unit).max(MIN_SLOT) + GAP;
    }
    (nodes, y)
}

/// The diagram of `exchanges` (pointers `/exchanges/i/tonnes`).
pub fn flows(exchanges: &[Exchange], label: &str) -> String {
    let total: f64 = exchanges.iter().map(|e| e.tonnes).sum();
    let unit = if total > 0.0 { BAND_SPACE / total } else { 0.0 };
    let (mut senders, left_h) = column(exchanges, true, unit);
    let (mut receivers, right_h) = column(exchanges, false, unit);
    let height = left_h.max(right_h) + 4.0;
    let colours = streams(exchanges);
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:.1}" width="{WIDTH}" height="{height:.1}" role="img" aria-label="{}">"#,
        super::esc(label)
    );
    // Bands in the order of their receivers at each sender, so that they cross as little as can be.
    let mut order: Vec<usize> = (0..exchanges.len()).collect();
    let rank = |id: &str, nodes: &[Node]| nodes.iter().position(|n| n.id == id).unwrap_or(0);
    order.sort_by_key(|&i| (rank(&exchanges[i].from, &senders), rank(&exchanges[i].to, &receivers)));
    let (x0, x1) = (LEFT_NODE + NODE_W, RIGHT_NODE);
    let xm = (x0 + x1) / 2.0;
    for i in order {
        let e = &exchanges[i];
        let t = e.tonnes * unit;
        let (si, ri) = (rank(&e.from, &senders), rank(&e.to, &receivers));
        let (y0, y1) = (senders[si].next, receivers[ri].next);
        senders[si].next += t;
        receivers[ri].next += t;
        let colour = STREAM_COLOURS[colours.iter().position(|s| *s == e.stream).unwrap_or(0) % STREAM_COLOURS.len()];
        let title = e.label();
        let _ = write!(
            out,
            r#"<path d="M{x0:.1},{y0:.1} C{xm:.1},{y0:.1} {xm:.1},{y1:.1} {x1:.1},{y1:.1} L{x1:.1},{:.1} C{xm:.1},{:.1} {xm:.1},{:.1} {x0:.1},{:.1} Z" fill="{colour}" fill-opacity="0.6" data-json="/exchanges/{i}/tonnes" data-value="{}"><title>{}</title></path>"#,
            y1 + t,
            y1 + t,
            y0 + t,
            y0 + t,
            e.tonnes,
            super::esc(&title)
        );
        if t >= 13.0 {
            text(&mut out, x0 + 6.0, y0 + t / 2.0 + 4.0, "start", "band", &format!("{} {:.1} t", e.stream, e.tonnes));
        }
    }
    for (nodes, x, anchor, lx, verb) in [
        (&senders, LEFT_NODE, "end", LEFT_NODE - 6.0, "sent"),
        (&receivers, RIGHT_NODE, "start", RIGHT_NODE + NODE_W + 6.0, "received"),
    ] {
        for n in nodes.iter() {
            let h = (n.tonnes * unit).max(2.0);
            let _ = write!(out, r#"<rect x="{x:.1}" y="{:.1}" width="{NODE_W}" height="{h:.1}" class="node"/>"#, n.top);
            let middle = n.top + h.max(MIN_SLOT) / 2.0;
            text(&mut out, lx, middle - 2.0, anchor, "label", &truncate(short_name(n.name), 34));
            text(&mut out, lx, middle + 11.0, anchor, "tick", &format!("{:.3} t {verb}", n.tonnes));
        }
    }
    out.push_str("</svg>");
    out
}

/// At most `n` characters, an ellipsis for the rest.
fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n - 1).chain(['…']).collect()
    }
}
