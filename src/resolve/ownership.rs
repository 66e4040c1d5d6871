//! Who owns what: files and folders per service, CODEOWNERS and Backstage owners, and the
//! hosts an init container waits for.

use super::*;

/// Hosts an init container waits for: `nc -z host port`, `wait-for host:port`,
/// `wait-for-it.sh host:port`, `curl http://host/…`, `until nslookup host`, `pg_isready -h host`.
pub(super) fn wait_targets(cmd: &str) -> Vec<String> {
    let words: Vec<&str> = cmd
        .split(|c: char| c.is_whitespace() || c == ';' || c == '"' || c == '\'')
        .filter(|w| !w.is_empty())
        .collect();
    let waits = words.iter().any(|w| {
        let w = w.rsplit('/').next().unwrap_or(w);
        w == "nc"
            || w.starts_with("wait-for")
            || w == "curl"
            || w == "wget"
            || w == "until"
            || w == "nslookup"
            || w == "pg_isready"
            || w == "dockerize"
    });
    if !waits {
        return Vec::new();
    }
    let mut hosts = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let candidate = if let Some((_, rest)) = w.split_once("://") {
            rest.split(['/', ':', '?']).next().unwrap_or("")
        } else if w.starts_with('-') {
            continue;
        } else if i > 0
            && matches!(
                words[i - 1],
                "-z" | "-h" | "--host" | "-wait" | "nslookup" | "nc"
            )
            || w.contains(':')
        {
            w.split(':').next().unwrap_or("")
        } else {
            continue;
        };
        let candidate = candidate.trim_start_matches("tcp://");
        if !candidate.is_empty()
            && candidate.chars().any(|c| c.is_ascii_alphabetic())
            && candidate
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        {
            hosts.push(candidate.to_string());
        }
    }
    hosts.sort();
    hosts.dedup();
    hosts
}

/// Does a CODEOWNERS pattern (gitignore-style) cover `path` (a file path)?
fn codeowners_match(pattern: &str, path: &str) -> bool {
    let anchored = pattern.starts_with('/');
    let p = pattern.trim_start_matches('/').trim_end_matches('/');
    if p.is_empty() {
        return false;
    }
    let base = if anchored || p.contains('/') {
        p.to_string()
    } else {
        format!("**/{p}")
    };
    [base.clone(), format!("{base}/**")].iter().any(|g| {
        globset::GlobBuilder::new(g)
            .literal_separator(true)
            .build()
            .is_ok_and(|g| g.compile_matcher().is_match(path))
    })
}

/// Owners from CODEOWNERS (last matching line wins; `.github/`, root, then `docs/`, as GitHub
/// reads them) for each service's directories, and from Backstage components by name.
pub(super) fn assign_owners(
    b: &mut Builder,
    rules: &[OwnerRule],
    service_dirs: &[(String, String)],
) {
    let mut by_file: BTreeMap<&str, Vec<(&String, &Vec<String>)>> = BTreeMap::new();
    for r in rules {
        if let OwnerRule::Path {
            pattern,
            owners,
            location,
        } = r
        {
            by_file
                .entry(location.file.as_str())
                .or_default()
                .push((pattern, owners));
        }
    }
    let chosen = [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"]
        .iter()
        .find_map(|f| by_file.get(f));
    let mut dirs_of: HashMap<&str, Vec<&str>> = HashMap::new();
    for (d, svc) in service_dirs {
        dirs_of.entry(svc.as_str()).or_default().push(d.as_str());
    }
    let ids: Vec<String> = b.components.keys().cloned().collect();
    for id in ids {
        let mut owners: BTreeSet<String> = BTreeSet::new();
        if let Some(lines) = chosen {
            let mut paths: Vec<String> = dirs_of
                .get(id.as_str())
                .into_iter()
                .flatten()
                .map(|d| format!("{d}/_"))
                .collect();
            if paths.is_empty()
                && let Some(c) = b.components.get(&id)
            {
                paths.push(c.location.file.clone());
            }
            for p in &paths {
                if let Some((_, o)) = lines
                    .iter()
                    .rev()
                    .find(|(pattern, _)| codeowners_match(pattern, p))
                {
                    owners.extend(o.iter().cloned());
                }
            }
        }
        for r in rules {
            if let OwnerRule::Component { name, owner, .. } = r
                && b.id_of(name) == id
            {
                owners.insert(owner.clone());
            }
        }
        if let Some(c) = b.components.get_mut(&id) {
            c.owners = owners.into_iter().collect();
        }
    }
}

/// Directory → service, from explicit config, build contexts, manifest paths and directory
/// names that match service names.
pub(super) fn ownership(
    b: &Builder,
    units: &[(String, Workload, Vec<ResolvedSetting>)],
    all_paths: &[String],
    opts: &ResolveOptions,
) -> Vec<(String, String)> {
    let mut dirs: BTreeSet<(String, String)> = BTreeSet::new();
    let mut all_dirs: BTreeSet<&str> = BTreeSet::new();
    for p in all_paths {
        let mut d = dir_of(p);
        while !d.is_empty() && all_dirs.insert(d) {
            d = dir_of(d);
        }
    }
    // Explicit mapping first: a directory, or a glob matched against the repository's folders.
    for (pattern, svc) in &opts.services {
        let pattern = pattern.trim_end_matches('/');
        if pattern.contains(['*', '?', '[', '{']) {
            if let Ok(glob) = globset::GlobBuilder::new(pattern)
                .literal_separator(true)
                .build()
            {
                let m = glob.compile_matcher();
                dirs.extend(
                    all_dirs
                        .iter()
                        .filter(|d| m.is_match(d))
                        .map(|d| (d.to_string(), svc.clone())),
                );
            }
        } else {
            dirs.insert((pattern.to_string(), svc.clone()));
        }
    }
    let explicit: Vec<String> = dirs.iter().map(|(d, _)| d.clone()).collect();
    let app = |name: &str| b.components.get(name).is_some_and(|c| c.kind.is_app());
    for (id, w, _) in units {
        if !app(id)
            && b.components
                .get(id)
                .is_none_or(|c| c.kind != ComponentKind::Platform)
        {
            continue;
        }
        if let (Origin::Compose { dir }, Some(ctx)) = (&w.origin, &w.build_context) {
            if ctx.contains("://") {
                continue;
            }
            let context = join(dir, ctx);
            let root = match &w.dockerfile {
                // A context shared by every service (`.`): the Dockerfile's folder is the service's.
                Some(df) if context == *dir || context.is_empty() => {
                    dir_of(&join(&context, df)).to_string()
                }
                _ => context,
            };
            if !root.is_empty() && root != *dir {
                dirs.insert((root, id.clone()));
            }
        }
        // Bind-mounted config (`./nginx.conf:/etc/nginx/nginx.conf`) belongs to the service.
        if let Origin::Compose { dir } = &w.origin {
            for (source, _, _) in &w.volumes {
                if !source.starts_with('/') {
                    dirs.insert((join(dir, source), id.clone()));
                }
            }
        }
    }
    // Directory names that match a service's names.
    // Folders by their normalised last segment: one lookup per service name.
    let mut by_name: HashMap<String, Vec<&str>> = HashMap::new();
    for d in &all_dirs {
        by_name
            .entry(normalise(d.rsplit('/').next().unwrap_or(d)))
            .or_default()
            .push(d);
    }
    for c in b.components.values().filter(|c| c.kind.is_app()) {
        let wanted: BTreeSet<String> = c.names.iter().map(|n| normalise(n)).collect();
        let lookup = |strip: bool| -> Vec<&str> {
            wanted
                .iter()
                .flat_map(|w| {
                    by_name
                        .get(if strip {
                            strip_role_suffix(w)
                        } else {
                            w.as_str()
                        })
                        .into_iter()
                        .flatten()
                        .copied()
                })
                .collect()
        };
        let mut found = lookup(false);
        if found.is_empty() {
            found = lookup(true);
        }
        for d in found {
            dirs.insert((d.to_string(), c.id.clone()));
        }
    }
    // Inside an explicitly mapped folder, the heuristics have no say.
    dirs.into_iter()
        .filter(|(d, _)| {
            !explicit
                .iter()
                .any(|e| d != e && (e.is_empty() || d.starts_with(&format!("{e}/"))))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_waits() {
        assert_eq!(
            wait_targets("sh -c until nc -z orders 8080; do sleep 1; done"),
            vec!["orders"]
        );
        assert_eq!(
            wait_targets("/wait-for-it.sh billing:8080 -t 30"),
            vec!["billing"]
        );
        assert_eq!(
            wait_targets("curl -sf http://catalog/health"),
            vec!["catalog"]
        );
        assert!(wait_targets("java -jar app.jar").is_empty());
    }

    #[test]
    fn codeowners_patterns() {
        assert!(codeowners_match("*", "services/orders/_"));
        assert!(codeowners_match("/services/orders/", "services/orders/_"));
        assert!(codeowners_match("services/orders", "services/orders/_"));
        assert!(codeowners_match("orders/", "x/orders/_"));
        assert!(!codeowners_match("/orders/", "x/orders/_"));
        assert!(!codeowners_match("*.md", "services/orders/_"));
    }
}
