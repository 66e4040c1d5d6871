//! The graph view of the model (petgraph) and the queries rules ask of it: strongly connected
//! components of the sync graph, concrete cycles, longest sync chains on the condensation,
//! fan-out. Rules stay small; the graph algorithms live here. Configured-only edges are left
//! out, so no rule counts a call the code never makes.

use crate::model::{ComponentKind, Confidence, Edge, EdgeKind, Model};
use petgraph::algo::{condensation, tarjan_scc, toposort};
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

/// The sync call graph between app services (services and gateways): node weights are
/// component ids, edge weights index `model.edges`.
pub struct Graph {
    pub sync: DiGraph<String, usize>,
    index: HashMap<String, NodeIndex>,
    /// The gateway nodes.
    gateways: BTreeSet<NodeIndex>,
}

impl Graph {
    pub fn build(model: &Model) -> Graph {
        let mut sync = DiGraph::new();
        let mut index = HashMap::new();
        let mut gateways = BTreeSet::new();
        for c in model.components.iter().filter(|c| c.kind.is_app()) {
            let n = sync.add_node(c.id.clone());
            index.insert(c.id.clone(), n);
            if c.kind == ComponentKind::Gateway {
                gateways.insert(n);
            }
        }
        for (i, e) in model.edges.iter().enumerate() {
            // A call only configured for a service its code never makes is no coupling.
            if e.kind != EdgeKind::Sync || e.confidence == Confidence::Configured {
                continue;
            }
            if let (Some(a), Some(b)) = (index.get(&e.from), index.get(&e.to)) {
                sync.add_edge(*a, *b, i);
            }
        }
        Graph {
            sync,
            index,
            gateways,
        }
    }

    fn name(&self, n: NodeIndex) -> &str {
        &self.sync[n]
    }

    /// The model edge for a sync call, if there is one.
    pub fn edge<'m>(&self, model: &'m Model, from: &str, to: &str) -> Option<&'m Edge> {
        let (a, b) = (self.index.get(from)?, self.index.get(to)?);
        self.sync
            .find_edge(*a, *b)
            .map(|e| &model.edges[self.sync[e]])
    }

    /// Strongly connected components with at least two services, each sorted, in order. A loop
    /// among gateways only (an edge proxy and a BFF forwarding each other's hosts and paths) is
    /// routing, not services waiting on each other, and is left out.
    pub fn sync_cycles(&self) -> Vec<Vec<String>> {
        let mut out: Vec<Vec<String>> = tarjan_scc(&self.sync)
            .into_iter()
            .filter(|scc| scc.len() >= 2 && scc.iter().any(|n| !self.gateways.contains(n)))
            .map(|scc| {
                let mut names: Vec<String> =
                    scc.iter().map(|n| self.name(*n).to_string()).collect();
                names.sort();
                names
            })
            .collect();
        out.sort();
        out
    }

    fn sorted_successors(&self, n: NodeIndex, within: &BTreeSet<NodeIndex>) -> Vec<NodeIndex> {
        let mut next: Vec<NodeIndex> = self
            .sync
            .neighbors(n)
            .filter(|m| within.contains(m))
            .collect();
        next.sort_by(|a, b| self.name(*a).cmp(self.name(*b)));
        next.dedup();
        next
    }

    /// A shortest cycle through the alphabetically first member of an SCC (BFS), as a closed
    /// path: `[a, b, a]`.
    pub fn shortest_cycle(&self, scc: &[String]) -> Vec<String> {
        let members: BTreeSet<NodeIndex> = scc
            .iter()
            .filter_map(|s| self.index.get(s).copied())
            .collect();
        let Some(start) = scc.first().and_then(|s| self.index.get(s).copied()) else {
            return Vec::new();
        };
        let mut parent: HashMap<NodeIndex, NodeIndex> = HashMap::new();
        let mut queue = VecDeque::from([start]);
        while let Some(n) = queue.pop_front() {
            for m in self.sorted_successors(n, &members) {
                if m == start {
                    let mut path = vec![self.name(start).to_string()];
                    let mut cur = n;
                    let mut back = vec![];
                    while cur != start {
                        back.push(self.name(cur).to_string());
                        cur = parent[&cur];
                    }
                    back.reverse();
                    path.extend(back);
                    path.push(self.name(start).to_string());
                    return path;
                }
                if m != start && !parent.contains_key(&m) {
                    parent.insert(m, n);
                    queue.push_back(m);
                }
            }
        }
        Vec::new()
    }

    /// Elementary cycles of an SCC, each closed (`[a, b, a]`), at most `list` of them listed,
    /// counting up to `count_limit` in all, within `steps` steps of search (a ladder of 60
    /// services has billions of simple paths). Each cycle is found once, from its smallest
    /// member. The flag says whether the count is complete.
    pub fn elementary_cycles(
        &self,
        scc: &[String],
        list: usize,
        count_limit: usize,
        steps: usize,
    ) -> (Vec<Vec<String>>, usize, bool) {
        let mut members: Vec<NodeIndex> = scc
            .iter()
            .filter_map(|s| self.index.get(s).copied())
            .collect();
        members.sort_by(|a, b| self.name(*a).cmp(self.name(*b)));
        members.dedup();
        let rank: HashMap<NodeIndex, usize> =
            members.iter().enumerate().map(|(i, n)| (*n, i)).collect();
        // Successors by rank, sorted (ranks follow names), computed once: the search below
        // may take hundreds of thousands of steps.
        let next: Vec<Vec<usize>> = members
            .iter()
            .map(|&n| {
                let mut v: Vec<usize> = self
                    .sync
                    .neighbors(n)
                    .filter_map(|m| rank.get(&m).copied())
                    .collect();
                v.sort_unstable();
                v.dedup();
                v
            })
            .collect();
        let mut listed = Vec::new();
        let mut count = 0usize;
        let mut work = 0usize;
        let mut on_path = vec![false; members.len()];
        for start in 0..members.len() {
            // Depth-first over members ranked after `start`, with an explicit stack of
            // (member, position in its successor list).
            let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
            on_path[start] = true;
            while let Some(&mut (node, ref mut at)) = stack.last_mut() {
                work += 1;
                if count >= count_limit || work > steps {
                    return (listed, count, false);
                }
                let Some(&m) = next[node].get(*at) else {
                    on_path[node] = false;
                    stack.pop();
                    continue;
                };
                *at += 1;
                if m == start {
                    count += 1;
                    if listed.len() < list {
                        let mut c: Vec<String> = stack
                            .iter()
                            .map(|(n, _)| self.name(members[*n]).to_string())
                            .collect();
                        c.push(self.name(members[start]).to_string());
                        listed.push(c);
                    }
                } else if m > start && !on_path[m] {
                    on_path[m] = true;
                    stack.push((m, 0));
                }
            }
        }
        (listed, count, true)
    }

    /// For every entry service (nobody calls it, or a gateway), the longest sync chain from it,
    /// computed on the condensation so cycles cannot make it infinite. Each step is one SCC; an
    /// SCC of several services is shown as its members joined by `|`.
    pub fn longest_chains(&self, model: &Model) -> Vec<Vec<String>> {
        let cond = condensation(self.sync.clone(), true);
        let Ok(order) = toposort(&cond, None) else {
            return Vec::new();
        };
        let label = |n: NodeIndex| {
            let mut names = cond[n].clone();
            names.sort();
            names.join("|")
        };
        // Longest path (in hops) from each node, with the next step; ties broken by name.
        let mut best: HashMap<NodeIndex, (usize, Option<NodeIndex>)> = HashMap::new();
        for &n in order.iter().rev() {
            let mut choice: (usize, Option<NodeIndex>) = (0, None);
            let mut next: Vec<NodeIndex> = cond.neighbors(n).collect();
            next.sort_by_key(|m| label(*m));
            next.dedup();
            for m in next {
                let len = best[&m].0 + 1;
                if len > choice.0 {
                    choice = (len, Some(m));
                }
            }
            best.insert(n, choice);
        }
        let has_caller: BTreeSet<NodeIndex> = cond
            .node_indices()
            .flat_map(|n| cond.neighbors(n))
            .collect();
        let gateway = |n: NodeIndex| {
            cond[n].iter().any(|id| {
                model
                    .component(id)
                    .is_some_and(|c| c.kind == ComponentKind::Gateway)
            })
        };
        let mut chains = Vec::new();
        let mut entries: Vec<NodeIndex> = cond
            .node_indices()
            .filter(|n| !has_caller.contains(n) || gateway(*n))
            .collect();
        entries.sort_by_key(|n| label(*n));
        for e in entries {
            let mut chain = vec![label(e)];
            let mut cur = e;
            while let Some(next) = best[&cur].1 {
                chain.push(label(next));
                cur = next;
            }
            if chain.len() > 1 {
                chains.push(chain);
            }
        }
        chains
    }

    /// Each app service's distinct sync callees, sorted.
    pub fn fan_out(&self) -> BTreeMap<String, Vec<String>> {
        let mut out = BTreeMap::new();
        for n in self.sync.node_indices() {
            let mut callees: Vec<String> = self
                .sync
                .neighbors(n)
                .map(|m| self.name(m).to_string())
                .collect();
            callees.sort();
            callees.dedup();
            out.insert(self.name(n).to_string(), callees);
        }
        out
    }
}
