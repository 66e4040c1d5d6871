//! .NET Aspire AppHost (`Program.cs` / `AppHost.cs` with `DistributedApplication.CreateBuilder`):
//! the resources it adds become workloads, as a compose file's services would, and the
//! wiring Aspire injects at run time becomes their settings. `.WithReference(db)` gives
//! `ConnectionStrings__db`, `.WithReference(api)` gives `services__api__http__0`, and
//! `.WaitFor(x)` gives a `depends_on` on x's health.

use super::LineIndex;
use crate::model::*;
use std::collections::HashMap;

/// The marker that makes a C# file an AppHost.
pub const MARKER: &str = "DistributedApplication.CreateBuilder";

/// What one `Add…` method adds: the image that makes it a datastore or broker, and how a
/// reference to it reads at run time (`{host}`, `{db}` filled in). `None` image: an app.
struct Resource {
    method: &'static str,
    image: Option<&'static str>,
    reference: &'static str,
}

/// Hosting integrations by method name. `AddDatabase` adds a database to the server it is
/// called on; everything else is added to the builder.
const RESOURCES: &[Resource] = &[
    res(
        "AddPostgres",
        Some("postgres"),
        "postgresql://{host}:5432/{db}",
    ),
    res("AddMySql", Some("mysql"), "mysql://{host}:3306/{db}"),
    res(
        "AddSqlServer",
        Some("mcr.microsoft.com/mssql/server"),
        "Server={host},1433;Database={db}",
    ),
    res(
        "AddOracle",
        Some("oracle/database"),
        "oracle://{host}:1521/{db}",
    ),
    res("AddMongoDB", Some("mongo"), "mongodb://{host}:27017/{db}"),
    res("AddRedis", Some("redis"), "redis://{host}:6379"),
    res("AddValkey", Some("valkey/valkey"), "redis://{host}:6379"),
    res("AddGarnet", Some("garnet"), "redis://{host}:6379"),
    res(
        "AddElasticsearch",
        Some("elasticsearch"),
        "elasticsearch://{host}:9200",
    ),
    res("AddRabbitMQ", Some("rabbitmq"), "amqp://{host}:5672"),
    res(
        "AddKafka",
        Some("confluentinc/confluent-local"),
        "kafka://{host}:9092",
    ),
    res("AddNats", Some("nats"), "nats://{host}:4222"),
    res("AddProject", None, "http://{host}"),
    res("AddContainer", None, "http://{host}"),
    res("AddDockerfile", None, "http://{host}"),
    res("AddNpmApp", None, "http://{host}"),
    res("AddNodeApp", None, "http://{host}"),
    res("AddJavaScriptApp", None, "http://{host}"),
    res("AddPythonApp", None, "http://{host}"),
    res("AddUvicornApp", None, "http://{host}"),
    res("AddGolangApp", None, "http://{host}"),
    res("AddExecutable", None, "http://{host}"),
];

const fn res(
    method: &'static str,
    image: Option<&'static str>,
    reference: &'static str,
) -> Resource {
    Resource {
        method,
        image,
        reference,
    }
}

/// Methods whose second string argument is the app's folder (or project file), relative to
/// the AppHost.
const PATH_ARGUMENT: &[&str] = &[
    "AddProject",
    "AddDockerfile",
    "AddNpmApp",
    "AddNodeApp",
    "AddJavaScriptApp",
    "AddPythonApp",
    "AddUvicornApp",
    "AddGolangApp",
    "AddExecutable",
];

/// One resource the AppHost adds. A database (`AddDatabase`) has no workload of its own: it
/// lives in its server's, and only changes what a reference to it reads.
struct Added {
    workload: Option<Workload>,
    /// The entry whose workload this resource runs in (itself, or a database's server).
    server: usize,
    /// What `{host}` and `{db}` are for a reference to it.
    host: String,
    db: String,
    reference: &'static str,
    /// A datastore or broker: referenced by connection string, not by service URL.
    store: bool,
}

pub fn parse(path: &str, text: &str, out: &mut FileFacts) {
    let code = blank_comments(text);
    let lines = LineIndex::new(text);
    let dir = path.rsplit_once('/').map_or("", |(d, _)| d).to_string();
    let mut added: Vec<Added> = Vec::new();
    let mut vars: HashMap<String, usize> = HashMap::new();
    for (start, stmt) in statements(&code) {
        let (var, chain) = assignment(stmt);
        let mut current: Option<usize> = chain.receiver.and_then(|r| vars.get(r).copied());
        for call in &chain.calls {
            let (line, column) = lines.position(text, start + call.offset);
            let at = Location::new(path, line, column);
            if let Some(a) = add(call, current, &added, &dir, at.clone()) {
                added.push(a);
                current = Some(added.len() - 1);
            } else if let Some(i) = current {
                wire(call, i, &mut added, &vars, at);
            }
        }
        if let (Some(var), Some(i)) = (var, current) {
            vars.insert(var.to_string(), i);
        }
    }
    out.facts.extend(
        added
            .into_iter()
            .filter_map(|a| a.workload)
            .map(|w| Fact::Workload(Box::new(w))),
    );
}

/// `Add…("name", …)`: a new resource, on the builder or (`AddDatabase`) on a server.
fn add(call: &Call, on: Option<usize>, added: &[Added], dir: &str, at: Location) -> Option<Added> {
    let name = call.strings.first()?.to_ascii_lowercase();
    if call.method == "AddDatabase" {
        let server = &added[on?];
        return Some(Added {
            workload: None,
            server: server.server,
            host: server.host.clone(),
            db: name,
            reference: server.reference,
            store: true,
        });
    }
    let r = RESOURCES.iter().find(|r| r.method == call.method)?;
    let mut w = empty_workload(dir, &name, at.clone());
    let image = match (r.image, call.method.as_str()) {
        (Some(image), _) => Some(image.to_string()),
        (None, "AddContainer") => call.strings.get(1).cloned(),
        _ => None,
    };
    w.containers.push(Container {
        name: name.clone(),
        image: image.map(|i| (i, at.clone())),
        init: false,
        env: Vec::new(),
        env_from: Vec::new(),
        command: None,
    });
    if PATH_ARGUMENT.contains(&call.method.as_str())
        && let Some(p) = call.strings.get(1)
    {
        let p = p.replace('\\', "/");
        // A project file names its folder; a folder is the folder.
        let folder = match p.rsplit_once('/') {
            Some((d, f)) if f.contains('.') => d.to_string(),
            _ => p,
        };
        w.build_context = Some(folder);
    }
    // `AddProject<Projects.Catalog_Api>("catalog")`: the type is the .csproj name.
    if let Some(g) = &call.generic {
        w.aliases
            .push(g.trim_start_matches("Projects.").replace('_', "."));
    }
    Some(Added {
        workload: Some(w),
        server: added.len(),
        host: name,
        db: String::new(),
        reference: r.reference,
        store: r.image.is_some(),
    })
}

/// `.WithReference(x)`, `.WaitFor(x)`, `.WithEnvironment("K", "v")` on resource `i`.
fn wire(call: &Call, i: usize, added: &mut [Added], vars: &HashMap<String, usize>, at: Location) {
    let target = call.idents.first().and_then(|v| vars.get(v)).copied();
    let server = added[i].server;
    let setting = match (call.method.as_str(), target) {
        ("WithReference", Some(t)) => Some(reference(&added[t])),
        ("WithEnvironment", _) => match call.strings.as_slice() {
            [key, value, ..] => Some((key.clone(), value.clone())),
            _ => None,
        },
        ("WaitFor" | "WaitForCompletion", Some(t)) => {
            let condition = match call.method.as_str() {
                // As compose's `service_healthy`, said so the report can name `WaitFor`.
                "WaitFor" => "wait-for",
                _ => "service_completed_successfully",
            };
            let name = added[t].host.clone();
            if let Some(w) = added[server].workload.as_mut() {
                w.depends_on.push(DependsOn {
                    text: format!(
                        "{}({})",
                        call.method,
                        call.idents.first().map_or("", String::as_str)
                    ),
                    name,
                    condition: Some(condition.to_string()),
                    location: at.clone(),
                });
            }
            None
        }
        _ => None,
    };
    let container = added[server]
        .workload
        .as_mut()
        .and_then(|w| w.containers.first_mut());
    if let (Some((key, value)), Some(c)) = (setting, container) {
        c.env.push(Setting {
            key,
            value,
            source: EnvSource::Literal,
            location: at,
        });
    }
}

/// The setting a reference to `a` injects, as Aspire names it.
fn reference(a: &Added) -> (String, String) {
    let value = a
        .reference
        .replace("{host}", &a.host)
        .replace("{db}", &a.db);
    let value = value
        .trim_end_matches(";Database=")
        .trim_end_matches('/')
        .to_string();
    if a.store {
        let name = if a.db.is_empty() { &a.host } else { &a.db };
        (format!("ConnectionStrings__{name}"), value)
    } else {
        (format!("services__{}__http__0", a.host), value)
    }
}

fn empty_workload(dir: &str, name: &str, at: Location) -> Workload {
    let origin = Origin::Compose {
        dir: dir.to_string(),
    };
    Workload::new(origin, name, at)
}

// ---- a small reader for C# method chains ----------------------------------------------------

/// One `.Method<Generic>(args)` in a chain, with its offset in the statement.
struct Call {
    method: String,
    generic: Option<String>,
    /// String literal arguments, in order.
    strings: Vec<String>,
    /// Bare identifier arguments (`catalogDb`), in order.
    idents: Vec<String>,
    offset: usize,
}

struct Chain<'a> {
    receiver: Option<&'a str>,
    calls: Vec<Call>,
}

/// `var x = <chain>` / `IResourceBuilder<T> x = <chain>` / `<chain>`.
fn assignment(stmt: &str) -> (Option<&str>, Chain<'_>) {
    let trimmed = stmt.trim_start();
    let lead = stmt.len() - trimmed.len();
    if let Some(eq) = find_assign(trimmed) {
        let lhs = trimmed[..eq].trim();
        let var = lhs
            .rsplit(|c: char| c.is_whitespace())
            .next()
            .filter(|v| is_ident(v));
        let rest = &trimmed[eq + 1..];
        let off = lead + eq + 1;
        return (var, chain(rest, off));
    }
    (None, chain(trimmed, lead))
}

fn find_assign(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let paren = s.find('(').unwrap_or(s.len());
    (0..paren).find(|&i| {
        b[i] == b'='
            && b.get(i + 1) != Some(&b'=')
            && !matches!(b.get(i.wrapping_sub(1)), Some(b'!' | b'<' | b'>' | b'='))
    })
}

fn is_ident(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| c.is_alphanumeric() || c == '_')
        && !s.starts_with(|c: char| c.is_ascii_digit())
}

/// `receiver.A(…).B<T>(…)…`, offsets relative to the statement start.
fn chain(s: &str, base: usize) -> Chain<'_> {
    let s_trim = s.trim_start();
    let base = base + (s.len() - s_trim.len());
    let receiver_end = s_trim
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(s_trim.len());
    let receiver = Some(&s_trim[..receiver_end]).filter(|r| is_ident(r));
    let mut calls = Vec::new();
    let bytes = s_trim.as_bytes();
    let mut i = receiver_end;
    while i < bytes.len() {
        if bytes[i] != b'.' {
            i += 1;
            continue;
        }
        let name_start = i + 1;
        let mut j = name_start;
        while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
            j += 1;
        }
        let method = &s_trim[name_start..j];
        let mut k = j;
        let mut generic = None;
        if bytes.get(k) == Some(&b'<')
            && let Some(close) = s_trim[k..].find('>')
        {
            generic = Some(s_trim[k + 1..k + close].trim().to_string());
            k += close + 1;
        }
        while bytes.get(k).is_some_and(u8::is_ascii_whitespace) {
            k += 1;
        }
        if bytes.get(k) != Some(&b'(') || method.is_empty() {
            i = j.max(i + 1);
            continue;
        }
        let end = matching_paren(s_trim, k).unwrap_or(s_trim.len());
        let (strings, idents) = arguments(&s_trim[k + 1..end.min(s_trim.len())]);
        calls.push(Call {
            method: method.to_string(),
            generic,
            strings,
            idents,
            offset: base + name_start,
        });
        i = end + 1;
    }
    Chain { receiver, calls }
}

fn matching_paren(s: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_str = false;
    for (i, c) in s[open..].char_indices() {
        match c {
            '"' => in_str = !in_str,
            '(' if !in_str => depth += 1,
            ')' if !in_str => {
                depth -= 1;
                if depth == 0 {
                    return Some(open + i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Top-level arguments: string literals and bare identifiers; nested calls are skipped.
fn arguments(args: &str) -> (Vec<String>, Vec<String>) {
    let (mut strings, mut idents) = (Vec::new(), Vec::new());
    for arg in split_top(args) {
        let arg = arg.trim();
        // Named arguments (`name: "x"`) count by their value.
        let arg = match arg.split_once(':') {
            Some((n, v)) if is_ident(n.trim()) && !arg.starts_with('"') => v.trim(),
            _ => arg,
        };
        let arg = arg.trim_start_matches('@');
        if let Some(s) = arg.strip_prefix('"').and_then(|a| a.strip_suffix('"')) {
            strings.push(s.to_string());
        } else if is_ident(arg) {
            idents.push(arg.to_string());
        }
    }
    (strings, idents)
}

fn split_top(s: &str) -> Vec<&str> {
    let (mut out, mut depth, mut in_str, mut start) = (Vec::new(), 0i32, false, 0);
    for (i, c) in s.char_indices() {
        match c {
            '"' => in_str = !in_str,
            '(' | '[' | '{' if !in_str => depth += 1,
            ')' | ']' | '}' if !in_str => depth -= 1,
            ',' if !in_str && depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// Statements split at `;` outside strings and brackets, with their byte offsets.
fn statements(code: &str) -> Vec<(usize, &str)> {
    let (mut out, mut depth, mut in_str, mut start) = (Vec::new(), 0i32, false, 0);
    for (i, c) in code.char_indices() {
        match c {
            '"' => in_str = !in_str,
            '(' | '[' if !in_str => depth += 1,
            ')' | ']' if !in_str => depth -= 1,
            ';' | '{' | '}' if !in_str && depth <= 0 => {
                out.push((start, &code[start..i]));
                start = i + 1;
                depth = 0;
            }
            _ => {}
        }
    }
    out.push((start, &code[start..]));
    out
}

/// The text with `//` and `/* */` comments blanked to spaces (offsets and lines kept).
fn blank_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    let (mut in_str, mut line_comment, mut block) = (false, false, false);
    while let Some((_, c)) = chars.next() {
        let next = chars.peek().map(|(_, n)| *n);
        if line_comment {
            if c == '\n' {
                line_comment = false;
                out.push('\n');
            } else {
                out.extend(std::iter::repeat_n(' ', c.len_utf8()));
            }
            continue;
        }
        if block {
            if c == '*' && next == Some('/') {
                chars.next();
                block = false;
                out.push_str("  ");
            } else if c == '\n' {
                out.push('\n');
            } else {
                out.extend(std::iter::repeat_n(' ', c.len_utf8()));
            }
            continue;
        }
        match c {
            // An escaped character inside a string is blanked: `\"` must not end it.
            '\\' if in_str => {
                out.push(' ');
                if let Some((_, n)) = chars.next() {
                    out.extend(std::iter::repeat_n(' ', n.len_utf8()));
                }
                continue;
            }
            '"' => in_str = !in_str,
            '\n' => in_str = false,
            '/' if !in_str && next == Some('/') => {
                line_comment = true;
                out.push(' ');
                continue;
            }
            '/' if !in_str && next == Some('*') => {
                block = true;
                chars.next();
                out.push_str("  ");
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workloads(text: &str) -> Vec<Workload> {
        let mut out = FileFacts::default();
        parse("AppHost/Program.cs", text, &mut out);
        out.facts
            .into_iter()
            .filter_map(|f| match f {
                Fact::Workload(w) => Some(*w),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn broken_code_never_panics() {
        for text in [
            "builder.AddProject<(\"x\"",
            "var a = builder.AddRedis(\"r\"; a.WithReference(a",
            ")))(((;;; .. .AddDatabase(\"db\")",
            "var db = pg.AddDatabase(\"orphan\");",
            "builder.AddContainer(\"é\\\"\", \"img\").WithEnvironment(\"K\")",
            "/* unterminated",
            "\"unterminated string ; builder.AddRedis(\"r\")",
        ] {
            let _ = workloads(text);
        }
    }

    #[test]
    fn references_follow_variables_and_chains() {
        let ws = workloads(
            "var pg = builder.AddPostgres(\"pg\").AddDatabase(\"orders\");\n\
             var api = builder.AddProject<Projects.Api>(\"api\");\n\
             api.WithReference(pg).WaitFor(pg);",
        );
        let api = ws.iter().find(|w| w.name == "api").unwrap();
        let env: Vec<(&str, &str)> = api.containers[0]
            .env
            .iter()
            .map(|s| (s.key.as_str(), s.value.as_str()))
            .collect();
        assert_eq!(
            env,
            [("ConnectionStrings__orders", "postgresql://pg:5432/orders")]
        );
        assert_eq!(api.depends_on[0].name, "pg");
        assert_eq!(api.depends_on[0].location.line, 3);
        assert_eq!(ws.len(), 2, "a database is not a workload of its own");
    }
}
