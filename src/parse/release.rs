//! Image tags that are shared by design: compose `repo/x:${TAG}`, Helm `{{ .Values.tag }}` in
//! chart templates, kustomize `images[].newTag`. Also CODEOWNERS lines.

use crate::model::{Fact, FileFacts, Location, OwnerRule, ReleaseTag};

/// Split an image reference into (name, tag) at the tag's `:`, ignoring `:` inside `${…}` and
/// `{{…}}` and the registry's port.
pub fn split_tag(image: &str) -> (&str, Option<&str>) {
    let bytes = image.as_bytes();
    let mut depth = 0i32;
    let mut colon_after_slash = None;
    for (i, b) in bytes.iter().enumerate() {
        match b {
            b'{' => depth += 1,
            b'}' => depth -= 1,
            b'/' if depth == 0 => colon_after_slash = None,
            b':' if depth == 0 && colon_after_slash.is_none() => colon_after_slash = Some(i),
            _ => {}
        }
    }
    match colon_after_slash {
        Some(i) => (&image[..i], Some(&image[i + 1..])),
        None => (image, None),
    }
}

/// An image reference without its `@sha256:…` digest: `shop/a:v1@sha256:9f…` → `shop/a:v1`.
/// An `@` inside `${…}` or `{{…}}` is not a digest.
pub fn strip_digest(image: &str) -> &str {
    let mut depth = 0i32;
    for (i, b) in image.bytes().enumerate() {
        match b {
            b'{' => depth += 1,
            b'}' => depth -= 1,
            b'@' if depth == 0 => return &image[..i],
            _ => {}
        }
    }
    image
}

/// A compose image whose tag holds variables: one `ReleaseTag` grouped by those variables.
pub fn compose_tag(image: &str, location: &Location) -> Option<Fact> {
    let (_, tag) = split_tag(image);
    let mut vars = crate::interp::variables(tag?);
    if vars.is_empty() {
        return None;
    }
    vars.sort();
    vars.dedup();
    Some(Fact::ReleaseTag(ReleaseTag {
        group: vars
            .iter()
            .map(|v| format!("${{{v}}}"))
            .collect::<Vec<_>>()
            .join(", "),
        image: image.to_string(),
        location: location.clone(),
    }))
}

/// Helm template lines `image: "repo/x:{{ .Values.image.tag }}"`. The group is the chart plus
/// the tag expression, or the expression alone for `.Values.global…` (shared by subcharts).
pub fn helm_tags(path: &str, text: &str, out: &mut FileFacts) {
    let chart = path.split("/templates/").next().unwrap_or("");
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start().trim_start_matches("- ");
        let Some(value) = trimmed.strip_prefix("image:") else {
            continue;
        };
        let value = value.trim().trim_matches(['"', '\'']);
        let (_, Some(tag)) = split_tag(value) else {
            continue;
        };
        let exprs: Vec<String> = tag
            .split("{{")
            .skip(1)
            .filter_map(|p| p.split("}}").next())
            .map(|e| {
                e.trim_matches(['-', ' '])
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        if exprs.is_empty() {
            continue;
        }
        let expr = exprs.join(" ");
        // Read in the finding's message: "every image tag comes from {{ .Values.tag }} of the
        // Helm chart `deploy/chart`".
        let group = if expr.contains(".Values.global") || chart.is_empty() {
            format!("{{{{ {expr} }}}} (Helm)")
        } else {
            format!("{{{{ {expr} }}}} of the Helm chart `{chart}`")
        };
        let column = (line.len() - line.trim_start().len()) as u32 + 1;
        out.facts.push(Fact::ReleaseTag(ReleaseTag {
            group,
            image: value.to_string(),
            location: Location::new(path, i as u32 + 1, column),
        }));
    }
}

/// CODEOWNERS: `pattern @owner @org/team user@example.com`; comments and blank lines skipped.
pub fn codeowners(path: &str, text: &str, out: &mut FileFacts) {
    for (i, line) in text.lines().enumerate() {
        let line = line.split(" #").next().unwrap_or(line).trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut words = line.split_whitespace();
        let Some(pattern) = words.next() else {
            continue;
        };
        let owners: Vec<String> = words
            .filter(|w| w.contains('@'))
            .map(str::to_string)
            .collect();
        out.facts.push(Fact::Owner(OwnerRule::Path {
            pattern: pattern.to_string(),
            owners,
            location: Location::new(path, i as u32 + 1, 1),
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags() {
        assert_eq!(
            split_tag("${REGISTRY:-eshop}/identity.api:${PLATFORM:-linux}-${TAG:-latest}").1,
            Some("${PLATFORM:-linux}-${TAG:-latest}")
        );
        assert_eq!(
            split_tag("localhost:5000/a/b:1.2"),
            ("localhost:5000/a/b", Some("1.2"))
        );
        assert_eq!(split_tag("redis"), ("redis", None));
        assert_eq!(strip_digest("shop/a:v0.6.10@sha256:9f1c"), "shop/a:v0.6.10");
        assert_eq!(strip_digest("shop/a@sha256:9f1c"), "shop/a");
        assert_eq!(strip_digest("x/a:${T:-@}"), "x/a:${T:-@}");
        assert_eq!(
            split_tag("{{ .Values.repo }}/ad:{{ .Values.tag | default .Chart.AppVersion }}").1,
            Some("{{ .Values.tag | default .Chart.AppVersion }}")
        );
        let Some(Fact::ReleaseTag(t)) = compose_tag(
            "${REGISTRY:-eshop}/x:${PLATFORM:-linux}-${TAG:-latest}",
            &Location::default(),
        ) else {
            panic!("a tag")
        };
        assert_eq!(t.group, "${PLATFORM}, ${TAG}");
        assert!(compose_tag("${REGISTRY}/x:1.0", &Location::default()).is_none());
    }

    #[test]
    fn helm() {
        let mut out = FileFacts::default();
        helm_tags(
            "chart/templates/ad.yaml",
            "spec:\n  containers:\n    - name: x\n      image: \"{{ .Values.images.repository }}/ad:{{ .Values.images.tag | default .Chart.AppVersion }}\"\n",
            &mut out,
        );
        let Fact::ReleaseTag(t) = &out.facts[0] else {
            panic!("a tag")
        };
        assert_eq!(
            t.group,
            "{{ .Values.images.tag | default .Chart.AppVersion }} of the Helm chart `chart`"
        );
        assert_eq!(t.location.line, 4);
    }

    #[test]
    fn owners() {
        let mut out = FileFacts::default();
        codeowners(
            "CODEOWNERS",
            "# comment\n* @org/platform\n/services/orders/ @org/orders alice@example.com\n",
            &mut out,
        );
        assert_eq!(out.facts.len(), 2);
        let Fact::Owner(OwnerRule::Path {
            pattern,
            owners,
            location,
        }) = &out.facts[1]
        else {
            panic!("owner")
        };
        assert_eq!(
            (pattern.as_str(), owners.len(), location.line),
            ("/services/orders/", 2, 3)
        );
    }
}
