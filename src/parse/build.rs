//! Build files: the names each gives the project in its folder (Maven `artifactId`, Gradle
//! project names, npm `name`, Go `module`, `.csproj` stem) and the images it builds (jib,
//! spring-boot `build-image`, skaffold artifacts). One `Fact::Project` per name, and one
//! `Fact::ModuleDependency` per module a Maven or Gradle build depends on by name; the
//! dependencies that are two-phase-commit signs (`com.atomikos`) are `Fact::Transaction`.
//! The versions they declare are read by `versions`.

use super::{LineIndex, loc, versions, yaml_error};
use crate::model::{
    Diagnostic, Fact, FileFacts, Location, ModuleDependency, Project, ProjectName, VersionScope,
};
use crate::yaml::parse_documents;
use regex::Regex;
use std::sync::LazyLock;

/// Build files are small; anything bigger is generated or vendored, and not worth the scan.
const MAX_BUILD_FILE_BYTES: usize = 2 * 1024 * 1024;

type Parser = fn(&str, &str, &mut FileFacts);

/// Which parser reads which file name (lowercase); `.csproj` files go by extension.
const PARSERS: &[(&str, Parser)] = &[
    ("pom.xml", pom),
    ("settings.gradle", gradle),
    ("settings.gradle.kts", gradle),
    ("build.gradle", gradle_build),
    ("build.gradle.kts", gradle_build),
    ("package.json", npm),
    ("go.mod", go_mod),
    ("skaffold.yaml", skaffold),
    ("skaffold.yml", skaffold),
    ("directory.build.props", msbuild_props),
    ("chart.yaml", helm_chart),
];

/// Maven element paths (innermost last) whose text is a name: jib's `<to><image>` and
/// spring-boot's `<image><name>` inside a plugin's configuration.
const POM_IMAGES: &[&[&str]] = &[
    &["plugin", "configuration", "to", "image"],
    &["plugin", "configuration", "image", "name"],
];

pub fn parse(path: &str, text: &str, out: &mut FileFacts) {
    if text.len() > MAX_BUILD_FILE_BYTES {
        out.diagnostics
            .push(Diagnostic::note(path, 1, "build file over 2 MB; skipped"));
        return;
    }
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    if let Some((_, parser)) = PARSERS.iter().find(|(n, _)| *n == name) {
        parser(path, text, out);
    } else if name.ends_with(".csproj") {
        csproj(path, text, out);
    }
    super::source::transactions::scan_build(path, text, &mut out.facts);
}

fn dir_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

fn push(out: &mut FileFacts, name: &str, what: ProjectName, dir: String, location: Location) {
    let name = name.trim();
    if name.is_empty() {
        return;
    }
    out.facts.push(Fact::Project(Project {
        name: name.to_string(),
        what,
        dir,
        location,
    }));
}

/// `Ordering.API.csproj`: the project is named by its file; its `<Version>`, if any, is its
/// own. The name needs no XML, so a project file the small scanner cannot read still names
/// its folder (its version is then unknown, not an error of the scan).
fn csproj(path: &str, text: &str, out: &mut FileFacts) {
    let file = path.rsplit('/').next().unwrap_or(path);
    let stem = &file[..file.len().saturating_sub(".csproj".len())];
    push(
        out,
        stem,
        ProjectName::Build,
        dir_of(path).to_string(),
        Location::new(path, 1, 1),
    );
    if let Ok(leaves) = xml_leaves(text) {
        let scope = VersionScope::Module {
            name: None,
            parent: None,
        };
        let at = positions(path, text);
        versions::msbuild(dir_of(path), &leaves, &at, scope, out);
    }
}

/// `Directory.Build.props`: a `<Version>` every project below it takes.
fn msbuild_props(path: &str, text: &str, out: &mut FileFacts) {
    let Some(leaves) = leaves_or_diagnostic(path, text, out) else {
        return;
    };
    let at = positions(path, text);
    versions::msbuild(dir_of(path), &leaves, &at, VersionScope::Below, out);
}

/// Helm `Chart.yaml`: its `appVersion`.
fn helm_chart(path: &str, text: &str, out: &mut FileFacts) {
    versions::chart(path, dir_of(path), text, out);
}

/// Byte offset → location in `path`.
fn positions<'a>(path: &'a str, text: &'a str) -> impl Fn(usize) -> Location + 'a {
    let lines = LineIndex::new(text);
    move |offset| {
        let (line, column) = lines.position(text, offset);
        Location::new(path, line, column)
    }
}

/// The XML leaves, or a diagnostic at the offset where the XML breaks.
fn leaves_or_diagnostic<'a>(
    path: &str,
    text: &'a str,
    out: &mut FileFacts,
) -> Option<Vec<Leaf<'a>>> {
    match xml_leaves(text) {
        Ok(l) => Some(l),
        Err((offset, message)) => {
            let (line, _) = LineIndex::new(text).position(text, offset);
            out.diagnostics.push(Diagnostic::warning(
                path,
                line,
                format!("invalid XML: {message}"),
            ));
            None
        }
    }
}

/// `module github.com/acme/orders/v2` → `orders` (a major-version suffix is not a name).
fn go_mod(path: &str, text: &str, out: &mut FileFacts) {
    for (i, line) in text.lines().enumerate() {
        let Some(rest) = line.trim_start().strip_prefix("module") else {
            continue;
        };
        if !rest.starts_with([' ', '\t']) {
            continue;
        }
        let module = rest
            .split("//")
            .next()
            .unwrap_or("")
            .trim()
            .trim_matches('"');
        let mut segments = module.rsplit('/');
        let mut last = segments.next().unwrap_or("");
        let major = last
            .strip_prefix('v')
            .is_some_and(|n| n.parse::<u32>().is_ok());
        if major && let Some(prev) = segments.next() {
            last = prev;
        }
        let at = Location::new(path, i as u32 + 1, 1);
        push(out, last, ProjectName::Build, dir_of(path).to_string(), at);
        return;
    }
    out.diagnostics
        .push(Diagnostic::note(path, 1, "go.mod without a `module` line"));
}

/// `package.json` `name`, without its npm scope (`@acme/orders` → `orders`).
fn npm(path: &str, text: &str, out: &mut FileFacts) {
    let docs = super::config::json_documents(path, text, out);
    if let Some(doc) = docs.first() {
        versions::npm(path, dir_of(path), doc, out);
    }
    let Some(name) = docs.first().and_then(|d| d.get("name")) else {
        return;
    };
    if let Some(n) = name.as_str() {
        let bare = n.rsplit_once('/').map_or(n, |(_, b)| b);
        let at = loc(path, name);
        push(out, bare, ProjectName::Build, dir_of(path).to_string(), at);
    }
}

static ROOT_PROJECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"rootProject\.name\s*=\s*['"]([^'"]+)['"]"#).expect("valid regex")
});
static INCLUDE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*include\b(.*)$").expect("valid regex"));
static QUOTED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"['"]([^'"$]+)['"]"#).expect("valid regex"));

/// `settings.gradle(.kts)`: `rootProject.name` names the folder; `include ':a:b'` names
/// folder `a/b` after its last segment (the Gradle default when no `projectDir` is set).
fn gradle(path: &str, text: &str, out: &mut FileFacts) {
    let dir = dir_of(path);
    for (i, line) in text.lines().enumerate() {
        let at = |col: usize| Location::new(path, i as u32 + 1, col as u32 + 1);
        if let Some(c) = ROOT_PROJECT.captures(line).and_then(|c| c.get(1)) {
            push(
                out,
                c.as_str(),
                ProjectName::Build,
                dir.to_string(),
                at(c.start()),
            );
            continue;
        }
        let Some(list) = INCLUDE.captures(line).and_then(|c| c.get(1)) else {
            continue;
        };
        for q in QUOTED.captures_iter(list.as_str()).filter_map(|c| c.get(1)) {
            let project = q.as_str().trim_start_matches(':');
            let Some(name) = project.rsplit(':').next() else {
                continue;
            };
            let sub = project.replace(':', "/");
            let folder = crate::resolve::join(dir, &sub);
            push(
                out,
                name,
                ProjectName::Build,
                folder,
                at(list.start() + q.start()),
            );
        }
    }
}

static PROJECT_DEPENDENCY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\bproject\s*\(\s*(?:path\s*[:=]\s*)?['"]:?(?P<p>[\w.:-]+)['"]"#)
        .expect("valid regex")
});

/// `build.gradle(.kts)`: `implementation project(':common-library')` depends on the project
/// named after the path's last segment. Comments are not told apart: a commented-out
/// dependency only makes a library's binders count for one more service.
fn gradle_build(path: &str, text: &str, out: &mut FileFacts) {
    let dir = dir_of(path);
    versions::gradle(path, dir, text, out);
    for (i, line) in text.lines().enumerate() {
        for c in PROJECT_DEPENDENCY.captures_iter(line) {
            let Some(p) = c.name("p") else { continue };
            let name = p.as_str().rsplit(':').next().unwrap_or("");
            let at = Location::new(path, i as u32 + 1, p.start() as u32 + 1);
            depends_on(out, name, dir, at);
        }
    }
}

fn depends_on(out: &mut FileFacts, name: &str, dir: &str, location: Location) {
    let name = name.trim();
    if !name.is_empty() {
        out.facts.push(Fact::ModuleDependency(ModuleDependency {
            dir: dir.to_string(),
            name: name.to_string(),
            location,
        }));
    }
}

/// `skaffold.yaml`: `build.artifacts[]` (also under `profiles[]`): an image and the context
/// folder it is built from.
fn skaffold(path: &str, text: &str, out: &mut FileFacts) {
    let docs = match parse_documents(text) {
        Ok(d) => d,
        Err(e) => return yaml_error(path, &e, out),
    };
    let dir = dir_of(path);
    for doc in &docs {
        let builds = std::iter::once(doc.at("build"))
            .chain(doc.at("profiles").seq().iter().map(|p| p.at("build")));
        for artifact in builds.flat_map(|b| b.at("artifacts").seq()) {
            let image = artifact.at("image");
            let Some(name) = image.as_str() else { continue };
            let context = artifact.at("context").as_str().unwrap_or(".");
            let folder = crate::resolve::join(dir, context);
            push(out, name, ProjectName::Artifact, folder, loc(path, image));
        }
    }
}

/// A leaf element's text and where it starts.
pub(super) struct Leaf<'a> {
    pub path: Vec<&'a str>,
    pub text: &'a str,
    pub offset: usize,
}

/// `pom.xml`: the project's own `artifactId` (not its parent's), the modules it depends on
/// (`<dependencies><dependency><artifactId>`), and the images jib or spring-boot would build. An aggregator (`<packaging>pom</packaging>`) builds
/// nothing and names no folder.
fn pom(path: &str, text: &str, out: &mut FileFacts) {
    let Some(leaves) = leaves_or_diagnostic(path, text, out) else {
        return;
    };
    let at = positions(path, text);
    let dir = dir_of(path).to_string();
    versions::pom(path, &dir, &leaves, &at, out);
    let own = |key: &str| {
        leaves
            .iter()
            .find(|l| l.path == ["project", key])
            .map(|l| l.text.trim())
    };
    if own("packaging") == Some("pom") {
        return;
    }
    let artifact = own("artifactId").unwrap_or("");
    let properties: Vec<(String, &str)> = leaves
        .iter()
        .filter(|l| l.path.len() == 3 && l.path[..2] == ["project", "properties"])
        .map(|l| (format!("${{{}}}", l.path[2]), l.text.trim()))
        .collect();
    let interpolate = |v: &str| {
        let mut v = v
            .replace("${project.artifactId}", artifact)
            .replace("${artifactId}", artifact);
        for (k, value) in &properties {
            v = v.replace(k.as_str(), value);
        }
        v
    };
    for l in &leaves {
        if l.path == ["project", "dependencies", "dependency", "artifactId"] {
            depends_on(out, &interpolate(l.text), &dir, at(l.offset));
            continue;
        }
        let what = if l.path == ["project", "artifactId"] {
            ProjectName::Build
        } else if POM_IMAGES.iter().any(|p| l.path.ends_with(p)) {
            ProjectName::Image
        } else {
            continue;
        };
        push(out, &interpolate(l.text), what, dir.clone(), at(l.offset));
    }
}

/// The leaf elements of an XML document with their element paths (namespace prefixes
/// dropped). A small scanner: comments, CDATA, declarations and attributes are skipped;
/// mismatched or unclosed tags are an error at their byte offset.
fn xml_leaves(text: &str) -> Result<Vec<Leaf<'_>>, (usize, String)> {
    let mut stack: Vec<&str> = Vec::new();
    let mut leaves = Vec::new();
    // Where the text of the element opened last starts, while no child has opened since.
    let mut leaf_start: Option<usize> = None;
    let mut i = 0;
    while let Some(rel) = text[i..].find('<') {
        let lt = i + rel;
        let rest = &text[lt..];
        let skip = [
            ("<!--", "-->"),
            ("<![CDATA[", "]]>"),
            ("<?", "?>"),
            ("<!", ">"),
        ]
        .iter()
        .find(|(open, _)| rest.starts_with(open));
        if let Some((open, close)) = skip {
            let end = rest[open.len()..]
                .find(close)
                .ok_or((lt, format!("`{open}` is never closed")))?;
            i = lt + open.len() + end + close.len();
            continue;
        }
        let gt = rest
            .find('>')
            .ok_or((lt, "a tag is never closed".to_string()))?;
        let tag = &rest[1..gt];
        let local = |t: &'_ str| -> String {
            let name = t.split(|c: char| c.is_whitespace() || c == '/').next();
            let name = name.unwrap_or("");
            name.rsplit(':').next().unwrap_or(name).to_string()
        };
        if let Some(closing) = tag.strip_prefix('/') {
            let name = local(closing.trim());
            match stack.last() {
                Some(open) if *open == name => {}
                open => {
                    let open = open.map_or("nothing".to_string(), |o| format!("<{o}>"));
                    return Err((lt, format!("</{name}> closes {open}")));
                }
            }
            if let Some(start) = leaf_start.take() {
                leaves.push(Leaf {
                    path: stack.clone(),
                    text: &text[start..lt],
                    offset: start,
                });
            }
            stack.pop();
        } else if tag.ends_with('/') {
            leaf_start = None;
        } else {
            let name = tag.split(|c: char| c.is_whitespace()).next().unwrap_or("");
            stack.push(name.rsplit(':').next().unwrap_or(name));
            leaf_start = Some(lt + gt + 1);
        }
        i = lt + gt + 1;
    }
    match stack.last() {
        Some(open) => Err((text.len(), format!("<{open}> is never closed"))),
        None => Ok(leaves),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn projects(path: &str, text: &str) -> (Vec<(String, ProjectName, String, u32)>, usize) {
        let mut out = FileFacts::default();
        parse(path, text, &mut out);
        let facts = out
            .facts
            .iter()
            .filter_map(|f| match f {
                Fact::Project(p) => Some((p.name.clone(), p.what, p.dir.clone(), p.location.line)),
                _ => None,
            })
            .collect();
        (facts, out.diagnostics.len())
    }

    #[test]
    fn maven_own_artifact_and_images_not_parent_or_dependencies() {
        let pom = r#"<?xml version="1.0"?>
<!-- <artifactId>commented</artifactId> -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <parent><artifactId>orders</artifactId></parent>
  <artifactId>shop-customers-service</artifactId>
  <properties><registry>acme</registry></properties>
  <dependencies><dependency><artifactId>billing</artifactId></dependency></dependencies>
  <build><plugins>
    <plugin><artifactId>jib-maven-plugin</artifactId>
      <configuration><to><image>${registry}/${project.artifactId}:1.0</image></to></configuration>
    </plugin>
    <plugin><artifactId>spring-boot-maven-plugin</artifactId>
      <configuration><image><name>docker.io/acme/customers</name></image></configuration>
    </plugin>
  </plugins></build>
</project>
"#;
        let (got, diags) = projects("shop/customers/pom.xml", pom);
        assert_eq!(diags, 0);
        let b = ProjectName::Build;
        let i = ProjectName::Image;
        let d = "shop/customers".to_string();
        assert_eq!(
            got,
            vec![
                ("shop-customers-service".into(), b, d.clone(), 5),
                ("acme/shop-customers-service:1.0".into(), i, d.clone(), 10),
                ("docker.io/acme/customers".into(), i, d, 13),
            ]
        );
    }

    fn dependencies(path: &str, text: &str) -> Vec<(String, String, u32, u32)> {
        let mut out = FileFacts::default();
        parse(path, text, &mut out);
        out.facts
            .iter()
            .filter_map(|f| match f {
                Fact::ModuleDependency(d) => Some((
                    d.name.clone(),
                    d.dir.clone(),
                    d.location.line,
                    d.location.column,
                )),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn maven_dependencies_not_plugins_or_managed_versions() {
        let pom = r#"<project>
  <artifactId>cart</artifactId>
  <dependencyManagement><dependencies><dependency>
    <artifactId>managed-bom</artifactId>
  </dependency></dependencies></dependencyManagement>
  <dependencies>
    <dependency><groupId>com.acme</groupId><artifactId>common-library</artifactId></dependency>
  </dependencies>
  <build><plugins><plugin><artifactId>jib-maven-plugin</artifactId></plugin></plugins></build>
</project>"#;
        let want = vec![("common-library".to_string(), "cart".to_string(), 7, 56)];
        assert_eq!(dependencies("cart/pom.xml", pom), want);
    }

    #[test]
    fn gradle_project_dependencies_by_last_segment() {
        let build = "dependencies {\n  implementation project(':libs:common')\n  \
                     api(project(path = \":shared\"))\n  implementation 'org.x:project:1'\n}\n";
        let got = dependencies("orders/build.gradle.kts", build);
        let d = "orders".to_string();
        assert_eq!(
            got,
            vec![
                ("common".to_string(), d.clone(), 2, 28),
                ("shared".to_string(), d, 3, 24),
            ]
        );
    }

    #[test]
    fn maven_aggregator_and_malformed() {
        let agg = "<project><artifactId>shop</artifactId><packaging>pom</packaging></project>";
        assert_eq!(projects("pom.xml", agg), (vec![], 0));
        let bad = "<project>\n<artifactId>x</groupId>\n</project>";
        assert_eq!(projects("pom.xml", bad), (vec![], 1));
        assert_eq!(projects("pom.xml", "<project><a>").1, 1);
        assert_eq!(projects("pom.xml", "<project><!-- x").1, 1);
        assert_eq!(projects("pom.xml", "<<<>>>/<\u{e9}").1, 1);
    }

    #[test]
    fn npm_go_csproj_gradle_skaffold() {
        let (got, _) = projects("web/package.json", "{\n\t\"name\": \"@acme/orders-ui\"\n}");
        assert_eq!(got[0].0, "orders-ui");
        assert_eq!(got[0].3, 2);
        assert_eq!(projects("web/package.json", "{\"name\": ").1, 1);
        let (got, _) = projects("svc/go.mod", "// x\nmodule github.com/acme/orders/v2\n");
        assert_eq!(
            got,
            vec![("orders".into(), ProjectName::Build, "svc".into(), 2)]
        );
        assert_eq!(projects("go.mod", "go 1.22\n").1, 1);
        let (got, _) = projects("src/Ordering.API/Ordering.API.csproj", "<Project/>");
        assert_eq!(got[0].0, "Ordering.API");
        assert_eq!(got[0].2, "src/Ordering.API");
        let gradle = "rootProject.name = 'shop'\ninclude 'orders', ':platform:billing'\n\
                      include(\"auth\")\n";
        let (got, _) = projects("settings.gradle", gradle);
        let names: Vec<(&str, &str)> = got.iter().map(|g| (&*g.0, &*g.2)).collect();
        assert_eq!(
            names,
            vec![
                ("shop", ""),
                ("orders", "orders"),
                ("billing", "platform/billing"),
                ("auth", "auth")
            ]
        );
        let sk = "apiVersion: skaffold/v4beta1\nkind: Config\nbuild:\n  artifacts:\n\
                  \x20 - image: acme/frontend\n    context: src/frontend\n  - image: acme/ledger\n";
        let (got, _) = projects("skaffold.yaml", sk);
        assert_eq!(
            got,
            vec![
                (
                    "acme/frontend".into(),
                    ProjectName::Artifact,
                    "src/frontend".into(),
                    5
                ),
                ("acme/ledger".into(), ProjectName::Artifact, "".into(), 7),
            ]
        );
    }
}
