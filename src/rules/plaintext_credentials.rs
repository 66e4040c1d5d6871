//! plaintext-credentials: a password, token or key committed in a connection string or an env/config value
//! (reported redacted). Values read from k8s Secrets are secrets by design and not reported.

use super::Context;
use crate::finding::Finding;

pub fn check(ctx: &Context) -> Vec<Finding> {
    ctx.model
        .credentials
        .iter()
        .map(|c| {
            let services: Vec<String> = c
                .components
                .iter()
                .filter(|s| ctx.model.component(s).is_some_and(|x| x.kind.is_app()))
                .cloned()
                .collect();
            let who = if c.components.is_empty() {
                String::new()
            } else {
                format!(" (read by {})", crate::finding::names(&c.components))
            };
            Finding::new(
                "plaintext-credentials",
                ctx.severity("plaintext-credentials"),
                format!(
                    "{} committed in plaintext: {}{who}",
                    c.noun, c.evidence.text
                ),
                c.evidence.location.clone(),
                services,
                &format!("{}:{}", c.evidence.location.file, c.evidence.text),
            )
        })
        .collect()
}
