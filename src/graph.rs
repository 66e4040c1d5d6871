//! The graph view of the model (petgraph): components are nodes, typed edges connect them.
//! Graph queries live here so rules stay small.

use crate::model::{EdgeKind, Model};
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::HashMap;

pub struct Graph {
    pub graph: DiGraph<String, usize>,
    pub index: HashMap<String, NodeIndex>,
}

impl Graph {
    /// Build the graph; edge weights index into `model.edges`.
    pub fn build(model: &Model) -> Graph {
        let mut graph = DiGraph::new();
        let mut index = HashMap::new();
        for c in &model.components {
            index.insert(c.id.clone(), graph.add_node(c.id.clone()));
        }
        for (i, e) in model.edges.iter().enumerate() {
            if let (Some(a), Some(b)) = (index.get(&e.from), index.get(&e.to)) {
                graph.add_edge(*a, *b, i);
            }
        }
        Graph { graph, index }
    }

    /// Indices (into `model.edges`) of the edges of one kind.
    pub fn edges_of_kind<'m>(
        &self,
        model: &'m Model,
        kind: EdgeKind,
    ) -> impl Iterator<Item = usize> + 'm {
        model
            .edges
            .iter()
            .enumerate()
            .filter(move |(_, e)| e.kind == kind)
            .map(|(i, _)| i)
    }
}
