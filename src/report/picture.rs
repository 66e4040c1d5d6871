//! The architecture picture of the HTML report: which components are drawn (all of a small
//! system; clusters collapsed and the components in findings for a large one), laid out by
//! layout-rs and drawn as SVG whose nodes and edges carry the data attributes the page's
//! script highlights.

use super::Report;
use crate::model::{ComponentKind, EdgeKind, Severity};
use layout::core::base::Orientation;
use layout::core::format::{ClipHandle, RenderBackend};
use layout::core::geometry::Point;
use layout::core::style::{LineStyleKind, StyleAttr};
use layout::std_shapes::render::get_shape_size;
use layout::std_shapes::shapes::{Arrow, Element, LineEndKind, ShapeKind};
use layout::topo::layout::VisualGraph;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The most nodes one picture draws: layout cost grows faster than linearly (a 36-node,
/// 119-edge system takes 0.5 s), and a reader cannot follow more anyway.
pub const MAX_NODES: usize = 60;
/// The most clusters drawn as pictures of their own.
const MAX_CLUSTER_PICTURES: usize = 8;
/// The most lines one picture draws: 60 nodes and 120 lines lay out in about 0.2 s, 180 lines
/// take 1.7 s.
const MAX_LINES: usize = 120;
/// Labels longer than this are cut with `…` (the full name is the node's tooltip).
const MAX_LABEL: usize = 28;

/// What a node stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Component(ComponentKind),
    /// A coupled cluster drawn as one node (with its member count).
    Cluster(usize),
}

#[derive(Debug, Clone)]
pub struct Node {
    /// The component id, or `cluster-N`.
    pub id: String,
    pub label: String,
    pub kind: NodeKind,
    /// The coupled cluster (0-based) the node belongs to, outlined in the picture.
    pub cluster: Option<usize>,
    /// Services a node stands for (itself, or a collapsed cluster's members).
    pub services: Vec<String>,
    /// In a cycle or another finding's set of services.
    pub flagged: bool,
}

/// One drawn edge: parallel model edges of one kind between two nodes are one line.
#[derive(Debug, Clone)]
pub struct Line {
    pub from: usize,
    pub to: usize,
    pub kind: EdgeKind,
    /// The most severe finding on any of its edges.
    pub flagged: Option<Severity>,
    pub count: usize,
}

/// A picture before layout.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub lines: Vec<Line>,
    /// What was left out, in one sentence, when not everything is drawn.
    pub note: Option<String>,
}

/// Kinds a picture draws: the system's own parts, not tools, jobs, sidecars or platform.
fn drawn(kind: ComponentKind) -> bool {
    matches!(
        kind,
        ComponentKind::Service
            | ComponentKind::Datastore
            | ComponentKind::Broker
            | ComponentKind::Gateway
            | ComponentKind::External
    )
}

/// Cluster of each service (0-based, in the verdict's order).
fn cluster_of<'a>(r: &Report<'a>) -> BTreeMap<&'a str, usize> {
    let mut of = BTreeMap::new();
    for (i, c) in r.verdict.clusters.iter().enumerate() {
        for s in &c.services {
            of.entry(s.as_str()).or_insert(i);
        }
    }
    of
}

/// The whole system when it fits, else clusters collapsed to one node each and then the
/// components findings name, in the model's order, up to `MAX_NODES`.
pub fn overview(r: &Report) -> Graph {
    let clusters = cluster_of(r);
    let flag = super::graphviz::flagged(r);
    let components: Vec<_> = r
        .model
        .components
        .iter()
        .filter(|c| drawn(c.kind))
        .collect();
    let mut g = Graph::default();
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    let node = |c: &crate::model::Component| Node {
        id: c.id.clone(),
        label: c.id.clone(),
        kind: NodeKind::Component(c.kind),
        cluster: clusters.get(c.id.as_str()).copied(),
        services: vec![c.id.clone()],
        flagged: flag.nodes.contains(&c.id),
    };
    if components.len() <= MAX_NODES {
        for c in &components {
            index.insert(&c.id, g.nodes.len());
            g.nodes.push(node(c));
        }
    } else {
        for (i, c) in r.verdict.clusters.iter().enumerate().take(MAX_NODES / 2) {
            let at = g.nodes.len();
            g.nodes.push(Node {
                id: format!("cluster-{}", i + 1),
                label: format!("cluster {} ({} services)", i + 1, c.services.len()),
                kind: NodeKind::Cluster(c.services.len()),
                cluster: Some(i),
                services: c.services.clone(),
                flagged: true,
            });
            for s in &c.services {
                index.insert(s, at);
            }
        }
        // Then what findings name, then the rest by kind and connectedness.
        let named = named_by_findings(r);
        let degree = degrees(r);
        let mut rest: Vec<_> = components.iter().collect();
        rest.sort_by_key(|c| {
            (
                !named.contains(c.id.as_str()),
                kind_rank(c.kind),
                std::cmp::Reverse(degree.get(c.id.as_str()).copied().unwrap_or(0)),
            )
        });
        for c in rest {
            if g.nodes.len() >= MAX_NODES {
                break;
            }
            if !index.contains_key(c.id.as_str()) {
                index.insert(&c.id, g.nodes.len());
                g.nodes.push(node(c));
            }
        }
        let shown = components
            .iter()
            .filter(|c| index.contains_key(c.id.as_str()))
            .count();
        g.note = Some(format!(
            "{shown} of {} components drawn: coupled clusters as one node each, then the \
             components findings name, then the most connected (`--format dot` has the whole \
             graph)",
            components.len()
        ));
    }
    set_lines(&mut g, lines(r, &index, &flag));
    g
}

/// Platform parts before services when filling a large picture: few, and shared by many.
fn kind_rank(kind: ComponentKind) -> u8 {
    match kind {
        ComponentKind::Gateway => 0,
        ComponentKind::Broker => 1,
        ComponentKind::Datastore => 2,
        _ => 3,
    }
}

/// Edges per component, both directions.
fn degrees<'a>(r: &Report<'a>) -> BTreeMap<&'a str, usize> {
    let mut degree = BTreeMap::new();
    for e in &r.model.edges {
        *degree.entry(e.from.as_str()).or_insert(0) += 1;
        *degree.entry(e.to.as_str()).or_insert(0) += 1;
    }
    degree
}

/// Components that findings name: their services and the ends of their edges.
fn named_by_findings<'a>(r: &Report<'a>) -> std::collections::BTreeSet<&'a str> {
    let mut named = std::collections::BTreeSet::new();
    for f in r.findings.iter().filter(|f| f.suppressed.is_none()) {
        named.extend(f.components.iter().map(String::as_str));
        for (a, b, _) in &f.edges {
            named.insert(a.as_str());
            named.insert(b.as_str());
        }
    }
    named
}

/// One cluster's members and the datastores and brokers they use; of a cluster too large to
/// draw, its most connected members.
pub fn cluster(r: &Report, i: usize) -> Option<Graph> {
    let c = r.verdict.clusters.get(i)?;
    if i >= MAX_CLUSTER_PICTURES {
        return None;
    }
    let flag = super::graphviz::flagged(r);
    let degree = degrees(r);
    let mut ranked: Vec<&str> = c.services.iter().map(String::as_str).collect();
    ranked.sort_by_key(|s| std::cmp::Reverse(degree.get(s).copied().unwrap_or(0)));
    ranked.truncate(MAX_NODES);
    let members: std::collections::BTreeSet<&str> = ranked.into_iter().collect();
    let mut used: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
    for e in &r.model.edges {
        if members.contains(e.from.as_str()) && !members.contains(e.to.as_str()) {
            used.insert(&e.to);
        }
    }
    let mut g = Graph::default();
    let mut index = BTreeMap::new();
    for comp in r.model.components.iter().filter(|x| drawn(x.kind)) {
        let member = members.contains(comp.id.as_str());
        let backing = used.contains(comp.id.as_str())
            && matches!(comp.kind, ComponentKind::Datastore | ComponentKind::Broker);
        if !(member || backing) || g.nodes.len() >= MAX_NODES {
            continue;
        }
        index.insert(comp.id.as_str(), g.nodes.len());
        g.nodes.push(Node {
            id: comp.id.clone(),
            label: comp.id.clone(),
            kind: NodeKind::Component(comp.kind),
            cluster: member.then_some(i),
            services: vec![comp.id.clone()],
            flagged: flag.nodes.contains(&comp.id),
        });
    }
    let drawn_members = g.nodes.iter().filter(|n| n.cluster.is_some()).count();
    if drawn_members < c.services.len() {
        g.note = Some(format!(
            "{drawn_members} of the cluster's {} services drawn: the most connected",
            c.services.len()
        ));
    }
    set_lines(&mut g, lines(r, &index, &flag));
    Some(g)
}

/// The model's edges between drawn nodes, parallel ones merged, none inside one node.
fn lines(r: &Report, index: &BTreeMap<&str, usize>, flag: &super::graphviz::Flagged) -> Vec<Line> {
    let mut merged: BTreeMap<(usize, usize, EdgeKind), Line> = BTreeMap::new();
    for e in &r.model.edges {
        let (Some(&a), Some(&b)) = (index.get(e.from.as_str()), index.get(e.to.as_str())) else {
            continue;
        };
        if a == b {
            continue;
        }
        let line = merged.entry((a, b, e.kind)).or_insert(Line {
            from: a,
            to: b,
            kind: e.kind,
            flagged: None,
            count: 0,
        });
        line.count += 1;
        line.flagged = line.flagged.max(flag.severity(e));
    }
    merged.into_values().collect()
}

/// The graph's lines, capped, with a note of how many were left out.
fn set_lines(g: &mut Graph, all: Vec<Line>) {
    let count = all.len();
    g.lines = cap(all);
    note_dropped(g, count);
}

/// At most `MAX_LINES`: what findings name first, then calls, messages, data and startup
/// order; in their first order.
fn cap(mut lines: Vec<Line>) -> Vec<Line> {
    if lines.len() <= MAX_LINES {
        return lines;
    }
    let rank = |k: EdgeKind| match k {
        EdgeKind::Sync => 0,
        EdgeKind::Async => 1,
        EdgeKind::Data => 2,
        EdgeKind::Startup => 3,
        EdgeKind::Platform => 4,
    };
    lines.sort_by_key(|l| (std::cmp::Reverse(l.flagged), rank(l.kind), l.from, l.to));
    lines.truncate(MAX_LINES);
    lines.sort_by_key(|l| (l.from, l.to, l.kind));
    lines
}

/// Add to a graph's note how many of its lines were left out.
fn note_dropped(g: &mut Graph, all: usize) {
    if all > g.lines.len() {
        let dropped = format!(
            "{} of {all} edges drawn (those findings name first)",
            g.lines.len()
        );
        g.note = Some(match g.note.take() {
            Some(n) => format!("{n}; {dropped}"),
            None => dropped,
        });
    }
}

fn label(text: &str) -> String {
    if text.chars().count() <= MAX_LABEL {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(MAX_LABEL - 1).collect();
    cut.push('…');
    cut
}

/// Where layout-rs put each node and each edge's path (keyed by the `properties` we gave
/// them); the drawing itself is ours.
#[derive(Default)]
struct Placed {
    nodes: BTreeMap<usize, (Point, Point)>,
    edges: BTreeMap<usize, Vec<(Point, Point)>>,
}

fn index_of(properties: &Option<String>, prefix: char) -> Option<usize> {
    properties.as_deref()?.strip_prefix(prefix)?.parse().ok()
}

impl RenderBackend for Placed {
    fn draw_rect(
        &mut self,
        xy: Point,
        size: Point,
        _look: &StyleAttr,
        properties: Option<String>,
        _clip: Option<ClipHandle>,
    ) {
        if let Some(i) = index_of(&properties, 'n') {
            self.nodes.insert(i, (xy, size));
        }
    }
    fn draw_line(&mut self, _: Point, _: Point, _: &StyleAttr, _: Option<String>) {}
    fn draw_circle(&mut self, _: Point, _: Point, _: &StyleAttr, _: Option<String>) {}
    fn draw_text(&mut self, _: Point, _: &str, _: &StyleAttr) {}
    fn draw_arrow(
        &mut self,
        path: &[(Point, Point)],
        _dashed: bool,
        _head: (bool, bool),
        _look: &StyleAttr,
        properties: Option<String>,
        _text: &str,
    ) {
        if let Some(i) = index_of(&properties, 'e') {
            self.edges.insert(i, path.to_vec());
        }
    }
    fn create_clip(&mut self, _: Point, _: Point, _: usize) -> ClipHandle {
        0
    }
}

/// Lay the graph out; `None` when it is empty or the layout failed (a layout-rs panic, which
/// happens on some dense graphs, is contained: the report goes on without this picture).
fn place(g: &Graph) -> Option<Placed> {
    if g.nodes.is_empty() {
        return None;
    }
    let orientation = Orientation::LeftToRight;
    let run = || {
        let mut vg = VisualGraph::new(orientation);
        let handles: Vec<_> = g
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| {
                // Room for the kind's mark beside the text.
                let shape = ShapeKind::new_box(&format!("{}  ", label(&n.label)));
                let look = StyleAttr::simple();
                let size = get_shape_size(orientation, &shape, look.font_size, false);
                vg.add_node(Element::create_with_properties(
                    shape,
                    look,
                    orientation,
                    size,
                    format!("n{i}"),
                ))
            })
            .collect();
        for (i, l) in g.lines.iter().enumerate() {
            let arrow = Arrow::new(
                LineEndKind::None,
                LineEndKind::Arrow,
                LineStyleKind::Normal,
                "",
                &StyleAttr::simple(),
                &None,
                &None,
            );
            let arrow = Arrow {
                properties: Some(format!("e{i}")),
                ..arrow
            };
            vg.add_edge(arrow, handles[l.from], handles[l.to]);
        }
        let mut placed = Placed::default();
        vg.do_it(false, false, false, &mut placed);
        placed
    };
    let placed = crate::contained(run).ok()?;
    (placed.nodes.len() == g.nodes.len()).then_some(placed)
}

fn esc(s: &str) -> String {
    super::html::escape(s)
}

/// The class names of a line: its kind, and whether a finding flags it.
fn line_class(l: &Line) -> String {
    let flagged = match l.flagged {
        Some(Severity::Error) => " flag-error",
        Some(Severity::Warning) => " flag-warning",
        _ => "",
    };
    format!("edge {}{flagged}", l.kind.as_str())
}

fn node_class(n: &Node) -> String {
    let kind = match n.kind {
        NodeKind::Cluster(_) => "cluster",
        NodeKind::Component(k) => k.as_str(),
    };
    let flagged = if n.flagged { " flagged" } else { "" };
    format!("node {kind}{flagged}")
}

/// Cluster outline colours, by cluster number.
const CLUSTER_COLORS: &[&str] = &[
    "#7b61ff", "#00a3a3", "#d9730d", "#2f80ed", "#c2185b", "#558b2f", "#6d4c41", "#455a64",
];

/// The SVG of a laid-out graph, or `None` when it cannot be laid out.
pub fn svg(g: &Graph, id: &str) -> Option<String> {
    let placed = place(g)?;
    let pad = 24.0;
    let (mut min, mut max) = (
        Point::new(f64::MAX, f64::MAX),
        Point::new(f64::MIN, f64::MIN),
    );
    let mut grow = |p: Point| {
        min = Point::new(min.x.min(p.x), min.y.min(p.y));
        max = Point::new(max.x.max(p.x), max.y.max(p.y));
    };
    for (xy, size) in placed.nodes.values() {
        grow(*xy);
        grow(Point::new(xy.x + size.x, xy.y + size.y));
    }
    for path in placed.edges.values() {
        for (a, b) in path {
            grow(*a);
            grow(*b);
        }
    }
    let (w, h) = (max.x - min.x + 2.0 * pad, max.y - min.y + 2.0 * pad);
    let (dx, dy) = (pad - min.x, pad - min.y);
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"picture\" id=\"{id}\" \
         viewBox=\"0 0 {w:.0} {h:.0}\" width=\"{w:.0}\" height=\"{h:.0}\" role=\"img\">\
         <defs><marker id=\"{id}-head\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" \
         markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">\
         <path d=\"M0,0 L10,5 L0,10 z\" fill=\"context-stroke\"/></marker></defs>"
    );
    outlines(&mut out, g, &placed, (dx, dy));
    out.push_str("<g class=\"edges\">");
    for (i, l) in g.lines.iter().enumerate() {
        let Some(path) = placed.edges.get(&i) else {
            continue;
        };
        let d = path_data(path, (dx, dy));
        let title = format!(
            "{} → {} ({}{})",
            g.nodes[l.from].id,
            g.nodes[l.to].id,
            l.kind.as_str(),
            if l.count > 1 {
                format!(", {} edges", l.count)
            } else {
                String::new()
            }
        );
        let _ = write!(
            out,
            "<path class=\"{}\" data-from=\"{}\" data-to=\"{}\" d=\"{d}\" \
             marker-end=\"url(#{id}-head)\"><title>{}</title></path>",
            line_class(l),
            esc(&g.nodes[l.from].id),
            esc(&g.nodes[l.to].id),
            esc(&title)
        );
    }
    out.push_str("</g><g class=\"nodes\">");
    for (i, n) in g.nodes.iter().enumerate() {
        let (xy, size) = placed.nodes[&i];
        node_svg(&mut out, n, (xy.x + dx, xy.y + dy), (size.x, size.y));
    }
    out.push_str("</g></svg>");
    Some(out)
}

/// A translucent halo behind each cluster member, in its cluster's colour: a bounding box
/// would also take in the components between members that are not in the cluster.
fn outlines(out: &mut String, g: &Graph, placed: &Placed, (dx, dy): (f64, f64)) {
    out.push_str("<g class=\"outlines\">");
    for (i, n) in g.nodes.iter().enumerate() {
        let (Some(c), Some((xy, size))) = (n.cluster, placed.nodes.get(&i)) else {
            continue;
        };
        if matches!(n.kind, NodeKind::Cluster(_)) {
            continue;
        }
        let color = CLUSTER_COLORS[c % CLUSTER_COLORS.len()];
        let m = 6.0;
        let _ = write!(
            out,
            "<rect class=\"outline\" data-cluster=\"{}\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" \
             height=\"{:.1}\" rx=\"10\" fill=\"{color}\" fill-opacity=\"0.16\" stroke=\"{color}\" \
             stroke-dasharray=\"5 3\"><title>cluster {}</title></rect>",
            c + 1,
            xy.x + dx - m,
            xy.y + dy - m,
            size.x + 2.0 * m,
            size.y + 2.0 * m,
            c + 1
        );
    }
    out.push_str("</g>");
}

/// layout-rs's path: the first pair is the exit vector, the others entry vectors (SVG `C`
/// then `S` segments).
fn path_data(path: &[(Point, Point)], (dx, dy): (f64, f64)) -> String {
    let p = |q: Point| format!("{:.1} {:.1}", q.x + dx, q.y + dy);
    let mut d = String::new();
    if path.len() < 2 {
        return d;
    }
    let _ = write!(
        d,
        "M {} C {}, {}, {}",
        p(path[0].0),
        p(path[0].1),
        p(path[1].0),
        p(path[1].1)
    );
    for seg in &path[2..] {
        let _ = write!(d, " S {}, {}", p(seg.0), p(seg.1));
    }
    d
}

fn node_svg(out: &mut String, n: &Node, (x, y): (f64, f64), (w, h): (f64, f64)) {
    let shape = match n.kind {
        NodeKind::Component(ComponentKind::Datastore) => format!(
            "<path class=\"shape\" d=\"M{x:.1},{y1:.1} v{hh:.1} a{rx:.1},6 0 0 0 {w:.1},0 v-{hh:.1} \
             a{rx:.1},6 0 0 0 -{w:.1},0 a{rx:.1},6 0 0 0 {w:.1},0\"/>",
            y1 = y + 5.0,
            hh = h - 10.0,
            rx = w / 2.0
        ),
        NodeKind::Component(ComponentKind::Broker) => format!(
            "<path class=\"shape\" d=\"M{:.1},{y:.1} h{:.1} l8,{:.1} l-8,{:.1} h-{:.1} l-8,-{:.1} z\"/>",
            x + 8.0,
            w - 16.0,
            h / 2.0,
            h / 2.0,
            w - 16.0,
            h / 2.0
        ),
        NodeKind::Component(ComponentKind::Gateway) => format!(
            "<path class=\"shape\" d=\"M{x:.1},{y:.1} h{w:.1} v{h:.1} h-{w:.1} z M{:.1},{y:.1} v{h:.1}\"/>",
            x + 6.0
        ),
        NodeKind::Cluster(_) => format!(
            "<rect class=\"shape\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" rx=\"12\"/>"
        ),
        NodeKind::Component(_) => format!(
            "<rect class=\"shape\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" rx=\"6\"/>"
        ),
    };
    let style = n.cluster.map_or(String::new(), |c| {
        format!(
            " style=\"--cluster:{}\"",
            CLUSTER_COLORS[c % CLUSTER_COLORS.len()]
        )
    });
    let _ = write!(
        out,
        "<g class=\"{}\" data-id=\"{}\" data-services=\"{}\" tabindex=\"0\"{style}>{shape}\
         <text x=\"{:.1}\" y=\"{:.1}\">{}</text><title>{}</title></g>",
        node_class(n),
        esc(&n.id),
        esc(&n.services.join(" ")),
        x + w / 2.0,
        y + h / 2.0 + 4.0,
        esc(&label(&n.label)),
        esc(&n.label)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(n: usize, edges: &[(usize, usize)]) -> Graph {
        Graph {
            nodes: (0..n)
                .map(|i| Node {
                    id: format!("svc-{i}"),
                    label: format!("svc-{i}"),
                    kind: NodeKind::Component(ComponentKind::Service),
                    cluster: (i % 2 == 0).then_some(0),
                    services: vec![format!("svc-{i}")],
                    flagged: false,
                })
                .collect(),
            lines: edges
                .iter()
                .map(|&(from, to)| Line {
                    from,
                    to,
                    kind: EdgeKind::Sync,
                    flagged: None,
                    count: 1,
                })
                .collect(),
            note: None,
        }
    }

    #[test]
    fn every_node_and_edge_is_drawn_with_its_data() {
        let svg = svg(&graph(4, &[(0, 1), (1, 2), (2, 0), (2, 3)]), "p").unwrap();
        for i in 0..4 {
            assert!(svg.contains(&format!("data-id=\"svc-{i}\"")), "{svg}");
        }
        assert_eq!(svg.matches("<path class=\"edge sync\"").count(), 4);
        assert!(svg.contains("data-from=\"svc-2\" data-to=\"svc-0\""));
        assert_eq!(svg.matches("class=\"outline\"").count(), 2);
    }

    #[test]
    fn the_same_graph_gives_the_same_picture() {
        let g = graph(
            12,
            &[(0, 1), (1, 2), (2, 3), (3, 0), (4, 5), (5, 6), (7, 1)],
        );
        assert_eq!(svg(&g, "p"), svg(&g, "p"));
    }

    #[test]
    fn a_dense_graph_keeps_the_flagged_lines() {
        let mut edges = Vec::new();
        for a in 0..20 {
            for b in 0..20 {
                if a != b {
                    edges.push((a, b));
                }
            }
        }
        let mut g = graph(20, &edges);
        let last = g.lines.len() - 1;
        g.lines[last].flagged = Some(Severity::Error);
        g.lines[last].kind = EdgeKind::Startup;
        let flagged = (g.lines[last].from, g.lines[last].to);
        let kept = cap(g.lines.clone());
        assert_eq!(kept.len(), MAX_LINES);
        assert!(
            kept.iter().any(|l| (l.from, l.to) == flagged),
            "the flagged line stays"
        );
        assert!(
            kept.windows(2)
                .all(|w| (w[0].from, w[0].to) <= (w[1].from, w[1].to))
        );
        assert_eq!(cap(g.lines[..10].to_vec()).len(), 10);
    }

    #[test]
    fn an_empty_graph_has_no_picture() {
        assert!(svg(&Graph::default(), "p").is_none());
    }

    #[test]
    fn long_labels_are_cut() {
        let l = label(&"x".repeat(40));
        assert_eq!(l.chars().count(), MAX_LABEL);
        assert!(l.ends_with('…'));
    }
}
