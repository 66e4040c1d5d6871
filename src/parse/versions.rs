//! Versions build files declare, and whom each applies to: a Maven pom's own version (or the
//! parent it inherits one from), a Gradle root's `allprojects`/`subprojects` version, an npm
//! workspace root's version, `Directory.Build.props` and `.csproj` `<Version>`, a Helm chart's
//! `appVersion`. One `Fact::BuildVersion` each; which services share one is resolved later.

use super::build::Leaf;
use super::{loc, yaml_error};
use crate::model::{BuildSystem, BuildVersion, Fact, FileFacts, Location, VersionScope};
use crate::yaml::{Node, parse_documents};
use regex::Regex;
use std::sync::LazyLock;

fn push(
    out: &mut FileFacts,
    system: BuildSystem,
    dir: &str,
    version: Option<&str>,
    scope: VersionScope,
    location: Location,
) {
    let version = version.map(str::trim).filter(|v| !v.is_empty());
    out.facts.push(Fact::BuildVersion(BuildVersion {
        system,
        dir: dir.to_string(),
        version: version.map(str::to_string),
        scope,
        location,
    }));
}

/// A pom's own version and the parent it inherits from, named `groupId:artifactId` (the
/// groupId is the parent's when the pom declares none). Every pom, aggregators included:
/// the chain of parents decides who shares a reactor version.
pub(super) fn pom(
    path: &str,
    dir: &str,
    leaves: &[Leaf<'_>],
    at: &dyn Fn(usize) -> Location,
    out: &mut FileFacts,
) {
    let leaf = |keys: &[&str]| leaves.iter().find(|l| l.path == keys);
    let text = |keys: &[&str]| leaf(keys).map(|l| l.text.trim());
    let parent_group = text(&["project", "parent", "groupId"]);
    let group = text(&["project", "groupId"]).or(parent_group).unwrap_or("");
    let named = |group: &str, artifact: Option<&str>| {
        artifact
            .filter(|a| !a.is_empty())
            .map(|a| format!("{group}:{a}"))
    };
    let name = named(group, text(&["project", "artifactId"]));
    let parent = named(
        parent_group.unwrap_or(""),
        text(&["project", "parent", "artifactId"]),
    );
    let version = leaf(&["project", "version"]);
    let location = version
        .or_else(|| leaf(&["project", "parent", "artifactId"]))
        .map_or_else(|| Location::new(path, 1, 1), |l| at(l.offset));
    let text = version.map(|l| own_property(leaves, l.text.trim()));
    push(
        out,
        BuildSystem::Maven,
        dir,
        text,
        VersionScope::Module { name, parent },
        location,
    );
}

/// `${revision}` with the pom's own `<properties><revision>`: its value; anything else as
/// written (a property the pom does not set comes from its parent).
fn own_property<'a>(leaves: &[Leaf<'a>], version: &'a str) -> &'a str {
    let Some(key) = version.strip_prefix("${").and_then(|v| v.strip_suffix('}')) else {
        return version;
    };
    leaves
        .iter()
        .find(|l| l.path.len() == 3 && l.path[..2] == ["project", "properties"] && l.path[2] == key)
        .map_or(version, |l| l.text.trim())
}

static GRADLE_VERSION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^\s*(?:project\.)?version\s*=?\s*['"](?P<v>[^'"]+)['"]"#).expect("valid regex")
});

/// `build.gradle(.kts)`: `version = '1.2.0'` inside a top-level `allprojects { }` or
/// `subprojects { }` block versions the projects of the build; at the top level it is the
/// project's own. Braces inside strings are not told apart (build scripts rarely hold any).
pub(super) fn gradle(path: &str, dir: &str, text: &str, out: &mut FileFacts) {
    let mut depth = 0usize;
    // Inside a shared block (whether it includes the root), while depth stays above 0.
    let mut block: Option<bool> = None;
    for (i, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or(line);
        let trimmed = code.trim_start();
        let opens = ["allprojects", "subprojects"].iter().find(|w| {
            trimmed
                .strip_prefix(**w)
                .is_some_and(|r| r.trim_start().starts_with('{'))
        });
        // A one-line block (`allprojects { version = '1.0' }`) holds its version after `{`.
        let body = match opens {
            Some(_) if depth == 0 => code.split_once('{').map_or("", |(_, b)| b),
            _ => code,
        };
        if let Some(v) = GRADLE_VERSION.captures(body).and_then(|c| c.name("v")) {
            let offset = if opens.is_some() {
                code.len() - body.len()
            } else {
                0
            };
            let at = Location::new(path, i as u32 + 1, (offset + v.start()) as u32 + 1);
            let scope = match (opens, block) {
                (Some(w), _) if depth == 0 => Some(VersionScope::Projects {
                    root: *w == "allprojects",
                }),
                (None, Some(root)) if depth == 1 => Some(VersionScope::Projects { root }),
                (None, None) if depth == 0 => Some(VersionScope::Module {
                    name: None,
                    parent: None,
                }),
                _ => None,
            };
            if let Some(scope) = scope {
                push(out, BuildSystem::Gradle, dir, Some(v.as_str()), scope, at);
            }
        }
        if let Some(w) = opens
            && depth == 0
        {
            block = Some(*w == "allprojects");
        }
        for c in code.chars() {
            match c {
                '{' => depth += 1,
                '}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        if depth == 0 {
            block = None;
        }
    }
}

/// `package.json`: a workspace root's `version` is shared by its `workspaces` (a list, or
/// `{"packages": [...]}`); any other package's `version` is its own.
pub(super) fn npm(path: &str, dir: &str, doc: &Node, out: &mut FileFacts) {
    let Some(version) = doc.get("version").filter(|v| v.as_str().is_some()) else {
        return;
    };
    let workspaces = doc.at("workspaces");
    let members: Vec<String> = workspaces
        .seq()
        .iter()
        .chain(workspaces.at("packages").seq())
        .filter_map(|n| n.as_str().map(str::to_string))
        .collect();
    let scope = if members.is_empty() {
        VersionScope::Module {
            name: None,
            parent: None,
        }
    } else {
        VersionScope::Members(members)
    };
    let at = loc(path, version);
    push(out, BuildSystem::Npm, dir, version.as_str(), scope, at);
}

/// MSBuild `<Version>` (or `<VersionPrefix>`) in a property group: a `.csproj`'s own, or
/// `Directory.Build.props`' for every project below it.
pub(super) fn msbuild(
    dir: &str,
    leaves: &[Leaf<'_>],
    at: &dyn Fn(usize) -> Location,
    scope: VersionScope,
    out: &mut FileFacts,
) {
    let version = leaves.iter().find(|l| {
        l.path.len() == 3
            && l.path[..2] == ["Project", "PropertyGroup"]
            && matches!(l.path[2], "Version" | "VersionPrefix")
    });
    if let Some(l) = version {
        let location = at(l.offset);
        push(
            out,
            BuildSystem::MsBuild,
            dir,
            Some(l.text),
            scope,
            location,
        );
    }
}

/// Helm `Chart.yaml`: `appVersion`, the default tag of the chart's images that use it.
pub(super) fn chart(path: &str, dir: &str, text: &str, out: &mut FileFacts) {
    let docs = match parse_documents(text) {
        Ok(d) => d,
        Err(e) => return yaml_error(path, &e, out),
    };
    let Some(node) = docs.first().and_then(|d| d.get("appVersion")) else {
        return;
    };
    let version = node.scalar();
    let at = loc(path, node);
    let scope = VersionScope::Chart;
    push(out, BuildSystem::Helm, dir, version.as_deref(), scope, at);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn versions(path: &str, text: &str) -> Vec<(Option<String>, VersionScope, u32, u32)> {
        let mut out = FileFacts::default();
        super::super::build::parse(path, text, &mut out);
        out.facts
            .into_iter()
            .filter_map(|f| match f {
                Fact::BuildVersion(v) => {
                    Some((v.version, v.scope, v.location.line, v.location.column))
                }
                _ => None,
            })
            .collect()
    }

    fn module(name: Option<&str>, parent: Option<&str>) -> VersionScope {
        VersionScope::Module {
            name: name.map(str::to_string),
            parent: parent.map(str::to_string),
        }
    }

    #[test]
    fn maven_own_version_and_parent() {
        let parent = "<project>\n  <groupId>com.acme</groupId>\n  <artifactId>shop</artifactId>\n  \
                      <version>1.4.0</version>\n  <packaging>pom</packaging>\n</project>";
        let got = versions("pom.xml", parent);
        let want = (
            Some("1.4.0".to_string()),
            module(Some("com.acme:shop"), None),
            4,
            12,
        );
        assert_eq!(got, vec![want]);
        let child = "<project>\n  <parent>\n    <groupId>com.acme</groupId>\n    \
                     <artifactId>shop</artifactId>\n    <version>1.4.0</version>\n  </parent>\n  \
                     <artifactId>orders</artifactId>\n</project>";
        let got = versions("orders/pom.xml", child);
        let want = (
            None,
            module(Some("com.acme:orders"), Some("com.acme:shop")),
            4,
            17,
        );
        assert_eq!(got, vec![want]);
        let ci = "<project><artifactId>shop</artifactId><version>${revision}</version>\
                  <properties><revision>2.0-SNAPSHOT</revision></properties></project>";
        assert_eq!(
            versions("pom.xml", ci)[0].0.as_deref(),
            Some("2.0-SNAPSHOT")
        );
        let child = "<project><parent><artifactId>shop</artifactId></parent>\
                     <artifactId>a</artifactId><version>${revision}</version></project>";
        assert_eq!(
            versions("a/pom.xml", child)[0].0.as_deref(),
            Some("${revision}")
        );
    }

    #[test]
    fn gradle_shared_blocks_and_own_versions() {
        let root = "plugins {\n  id 'java' version '1.0'\n}\nallprojects {\n  group = 'acme'\n  \
                    version = '2.1.0'\n  repositories { mavenCentral() }\n}\n";
        let got = versions("build.gradle", root);
        assert_eq!(
            got,
            vec![(
                Some("2.1.0".into()),
                VersionScope::Projects { root: true },
                6,
                14
            )]
        );
        let one_line = "subprojects { version = \"3.0\" }\nversion = \"9\"\n";
        let got = versions("build.gradle.kts", one_line);
        assert_eq!(got[0].1, VersionScope::Projects { root: false });
        assert_eq!((got[0].2, got[0].3), (1, 26));
        assert_eq!(got[1].1, module(None, None));
        let nested = "subprojects {\n  dependencies {\n    version = '1'\n  }\n}\n";
        assert!(versions("build.gradle", nested).is_empty());
    }

    #[test]
    fn npm_workspaces_msbuild_and_helm() {
        let root = "{\n  \"name\": \"shop\",\n  \"version\": \"1.0.0\",\n  \
                    \"workspaces\": [\"services/*\"]\n}";
        let got = versions("package.json", root);
        let members = VersionScope::Members(vec!["services/*".into()]);
        assert_eq!(got, vec![(Some("1.0.0".into()), members, 3, 14)]);
        let yarn = "{\"version\": \"2.0.0\", \"workspaces\": {\"packages\": [\"apps/*\"]}}";
        let members = VersionScope::Members(vec!["apps/*".into()]);
        assert_eq!(versions("package.json", yarn)[0].1, members);
        assert!(versions("a/package.json", "{\"name\": \"a\"}").is_empty());
        let props = "<Project>\n  <PropertyGroup>\n    <Version>3.2.1</Version>\n  \
                     </PropertyGroup>\n</Project>";
        let got = versions("src/Directory.Build.props", props);
        assert_eq!(
            got,
            vec![(Some("3.2.1".into()), VersionScope::Below, 3, 14)]
        );
        let got = versions("src/A/A.csproj", props);
        assert_eq!(got[0].1, module(None, None));
        let chart = "apiVersion: v2\nname: shop\nversion: 0.1.0\nappVersion: \"1.16.0\"\n";
        let got = versions("chart/Chart.yaml", chart);
        assert_eq!(
            got,
            vec![(Some("1.16.0".into()), VersionScope::Chart, 4, 13)]
        );
        assert!(versions("chart/Chart.yaml", "name: x\n").is_empty());
    }
}
