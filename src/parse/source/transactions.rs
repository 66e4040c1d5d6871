//! Two-phase commit: the catalog of its signs. Build files and source code name XA/JTA
//! transaction managers (Atomikos, Narayana, Bitronix, Spring's `JtaTransactionManager`), XA
//! data sources and resources, and .NET distributed transactions (MSDTC); each match outside a
//! comment is a `Fact::Transaction` at its line. The settings that switch XA on (`spring.jta.*`,
//! an XA data-source class) are a second table, which resolution matches against the settings
//! each service is given, so that an override (`SPRING_JTA_ENABLED=false`) has its say.

use super::{Hits, LineIndex, Table, Triggered};
use crate::model::{Fact, Location, TxKind, TxMarker, normal_key};
use std::sync::LazyLock;

/// Which files a pattern is read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Files {
    /// Build files: Maven, Gradle, `.csproj` dependencies.
    Build,
    /// Source code.
    Source,
    Both,
}

impl Files {
    fn covers(self, file: Files) -> bool {
        self == Files::Both || self == file
    }
}

struct Pattern {
    /// A substring every match contains, checked before the regex runs (case-insensitive).
    trigger: &'static str,
    regex: &'static str,
    /// Words that make a match something else (`XADataSourceAutoConfiguration`, excluded to
    /// switch XA off; Atomikos' `NonXADataSourceBean`).
    unless: &'static [&'static str],
    what: &'static str,
    kind: TxKind,
    files: Files,
}

/// The catalog: product, form, what it is.
const PATTERNS: &[Pattern] = &[
    // Atomikos: coordinates and packages (`com.atomikos:transactions-jta`, `import
    // com.atomikos.icatch.jta.UserTransactionManager`), the Spring Boot starter.
    Pattern {
        trigger: "atomikos",
        regex: r"\bcom\.atomikos\b|\bspring-boot-starter-jta-atomikos\b",
        unless: &[],
        what: "Atomikos XA transaction manager",
        kind: TxKind::Manager,
        files: Files::Both,
    },
    // Narayana (JBoss TS): `org.jboss.narayana.jta:narayana-jta`, the Snowdrop starter, its
    // Arjuna packages. Not Quarkus' `quarkus-narayana-jta`: every Quarkus `@Transactional`
    // needs it, local ones too (Quarkus XA is its `jdbc.transactions=xa` setting).
    Pattern {
        trigger: "narayana",
        regex: r"\borg\.jboss\.narayana\b|(?:^|[^\w-])narayana-(?:jta|jts|spring-boot-starter)\b|\bspring-boot-starter-jta-narayana\b",
        unless: &[],
        what: "Narayana XA transaction manager",
        kind: TxKind::Manager,
        files: Files::Both,
    },
    Pattern {
        trigger: "arjuna",
        regex: r"\bcom\.arjuna\b",
        unless: &[],
        what: "Narayana (Arjuna) XA transaction manager",
        kind: TxKind::Manager,
        files: Files::Both,
    },
    // Bitronix: `org.codehaus.btm:btm`, `bitronix.tm.TransactionManagerServices`, the starter.
    Pattern {
        trigger: "bitronix",
        regex: r"\bbitronix\.tm\b|\bspring-boot-starter-jta-bitronix\b",
        unless: &[],
        what: "Bitronix XA transaction manager",
        kind: TxKind::Manager,
        files: Files::Both,
    },
    Pattern {
        trigger: "org.codehaus.btm",
        regex: r"\borg\.codehaus\.btm\b",
        unless: &[],
        what: "Bitronix XA transaction manager",
        kind: TxKind::Manager,
        files: Files::Build,
    },
    // Spring's JTA transaction manager, over an application server's or a standalone one.
    Pattern {
        trigger: "JtaTransactionManager",
        regex: r"\bJtaTransactionManager\b",
        unless: &[],
        what: "Spring JtaTransactionManager",
        kind: TxKind::Manager,
        files: Files::Source,
    },
    // XA data sources: `new PGXADataSource()`, `MysqlXADataSource`, `javax.sql.XADataSource`,
    // `setXaDataSourceClassName(…)`.
    Pattern {
        trigger: "xadatasource",
        regex: r"\b\w*X[Aa]DataSource\w*",
        unless: &["AutoConfiguration", "NonXA"],
        what: "XA data source",
        kind: TxKind::XaResource,
        files: Files::Source,
    },
    // A resource enlisted by hand in a global transaction (`tx.enlistResource(xaResource)`).
    Pattern {
        trigger: "XAResource",
        regex: r"\bXAResource\b",
        unless: &[],
        what: "XA resource",
        kind: TxKind::XaResource,
        files: Files::Source,
    },
    // .NET: a TransactionScope that may span servers (`TransactionManager
    // .ImplicitDistributedTransactions = true`), MSDTC enlistment and propagation, a durable
    // enlistment (which promotes the transaction to MSDTC).
    Pattern {
        trigger: "ImplicitDistributedTransactions",
        regex: r"(?:\bTransactionManager\s*\.\s*)?\bImplicitDistributedTransactions\s*=\s*true\b",
        unless: &[],
        what: ".NET TransactionScope with distributed transactions enabled",
        kind: TxKind::Dtc,
        files: Files::Source,
    },
    Pattern {
        trigger: "EnlistDistributedTransaction",
        regex: r"\bEnlistDistributedTransaction\s*\(",
        unless: &[],
        what: "MSDTC enlistment (EnlistDistributedTransaction)",
        kind: TxKind::Dtc,
        files: Files::Source,
    },
    Pattern {
        trigger: "TransactionInterop",
        regex: r"\bTransactionInterop\s*\.\s*Get(?:DtcTransaction|TransmitterPropagationToken|ExportCookie)\b",
        unless: &[],
        what: "MSDTC transaction propagation (TransactionInterop)",
        kind: TxKind::Dtc,
        files: Files::Source,
    },
    Pattern {
        trigger: "EnlistDurable",
        regex: r"\.\s*EnlistDurable\s*\(",
        unless: &[],
        what: "durable enlistment in a System.Transactions transaction (promoted to MSDTC)",
        kind: TxKind::Dtc,
        files: Files::Source,
    },
    Pattern {
        trigger: "MSDTC",
        regex: r"\bMSDTC\b",
        unless: &[],
        what: "MSDTC (Microsoft Distributed Transaction Coordinator)",
        kind: TxKind::Dtc,
        files: Files::Source,
    },
];

pub(super) static COMPILED: LazyLock<Triggered> = LazyLock::new(|| {
    Triggered::new(
        Table::Transactions,
        PATTERNS.iter().map(|p| (p.trigger, p.regex)),
    )
});

/// The longest evidence text kept from a line.
const MAX_TEXT: usize = 120;

/// How one kind of file writes comments.
struct Syntax {
    /// Extensions (lowercase) it holds for.
    exts: &'static [&'static str],
    /// Line-comment starts.
    line: &'static [&'static str],
    /// A block comment's delimiters.
    block: Option<(&'static str, &'static str)>,
}

/// Comment syntax by file extension; anything else is read as C-like (`//`, `/* */`), as
/// Java, Kotlin, Gradle, C# and Go are.
const COMMENT_SYNTAX: &[Syntax] = &[
    Syntax {
        exts: &["xml", "csproj"],
        line: &[],
        block: Some(("<!--", "-->")),
    },
    Syntax {
        exts: &["py", "rb"],
        line: &["#"],
        block: None,
    },
    Syntax {
        exts: &["lua"],
        line: &["--"],
        block: Some(("--[[", "]]")),
    },
];
const C_LIKE: Syntax = Syntax {
    exts: &[],
    line: &["//"],
    block: Some(("/*", "*/")),
};

/// How many matches of one pattern are looked at for one outside a comment: all of them may
/// be commented out, and each look may read back to the start of the file.
const MAX_TRIES: usize = 16;

/// How far back on its line a match looks for a line comment or an open string.
const MAX_LOOK_BACK: usize = 4096;

/// A build file's signs (it has no other source tables to share a pass with).
pub fn scan_build(path: &str, text: &str, facts: &mut Vec<Fact>) {
    scan(path, text, &Hits::of(text), Files::Build, facts);
}

/// One fact per sign and file, at its first match outside a comment; one per line.
pub(super) fn scan(path: &str, text: &str, hits: &Hits, file: Files, facts: &mut Vec<Fact>) {
    let active: Vec<_> = COMPILED
        .active(hits)
        .into_iter()
        .filter(|(i, _)| PATTERNS[*i].files.covers(file))
        .collect();
    if active.is_empty() {
        return;
    }
    let ext = path.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    let syntax = COMMENT_SYNTAX
        .iter()
        .find(|s| s.exts.contains(&ext.as_str()))
        .unwrap_or(&C_LIKE);
    let mut found: Vec<(usize, usize)> = Vec::new();
    for (i, regex) in active {
        let p = &PATTERNS[i];
        let hit = regex
            .find_iter(text)
            .filter(|m| !p.unless.iter().any(|w| m.as_str().contains(w)))
            .take(MAX_TRIES)
            .find(|m| !in_comment(syntax, text, m.start()));
        found.extend(hit.map(|m| (m.start(), i)));
    }
    found.sort_unstable();
    let index = LineIndex::new(text);
    let mut seen: Vec<&str> = Vec::new();
    let mut lines: Vec<u32> = Vec::new();
    for (start, i) in found {
        let p = &PATTERNS[i];
        let (line, column) = index.position(text, start);
        if seen.contains(&p.what) || lines.contains(&line) {
            continue;
        }
        seen.push(p.what);
        lines.push(line);
        facts.push(Fact::Transaction(TxMarker {
            what: p.what,
            kind: p.kind,
            text: line_at(text, start).trim().chars().take(MAX_TEXT).collect(),
            location: Location::new(path, line, column),
        }));
    }
}

/// The line around an offset, at most `MAX_TEXT` characters' worth of bytes either side.
fn line_at(text: &str, offset: usize) -> &str {
    let start = line_start(text, offset);
    let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let end = ceil_boundary(text, end.min(offset + 4 * MAX_TEXT));
    &text[start..end]
}

/// Where the line of an offset starts, looking back at most `MAX_LOOK_BACK` bytes.
fn line_start(text: &str, offset: usize) -> usize {
    let from = ceil_boundary(text, offset.saturating_sub(MAX_LOOK_BACK));
    text[from..offset]
        .rfind('\n')
        .map_or(from, |i| from + i + 1)
}

fn ceil_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// Whether an offset is in a comment: after a line comment's start on its line, or in a block
/// comment opened before it and not closed since. A commented-out dependency or a note about
/// MSDTC is not a use. A comment start inside a string (`"classpath:db/*.sql"`) or glued to a
/// word (`http://`) starts nothing.
fn in_comment(syntax: &Syntax, text: &str, offset: usize) -> bool {
    let start = line_start(text, offset);
    let line = &text[start..offset];
    let starts = |s: usize| {
        let before = line[..s].chars().next_back();
        before.is_none_or(|c| c.is_whitespace() || ";{}(),".contains(c)) && !in_string(&line[..s])
    };
    if syntax
        .line
        .iter()
        .any(|mark| line.match_indices(mark).any(|(s, _)| starts(s)))
    {
        return true;
    }
    let Some((open, close)) = syntax.block else {
        return false;
    };
    let before = &text[..offset];
    before.rfind(open).is_some_and(|o| {
        !before[o + open.len()..].contains(close) && !in_string(&text[line_start(text, o)..o])
    })
}

/// Whether the end of a line's prefix is inside a double-quoted string (an odd number of
/// quotes before it).
fn in_string(prefix: &str) -> bool {
    prefix.bytes().filter(|b| *b == b'"').count() % 2 == 1
}

/// What a setting's value must be for it to be a sign.
enum Value {
    Any,
    /// Equal, ignoring case.
    Is(&'static str),
    /// Contains, as written.
    Contains(&'static str),
    /// A class name whose last segment ends so (`org.postgresql.xa.PGXADataSource`).
    ClassEnds(&'static str),
}

impl Value {
    fn holds(&self, value: &str) -> bool {
        let value = value.trim().trim_matches(['"', '\'']);
        match self {
            Value::Any => true,
            Value::Is(v) => value.eq_ignore_ascii_case(v),
            Value::Contains(v) => value.contains(v),
            Value::ClassEnds(v) => {
                let class = value.rsplit('.').next().unwrap_or(value);
                class.ends_with(v) && !class.contains("NonXA")
            }
        }
    }
}

/// A setting that switches two-phase commit on. `key` is a normalised key (`normal_key`),
/// exact or with one `*` for any run of characters; `*` alone is any key.
struct SettingPattern {
    key: &'static str,
    value: Value,
    what: &'static str,
    kind: TxKind,
}

/// The settings table. A specific key's first entry decides for that key; `*` entries judge
/// the value of any key.
const SETTINGS: &[SettingPattern] = &[
    SettingPattern {
        key: "SPRING_JTA_ENABLED",
        value: Value::Is("true"),
        what: "Spring Boot JTA switched on",
        kind: TxKind::Manager,
    },
    // `spring.jta.atomikos.*`, `spring.jta.bitronix.*`, `spring.jta.log-dir`,
    // `spring.jta.transaction-manager-id`: JTA configured.
    SettingPattern {
        key: "SPRING_JTA_*",
        value: Value::Any,
        what: "Spring Boot JTA configuration",
        kind: TxKind::Manager,
    },
    // `spring.datasource.xa.data-source-class-name`, `spring.datasource.xa.properties.*`.
    SettingPattern {
        key: "SPRING_DATASOURCE_XA_*",
        value: Value::Any,
        what: "Spring XA data source",
        kind: TxKind::XaResource,
    },
    // Quarkus: `quarkus.datasource."orders".jdbc.transactions=xa`.
    SettingPattern {
        key: "QUARKUS_DATASOURCE_*JDBC_TRANSACTIONS",
        value: Value::Is("xa"),
        what: "Quarkus XA data source",
        kind: TxKind::XaResource,
    },
    SettingPattern {
        key: "*",
        value: Value::ClassEnds("XADataSource"),
        what: "XA data source class",
        kind: TxKind::XaResource,
    },
    // A transaction manager's class in config (`spring.datasource.type=
    // com.atomikos.jdbc.AtomikosDataSourceBean`).
    SettingPattern {
        key: "*",
        value: Value::Contains("com.atomikos."),
        what: "Atomikos XA transaction manager",
        kind: TxKind::Manager,
    },
    SettingPattern {
        key: "*",
        value: Value::Contains("bitronix.tm."),
        what: "Bitronix XA transaction manager",
        kind: TxKind::Manager,
    },
    SettingPattern {
        key: "*",
        value: Value::Contains("com.arjuna."),
        what: "Narayana (Arjuna) XA transaction manager",
        kind: TxKind::Manager,
    },
];

/// Every text a `*` pattern needs in a value, in one automaton.
static ANY_KEY_NEEDLES: std::sync::LazyLock<aho_corasick::AhoCorasick> =
    std::sync::LazyLock::new(|| {
        let needles = SETTINGS
            .iter()
            .filter(|p| p.key == "*")
            .map(|p| match p.value {
                Value::Contains(t) | Value::ClassEnds(t) | Value::Is(t) => t,
                Value::Any => "",
            });
        // Without case: `Is` compares so, and a wider prefilter only costs a closer look.
        aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(needles)
            .expect("literal needles")
    });

/// The key that switches Spring Boot's JTA auto-configuration off when `false`: then JTA
/// libraries on the classpath and `spring.jta.*` settings do nothing.
pub const JTA_SWITCH: &str = "SPRING_JTA_ENABLED";

/// Whether a setting switches Spring Boot's JTA off (`spring.jta.enabled=false`).
pub fn switches_jta_off(key: &str, value: &str) -> bool {
    normal_key(key) == JTA_SWITCH && Value::Is("false").holds(value)
}

/// The sign a setting is, if it is one: what it is and its kind.
pub fn setting_sign(key: &str, value: &str) -> Option<(&'static str, TxKind)> {
    let k = normal_key(key);
    // Most settings (every source literal) have no key a pattern names and no text a `*`
    // pattern looks for: one scan of the value settles them.
    let keyed = SETTINGS
        .iter()
        .any(|p| p.key != "*" && key_matches(p.key, &k));
    if !keyed && !ANY_KEY_NEEDLES.is_match(value) {
        return None;
    }
    for p in SETTINGS {
        if !key_matches(p.key, &k) {
            continue;
        }
        if p.value.holds(value) {
            return Some((p.what, p.kind));
        }
        if p.key != "*" {
            return None;
        }
    }
    None
}

fn key_matches(pattern: &str, key: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == key,
        Some((head, tail)) => {
            key.len() >= head.len() + tail.len() && key.starts_with(head) && key.ends_with(tail)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(path: &str, src: &str, file: Files) -> Vec<(&'static str, u32)> {
        let mut facts = Vec::new();
        scan(path, src, &Hits::of(src), file, &mut facts);
        facts
            .into_iter()
            .map(|f| match f {
                Fact::Transaction(t) => (t.what, t.location.line),
                _ => unreachable!(),
            })
            .collect()
    }

    #[test]
    fn build_files_name_transaction_managers() {
        let pom = "<dependencies>\n  <dependency>\n    <groupId>org.springframework.boot</groupId>\n    \
                   <artifactId>spring-boot-starter-jta-atomikos</artifactId>\n  </dependency>\n  \
                   <!-- <groupId>org.codehaus.btm</groupId> -->\n</dependencies>\n";
        assert_eq!(
            run("orders/pom.xml", pom, Files::Build),
            vec![("Atomikos XA transaction manager", 4)]
        );
        let gradle = "dependencies {\n  // implementation 'com.atomikos:transactions-jta:6.0.0'\n  \
                      implementation 'org.jboss.narayana.jta:narayana-jta:7.0.0'\n  \
                      implementation 'io.quarkus:quarkus-narayana-jta'\n}\n";
        assert_eq!(
            run("a/build.gradle", gradle, Files::Build),
            vec![("Narayana XA transaction manager", 3)]
        );
    }

    #[test]
    fn source_signs_once_per_file() {
        let java = "import com.atomikos.icatch.jta.UserTransactionManager;\n\
                    import com.atomikos.jdbc.AtomikosDataSourceBean;\n\
                    class C { DataSource ds() { var x = new PGXADataSource(); return x; } }\n";
        assert_eq!(
            run("C.java", java, Files::Source),
            vec![
                ("Atomikos XA transaction manager", 1),
                ("XA data source", 3)
            ]
        );
        let cs = "// MSDTC is not used here\nTransactionManager.ImplicitDistributedTransactions = true;\n\
                  conn.EnlistDistributedTransaction(tx);\n";
        assert_eq!(
            run("P.cs", cs, Files::Source),
            vec![
                (
                    ".NET TransactionScope with distributed transactions enabled",
                    2
                ),
                ("MSDTC enlistment (EnlistDistributedTransaction)", 3)
            ]
        );
    }

    #[test]
    fn near_misses() {
        for (path, src) in [
            (
                "A.java",
                "@Transactional\npublic void place(Order o) { repo.save(o); }\n",
            ),
            ("P.cs", "using var scope = new TransactionScope();\n"),
            (
                "P.cs",
                "TransactionManager.ImplicitDistributedTransactions = false;\n",
            ),
            ("P.cs", "// no MSDTC here: each service commits locally\n"),
            (
                "A.java",
                "@SpringBootApplication(exclude = XADataSourceAutoConfiguration.class)\n",
            ),
            ("A.java", "/* we used com.atomikos once;\n   no more */\n"),
            ("A.java", "var ds = new AtomikosNonXADataSourceBean();\n"),
            ("a.py", "# bitronix.tm was here\n"),
        ] {
            assert!(
                run(path, src, Files::Source).is_empty(),
                "{src}: {:?}",
                run(path, src, Files::Source)
            );
        }
        // A block opener inside a string is not a comment.
        let src = "String p = \"classpath:db/*.sql\";\nimport com.atomikos.icatch.jta.J;\n";
        assert_eq!(
            run("A.java", src, Files::Source),
            vec![("Atomikos XA transaction manager", 2)]
        );
    }

    #[test]
    fn commented_signs_cost_bounded_work() {
        let lines = "// com.atomikos MSDTC bitronix.tm\n".repeat(200_000);
        let one_line = format!("/* {} */", "com.atomikos ".repeat(200_000));
        for src in [lines, one_line] {
            let start = std::time::Instant::now();
            assert!(run("A.java", &src, Files::Source).is_empty());
            assert!(start.elapsed() < std::time::Duration::from_secs(5));
        }
    }

    #[test]
    fn settings_that_switch_xa_on() {
        let sign = |k: &str, v: &str| setting_sign(k, v).map(|(w, _)| w);
        assert_eq!(
            sign("spring.jta.enabled", "true"),
            Some("Spring Boot JTA switched on")
        );
        assert_eq!(sign("SPRING_JTA_ENABLED", "false"), None);
        assert!(switches_jta_off("SPRING_JTA_ENABLED", "\"false\""));
        assert_eq!(
            sign("spring.jta.atomikos.properties.service", "x"),
            Some("Spring Boot JTA configuration")
        );
        assert_eq!(
            sign(
                "spring.datasource.xa.data-source-class-name",
                "org.postgresql.xa.PGXADataSource"
            ),
            Some("Spring XA data source")
        );
        assert_eq!(
            sign("app.orders.class", "com.mysql.cj.jdbc.MysqlXADataSource"),
            Some("XA data source class")
        );
        assert_eq!(
            sign("quarkus.datasource.\"orders\".jdbc.transactions", "xa"),
            Some("Quarkus XA data source")
        );
        assert_eq!(
            sign("quarkus.datasource.jdbc.transactions", "enabled"),
            None
        );
        assert_eq!(
            sign(
                "spring.autoconfigure.exclude",
                "org.springframework.boot.autoconfigure.jdbc.XADataSourceAutoConfiguration"
            ),
            None
        );
        assert_eq!(
            sign("spring.datasource.url", "jdbc:postgresql://db/orders"),
            None
        );
    }
}
