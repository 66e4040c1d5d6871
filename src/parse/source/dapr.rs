//! Dapr service invocation in source code, as a data table of patterns: the app id a call
//! names (`DaprClient.CreateInvokeHttpClient("basket-api")`, `InvokeMethodAsync(…, "orders",
//! "m")`, Java `invokeMethod("orders", "m", …)`, Go `InvokeMethod(ctx, "orders", "m", …)`,
//! Python `invoke_method("orders", "m")`, JS `client.invoker.invoke("orders", "m", …)`, gRPC or
//! HTTP `dapr-app-id` metadata, and `/v1.0/invoke/<app-id>/method/` URLs). Each is a
//! `Fact::Call`. Cheap trigger substrings are checked before any regex runs; commented-out
//! lines are skipped.

use super::{Hits, LineIndex, Table, Triggered};
use crate::model::{Fact, Location};
use std::sync::LazyLock;

struct Pattern {
    /// A substring every match contains (case-insensitive).
    trigger: &'static str,
    /// `id` captures the app id.
    regex: &'static str,
    /// A substring the file must contain (case-insensitive), when the call's name alone is
    /// not specific to Dapr.
    file_names: Option<&'static str>,
}

/// An app id as written: a name, never a placeholder.
const ID: &str = r#"(?P<id>[A-Za-z0-9][A-Za-z0-9_.-]*)"#;

const PATTERNS: &[Pattern] = &[
    // .NET `DaprClient.CreateInvokeHttpClient("basket-api")`, `(appId: "basket-api")`.
    Pattern {
        trigger: "CreateInvokeHttpClient",
        regex: r#"CreateInvokeHttpClient\s*\(\s*(?:appId\s*:\s*)?"ID""#,
        file_names: None,
    },
    // .NET `InvokeMethodAsync<T>(HttpMethod.Get, "app", "m")`, `CreateInvokeMethodRequest(…)`,
    // `InvokeMethodGrpcAsync`; Java `invokeMethod("app", "m", …)`; Go
    // `InvokeMethod(ctx, "app", "m", "post")`, `InvokeMethodWithContent`.
    Pattern {
        trigger: "InvokeMethod",
        regex: r#"\b(?:InvokeMethod|invokeMethod|CreateInvokeMethodRequest)\w*\s*(?:<[^()\n]*>)?\s*\(\s*(?:HttpMethod\.\w+\s*,\s*|[\w.]*(?:ctx|Context|context)[\w.]*(?:\(\))?\s*,\s*)?(?:appId\s*:\s*)?["']ID["']\s*,"#,
        file_names: Some("dapr"),
    },
    // Python `d.invoke_method("app", "m", data=…)`, `invoke_method(app_id="app", …)`.
    Pattern {
        trigger: "invoke_method",
        regex: r#"\binvoke_method(?:_async)?\s*\(\s*(?:app_id\s*=\s*)?["']ID["']"#,
        file_names: Some("dapr"),
    },
    // JS `client.invoker.invoke("app", "m", HttpMethod.POST)`.
    Pattern {
        trigger: ".invoker.invoke",
        regex: r#"\.invoker\s*\.\s*invoke\s*\(\s*["'`]ID["'`]\s*,"#,
        file_names: Some("dapr"),
    },
    // gRPC metadata or an HTTP header: `("dapr-app-id", "app")`, `{"dapr-app-id": "app"}`.
    Pattern {
        trigger: "dapr-app-id",
        regex: r#"["'`]dapr-app-id["'`]\s*[,:]\s*["'`]ID["'`]"#,
        file_names: None,
    },
    // The invoke API on the sidecar: `http://localhost:3500/v1.0/invoke/orders/method/x`.
    Pattern {
        trigger: "/v1.0/invoke/",
        regex: r#"/v1\.0/invoke/(?P<id>[A-Za-z0-9][A-Za-z0-9_-]*)(?:\.[A-Za-z0-9_-]+)?/method"#,
        file_names: None,
    },
];

pub(super) static COMPILED: LazyLock<Triggered> = LazyLock::new(|| {
    let regexes: Vec<String> = PATTERNS.iter().map(|p| p.regex.replace("ID", ID)).collect();
    let patterns = PATTERNS.iter().zip(&regexes);
    Triggered::new(Table::Dapr, patterns.map(|(p, r)| (p.trigger, r.as_str())))
});

/// Whether the line holding `at` is a comment (`//`, `#`, `*`, `--`, `'`).
fn commented(text: &str, at: usize) -> bool {
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = text[start..at].trim_start();
    ["//", "#", "*", "/*", "--", "'"]
        .iter()
        .any(|c| line.starts_with(c))
}

pub(super) fn scan(path: &str, text: &str, hits: &Hits, facts: &mut Vec<Fact>) {
    let active = COMPILED.active(hits);
    if active.is_empty() {
        return;
    }
    let lower = text.to_ascii_lowercase();
    let index = LineIndex::new(text);
    let mut seen = Vec::new();
    for (i, regex) in active {
        if PATTERNS[i].file_names.is_some_and(|w| !lower.contains(w)) {
            continue;
        }
        for cap in regex.captures_iter(text) {
            let (Some(m), Some(id)) = (cap.get(0), cap.name("id")) else {
                continue;
            };
            if commented(text, m.start()) || seen.contains(&m.start()) {
                continue;
            }
            seen.push(m.start());
            let line = &text[m.start()..];
            let line = line.split('\n').next().unwrap_or(line);
            let grpc = line.to_ascii_lowercase().contains("grpc")
                || lower.contains("metadata") && PATTERNS[i].trigger == "dapr-app-id";
            let (l, c) = index.position(text, m.start());
            facts.push(Fact::Call {
                target: id.as_str().to_string(),
                protocol: if grpc { "grpc" } else { "http" },
                text: m.as_str().lines().next().unwrap_or_default().to_string(),
                location: Location::new(path, l, c),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calls(src: &str) -> Vec<(String, &'static str, u32)> {
        let mut facts = Vec::new();
        scan("a.cs", src, &Hits::of(src), &mut facts);
        facts
            .into_iter()
            .filter_map(|f| match f {
                Fact::Call {
                    target,
                    protocol,
                    location,
                    ..
                } => Some((target, protocol, location.line)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn invocations_in_each_language() {
        let src = "using Dapr.Client;\n\
            var c = DaprClient.CreateInvokeHttpClient(\"basket-api\");\n\
            // var d = DaprClient.CreateInvokeHttpClient(\"old-api\");\n\
            await dapr.InvokeMethodAsync<Order>(HttpMethod.Get, \"ordering-api\", \"orders\");\n\
            client.invokeMethod(\"payments\", \"pay\", body, HttpExtension.POST);\n\
            client.InvokeMethod(ctx, \"stock\", \"check\", \"post\")\n\
            d.invoke_method(\"users\", \"get\")\n\
            await client.invoker.invoke(\"cart\", \"items\", HttpMethod.GET);\n\
            ctx = metadata.AppendToOutgoingContext(ctx, \"dapr-app-id\", \"geo\")\n\
            fetch(`http://localhost:3500/v1.0/invoke/search/method/q`)\n";
        assert_eq!(
            calls(src),
            vec![
                ("basket-api".into(), "http", 2),
                ("ordering-api".into(), "http", 4),
                ("payments".into(), "http", 5),
                ("stock".into(), "http", 6),
                ("users".into(), "http", 7),
                ("cart".into(), "http", 8),
                ("geo".into(), "grpc", 9),
                ("search".into(), "http", 10),
            ]
        );
    }

    #[test]
    fn near_misses() {
        // Reflection's InvokeMethod in a file without Dapr, a placeholder id, an app id in a
        // variable.
        assert_eq!(calls("type.InvokeMethod(\"Run\", flags);\n"), vec![]);
        let src = "fetch(`http://localhost:3500/v1.0/invoke/${app}/method/q`)\n\
            DaprClient.CreateInvokeHttpClient(appId);\n";
        assert_eq!(calls(src), vec![]);
    }
}
