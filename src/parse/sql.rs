//! SQL scripts (migrations, schema dumps, seed data): the databases, schemas and tables a file
//! creates, the tables it reads or writes, and its foreign keys, each with an exact location.
//!
//! One bad statement never hides the rest. The file is cut into batches (T-SQL `GO`, MySQL
//! `DELIMITER`, psql meta-commands), each batch is tokenized once with positions and cut into
//! statements, and a statement sqlparser rejects is read by a token scan. A diagnostic is given
//! only where that scan recovers nothing: for a rejected statement that would have carried facts,
//! and once per file when nothing at all (no table) came out of it.

use super::LineIndex;
pub use crate::model::facts::{SqlFact, SqlFactKind, TableName};
use crate::model::{Diagnostic, Location};
use regex::RegexSet;
use sqlparser::ast::{
    AlterTableOperation, ColumnDef, ColumnOption, ConditionalStatements, CopySource,
    CreateFunctionBody, CreateProcedureBody, CreateTableLikeKind, Expr, FromTable, FunctionArg,
    FunctionArgExpr, FunctionArguments, Ident, InTarget, ObjectName, ObjectType, OrderByKind,
    Query, SchemaName, Select, Set, SetExpr, Statement, TableConstraint, TableFactor, TableObject,
    TableWithJoins, UpdateTableFromKind, Use, Value,
};
use sqlparser::dialect::{self as sd, GenericDialect};
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Location as TokLoc, Token, TokenWithSpan, Tokenizer, Whitespace};
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// The SQL dialect a file is read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    Generic,
    MySql,
    MsSql,
    PostgreSql,
}

impl Dialect {
    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::Generic => "generic",
            Dialect::MySql => "mysql",
            Dialect::MsSql => "mssql",
            Dialect::PostgreSql => "postgresql",
        }
    }

    fn parser(self) -> &'static dyn sd::Dialect {
        match self {
            Dialect::Generic => &GenericDialect,
            Dialect::MySql => &sd::MySqlDialect {},
            Dialect::MsSql => &sd::MsSqlDialect {},
            Dialect::PostgreSql => &sd::PostgreSqlDialect {},
        }
    }
}

/// Per-file caps so a garbage file cannot flood the report or spin.
const MAX_DIAGNOSTICS: usize = 50;
const MAX_RESTARTS: usize = 100;
/// Statements longer than this (in tokens) are not given to the parser: a 10 MB seed
/// `INSERT` would build an AST of millions of nodes. Their tables come from the token scan.
const MAX_STATEMENT_TOKENS: usize = 20_000;
/// sqlparser reads a chain of joins recursively, outside its recursion limit; thousands of
/// `JOIN`s overflow the stack. Real queries stay far below this.
const MAX_JOINS: usize = 200;

/// A batch larger than this is cut at its statements before tokenizing, and a statement larger
/// than this is read by its first `STATEMENT_HEAD_BYTES` only: token lists stay bounded.
const MAX_BATCH_BYTES: usize = 1024 * 1024;
const STATEMENT_HEAD_BYTES: usize = 64 * 1024;

static SNIFF: LazyLock<(RegexSet, Vec<Dialect>)> = LazyLock::new(|| {
    let markers = [
        (Dialect::MySql, r"`"),
        (Dialect::MySql, r"(?i)\bengine\s*="),
        (Dialect::MySql, r"(?i)\bauto_increment\b"),
        (Dialect::MySql, r"(?im)^\s*delimiter\s+\S"),
        (Dialect::MsSql, r"(?im)^\s*go\s*(\d+\s*)?;?\s*$"),
        (Dialect::MsSql, r"\[[A-Za-z_][A-Za-z0-9_ ]*\]"),
        (Dialect::MsSql, r"(?i)\bidentity\s*\("),
        (Dialect::MsSql, r"(?i)\bnvarchar\b"),
        (Dialect::PostgreSql, r"(?i)\b(big|small)?serial\b"),
        (Dialect::PostgreSql, r"\$\$"),
        (Dialect::PostgreSql, r"(?i)\bsearch_path\b"),
        (Dialect::PostgreSql, r"::\s*[A-Za-z_]"),
        (Dialect::PostgreSql, r"(?m)^\s*\\(c|connect)\s"),
    ];
    let set = RegexSet::new(markers.iter().map(|(_, p)| *p)).expect("valid regexes");
    (set, markers.iter().map(|(d, _)| *d).collect())
});

/// Guess the dialect from cheap markers: the dialect with the most distinct markers present
/// wins, ties going to MySQL, then SQL Server, then PostgreSQL; no marker means Generic.
pub fn sniff_dialect(text: &str) -> Dialect {
    let (set, dialects) = &*SNIFF;
    let mut score: HashMap<Dialect, usize> = HashMap::new();
    for i in set.matches(text).iter() {
        if let Some(d) = dialects.get(i) {
            *score.entry(*d).or_default() += 1;
        }
    }
    let mut best = (Dialect::Generic, 0);
    for d in [Dialect::MySql, Dialect::MsSql, Dialect::PostgreSql] {
        let s = score.get(&d).copied().unwrap_or(0);
        if s > best.1 {
            best = (d, s);
        }
    }
    best.0
}

/// Read one SQL file in its sniffed dialect.
pub fn parse(path: &str, text: &str) -> (Vec<SqlFact>, Vec<Diagnostic>) {
    parse_with_dialect(path, text, sniff_dialect(text))
}

/// Read one SQL file in a dialect the caller already knows.
pub fn parse_with_dialect(
    path: &str,
    text: &str,
    dialect: Dialect,
) -> (Vec<SqlFact>, Vec<Diagnostic>) {
    if text.contains('\0') {
        return (
            Vec::new(),
            vec![Diagnostic::note(path, 1, "binary content, not read as SQL")],
        );
    }
    // sqlparser is third-party code fed untrusted input: a bug there costs one file, not the scan.
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut reader = Reader::new(path, dialect);
        reader.file(text);
        reader.finish()
    }));
    run.unwrap_or_else(|_| {
        (
            Vec::new(),
            vec![Diagnostic::warning(
                path,
                1,
                "the SQL parser failed on this file; it was skipped",
            )],
        )
    })
}

// ---------------------------------------------------------------------------------------------
// Text preparation: same lines and columns as the input, fewer things the tokenizer trips on.
// ---------------------------------------------------------------------------------------------

/// Replace Flyway `${name}` placeholders with an identifier of the same length, and blank
/// whole-line `--` comments (Liquibase `--changeset` lines, which MySQL rejects without a space).
/// Returns the text and a map from substitute back to placeholder.
fn prepare(text: &str) -> (String, HashMap<String, String>) {
    let mut out = String::with_capacity(text.len());
    let mut placeholders = HashMap::new();
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with("--") {
            out.extend(
                line.chars()
                    .map(|c| if c == '\n' || c == '\r' { c } else { ' ' }),
            );
            continue;
        }
        let mut rest = line;
        while let Some(at) = rest.find("${") {
            out.push_str(&rest[..at]);
            let after = &rest[at + 2..];
            let end = after.find('}').filter(|&e| {
                e > 0
                    && after[..e]
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_.:-".contains(c))
            });
            match end {
                Some(e) => {
                    let inner = &after[..e];
                    let sub: String = std::iter::once('_')
                        .chain(inner.chars().map(|c| {
                            if c.is_ascii_alphanumeric() {
                                c.to_ascii_lowercase()
                            } else {
                                '_'
                            }
                        }))
                        .chain("__".chars())
                        .collect();
                    placeholders.insert(sub.clone(), format!("${{{inner}}}"));
                    out.push_str(&sub);
                    rest = &after[e + 1..];
                }
                None => {
                    out.push_str("${");
                    rest = after;
                }
            }
        }
        out.push_str(rest);
    }
    (out, placeholders)
}

enum Chunk {
    /// A byte range of the prepared text; `single` = one statement (a `DELIMITER` piece).
    Sql {
        start: usize,
        end: usize,
        single: bool,
    },
    /// psql `\c name`.
    Connect {
        name: String,
        line: u32,
        column: u32,
    },
}

fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.get(..prefix.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
}

fn is_go(line: &str) -> bool {
    let l = line.trim_end_matches(';').trim_end();
    if l.eq_ignore_ascii_case("go") {
        return true;
    }
    starts_with_ci(l, "go ")
        && l.get(3..)
            .is_some_and(|n| !n.trim().is_empty() && n.trim().chars().all(|c| c.is_ascii_digit()))
}

/// Cut the prepared text into batches on `GO` lines, `DELIMITER` lines and psql meta-commands.
fn split_chunks(text: &str) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    let mut start = 0;
    let mut offset = 0;
    let mut line_no = 0u32;
    let mut delimiter: Option<String> = None;
    let mut in_copy = false;
    for line in text.split_inclusive('\n') {
        let line_start = offset;
        offset += line.len();
        line_no = line_no.saturating_add(1);
        let t = line.trim();
        // `COPY … FROM stdin` data runs to `\.`; the tokenizer reads it, so leave it alone.
        if in_copy {
            in_copy = t != "\\.";
            continue;
        }
        if delimiter.is_none()
            && starts_with_ci(t, "copy")
            && t.to_ascii_lowercase().contains("from stdin")
        {
            in_copy = true;
            continue;
        }
        let mut words = t.split_whitespace();
        let first = words.next().unwrap_or("");
        if first.eq_ignore_ascii_case("delimiter") {
            close_chunk(&mut chunks, text, start, line_start, delimiter.as_deref());
            let d = words.next().unwrap_or(";");
            delimiter = (d != ";").then(|| d.to_string());
            start = offset;
        } else if is_go(t) {
            close_chunk(&mut chunks, text, start, line_start, delimiter.as_deref());
            start = offset;
        } else if t.starts_with('\\') {
            close_chunk(&mut chunks, text, start, line_start, delimiter.as_deref());
            start = offset;
            if matches!(first, "\\c" | "\\connect")
                && let Some(name) = words.find(|w| !w.starts_with('-'))
            {
                let column = line
                    .find(name)
                    .map_or(1, |at| line[..at].chars().count() + 1);
                chunks.push(Chunk::Connect {
                    name: name.trim_matches(['"', '\'']).to_string(),
                    line: line_no,
                    column: column as u32,
                });
            }
        }
    }
    close_chunk(&mut chunks, text, start, text.len(), delimiter.as_deref());
    chunks
}

fn close_chunk(
    chunks: &mut Vec<Chunk>,
    text: &str,
    start: usize,
    end: usize,
    delimiter: Option<&str>,
) {
    let Some(body) = text.get(start..end) else {
        return;
    };
    if body.trim().is_empty() {
        return;
    }
    match delimiter {
        None => chunks.push(Chunk::Sql {
            start,
            end,
            single: false,
        }),
        Some(d) => {
            for (a, b) in split_on_delimiter(body, d) {
                if body.get(a..b).is_some_and(|p| !p.trim().is_empty()) {
                    chunks.push(Chunk::Sql {
                        start: start + a,
                        end: start + b,
                        single: true,
                    });
                }
            }
        }
    }
}

/// Byte ranges of `body` between occurrences of a MySQL custom delimiter, skipping quotes and
/// comments.
fn split_on_delimiter(body: &str, d: &str) -> Vec<(usize, usize)> {
    let b = body.as_bytes();
    let mut out = Vec::new();
    let mut piece = 0;
    let mut i = 0;
    let skip_to = |i: usize, pat: &str| body.get(i..).and_then(|r| r.find(pat)).map(|p| i + p);
    while i < b.len() {
        if body.is_char_boundary(i) && body[i..].starts_with(d) {
            out.push((piece, i));
            i += d.len();
            piece = i;
            continue;
        }
        match b[i] {
            q @ (b'\'' | b'"' | b'`') => {
                i += 1;
                while i < b.len() {
                    if b[i] == b'\\' {
                        i += 2;
                        continue;
                    }
                    i += 1;
                    if b[i - 1] == q {
                        break;
                    }
                }
                continue;
            }
            b'-' if b.get(i + 1) == Some(&b'-') => i = skip_to(i, "\n").unwrap_or(b.len()),
            b'#' => i = skip_to(i, "\n").unwrap_or(b.len()),
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = skip_to(i + 2, "*/").map_or(b.len(), |e| e + 2);
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out.push((piece, b.len().max(piece)));
    out
}

// ---------------------------------------------------------------------------------------------
// Tokens: statement boundaries, T-SQL clean-up, and the fallback scan.
// ---------------------------------------------------------------------------------------------

fn is_ws(t: &TokenWithSpan) -> bool {
    matches!(t.token, Token::Whitespace(_))
}

/// An unquoted word equal to `k`, case-insensitively.
fn kw(t: &TokenWithSpan, k: &str) -> bool {
    matches!(&t.token, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(k))
}

fn kw_any(t: Option<&&TokenWithSpan>, ks: &[&str]) -> bool {
    t.is_some_and(|t| ks.iter().any(|k| kw(t, k)))
}

fn significant(toks: &[TokenWithSpan]) -> Vec<&TokenWithSpan> {
    toks.iter().filter(|t| !is_ws(t)).collect()
}

/// Statement ranges of one batch: `;` at parenthesis depth 0 outside `BEGIN … END` / `CASE …
/// END` blocks, so procedure bodies stay whole.
fn statement_ranges(toks: &[TokenWithSpan], mssql: bool) -> Vec<(usize, usize)> {
    let sig: Vec<usize> = (0..toks.len()).filter(|&i| !is_ws(&toks[i])).collect();
    let mut ranges = Vec::new();
    let mut start = 0;
    let (mut paren, mut block) = (0usize, 0usize);
    for (n, &i) in sig.iter().enumerate() {
        let prev = n.checked_sub(1).and_then(|m| sig.get(m)).map(|&j| &toks[j]);
        let next = sig.get(n + 1).map(|&j| &toks[j]);
        let t = &toks[i];
        match &t.token {
            Token::LParen => paren += 1,
            Token::RParen => paren = paren.saturating_sub(1),
            Token::SemiColon if paren == 0 && block == 0 => {
                ranges.push((start, i));
                start = i + 1;
            }
            Token::Word(_) if paren == 0 => {
                if kw(t, "BEGIN") {
                    let transaction = next.is_none_or(|n| {
                        n.token == Token::SemiColon
                            || kw_any(
                                Some(&n),
                                &[
                                    "TRANSACTION",
                                    "TRAN",
                                    "WORK",
                                    "DISTRIBUTED",
                                    "ISOLATION",
                                    "READ",
                                    "DEFERRED",
                                    "IMMEDIATE",
                                    "EXCLUSIVE",
                                    "DIALOG",
                                    "CONVERSATION",
                                ],
                            )
                    });
                    if !transaction {
                        block += 1;
                    }
                } else if kw(t, "CASE") && !prev.is_some_and(|p| kw(p, "END")) {
                    block += 1;
                } else if kw(t, "END")
                    && (mssql || !kw_any(next.as_ref(), &["IF", "LOOP", "WHILE", "REPEAT", "FOR"]))
                {
                    block = block.saturating_sub(1);
                }
            }
            _ => {}
        }
    }
    if sig.last().is_some_and(|&l| l >= start) {
        ranges.push((start, toks.len()));
    }
    ranges
}

fn blank(t: &mut TokenWithSpan) {
    t.token = Token::Whitespace(Whitespace::Space);
}

/// Remove the SSMS-script clauses sqlparser does not take (`WITH CHECK ADD`, `)WITH (PAD_INDEX
/// …)`, `ON [PRIMARY]`, `NONCLUSTERED INDEX`). Returns false for statements that carry nothing
/// this module reads and would only fail (`CHECK CONSTRAINT`, `ADD DEFAULT … FOR`).
fn tsql_fixups(toks: &mut [TokenWithSpan]) -> bool {
    match tsql_blanks(toks) {
        Some(blanks) => {
            for i in blanks {
                if let Some(t) = toks.get_mut(i) {
                    blank(t);
                }
            }
            true
        }
        None => false,
    }
}

/// The token indices `tsql_fixups` blanks, or None to drop the statement.
fn tsql_blanks(toks: &[TokenWithSpan]) -> Option<Vec<usize>> {
    let sig: Vec<usize> = (0..toks.len()).filter(|&i| !is_ws(&toks[i])).collect();
    let at = |n: usize| sig.get(n).map(|&i| &toks[i]);
    let is = |n: usize, k: &str| at(n).is_some_and(|t| kw(t, k));
    let mut blanks = Vec::new();
    let ddl = (is(0, "CREATE") || is(0, "ALTER")) && sig.len() > 2;
    if !ddl {
        return Some(blanks);
    }
    for n in 1..=2 {
        if is(n, "CLUSTERED") || is(n, "NONCLUSTERED") {
            blanks.extend(sig.get(n));
        }
    }
    if is(0, "ALTER") && is(1, "TABLE") {
        // Past the table name.
        let mut n = 2;
        while at(n).is_some_and(|t| matches!(t.token, Token::Word(_)))
            && at(n + 1).is_some_and(|t| t.token == Token::Period)
        {
            n += 2;
        }
        n += 1;
        if is(n, "WITH") && (is(n + 1, "CHECK") || is(n + 1, "NOCHECK")) {
            blanks.extend(sig.get(n..n + 2).unwrap_or_default());
            n += 2;
        }
        if (is(n, "CHECK") || is(n, "NOCHECK")) && is(n + 1, "CONSTRAINT") {
            return None;
        }
        if is(n, "ADD")
            && (is(n + 1, "DEFAULT") || (is(n + 1, "CONSTRAINT") && is(n + 3, "DEFAULT")))
        {
            return None;
        }
    }
    // Storage and index options after a closing parenthesis.
    for n in 0..sig.len() {
        if at(n).is_none_or(|t| t.token != Token::RParen) {
            continue;
        }
        let mut m = n + 1;
        loop {
            let opens_group = at(m + 1).is_some_and(|t| t.token == Token::LParen);
            let drop_to = if is(m, "WITH") && opens_group {
                matching_paren(&sig, toks, m + 1)
            } else if (is(m, "ON")
                && at(m + 1).is_some_and(|t| {
                    matches!(t.token, Token::Word(_))
                        && !kw_any(Some(&t), &["DELETE", "UPDATE", "COMMIT"])
                }))
                || is(m, "TEXTIMAGE_ON")
                || is(m, "FILESTREAM_ON")
            {
                if at(m + 2).is_some_and(|t| t.token == Token::LParen) {
                    matching_paren(&sig, toks, m + 2)
                } else {
                    Some(m + 1)
                }
            } else {
                None
            };
            let Some(last) = drop_to else { break };
            blanks.extend(sig.get(m..=last).unwrap_or_default());
            m = last + 1;
        }
    }
    Some(blanks)
}

/// Index in `sig` of the `)` closing the `(` at `sig[open]`.
fn matching_paren(sig: &[usize], toks: &[TokenWithSpan], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (n, &i) in sig.iter().enumerate().skip(open) {
        match toks[i].token {
            Token::LParen => depth += 1,
            Token::RParen => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(n);
                }
            }
            _ => {}
        }
    }
    None
}

/// Words that end a FROM list or cannot start a table name.
const NOT_A_NAME: &[&str] = &[
    "SELECT",
    "LATERAL",
    "UNNEST",
    "VALUES",
    "WITH",
    "SET",
    "WHERE",
    "ON",
    "AS",
    "INTO",
    "FROM",
    "JOIN",
    "LEFT",
    "RIGHT",
    "INNER",
    "OUTER",
    "CROSS",
    "FULL",
    "NATURAL",
    "GROUP",
    "ORDER",
    "HAVING",
    "LIMIT",
    "UNION",
    "EXCEPT",
    "INTERSECT",
    "STATISTICS",
    "TABLE",
    "USING",
    "WINDOW",
    "RETURNING",
    "BEGIN",
    "END",
    "IF",
    "THEN",
    "ELSE",
];

/// An object name (`a.b.c`) starting at `sig[k]`: its parts and the index after it.
fn read_name(sig: &[&TokenWithSpan], mut k: usize) -> Option<(Vec<Ident>, usize)> {
    if sig.get(k).is_some_and(|t| kw(t, "ONLY")) {
        k += 1;
    }
    let mut parts = Vec::new();
    loop {
        let t = sig.get(k)?;
        let Token::Word(w) = &t.token else {
            return None;
        };
        if parts.is_empty() && kw_any(Some(t), NOT_A_NAME) {
            return None;
        }
        parts.push(Ident {
            value: w.value.clone(),
            quote_style: w.quote_style,
            span: t.span,
        });
        k += 1;
        if sig.get(k).is_some_and(|t| t.token == Token::Period) {
            k += 1;
        } else {
            return Some((parts, k));
        }
    }
}

/// Shift token positions from a slice that started at (`line`, `column`) of the file.
fn shift(toks: &mut [TokenWithSpan], line: u64, column: u64) {
    let fix = |l: &mut TokLoc| {
        if l.line == 0 {
            return;
        }
        if l.line == 1 {
            l.column += column.saturating_sub(1);
        }
        l.line += line.saturating_sub(1);
    };
    for t in toks {
        fix(&mut t.span.start);
        fix(&mut t.span.end);
    }
}

struct Failure {
    /// Token index (in the parsed slice) where the failing statement starts.
    at: usize,
    error: ParserError,
}

/// Parse statements until the end of the slice or the first error.
fn parse_all(
    d: &dyn sd::Dialect,
    toks: Vec<TokenWithSpan>,
) -> (Vec<(Statement, TokLoc)>, Option<Failure>) {
    let mut p = Parser::new(d).with_tokens_with_locations(toks);
    let mut out = Vec::new();
    loop {
        while p.consume_token(&Token::SemiColon) {}
        let next = p.peek_token_ref();
        if next.token == Token::EOF {
            return (out, None);
        }
        let loc = next.span.start;
        let at = p.index();
        match p.parse_statement() {
            Ok(s) => out.push((s, loc)),
            Err(error) => return (out, Some(Failure { at, error })),
        }
        if p.index() <= at {
            return (out, None);
        }
    }
}

/// The statements of `text[start..end]` as byte ranges, cut at `;` outside quotes, quoted
/// identifiers, comments and dollar quotes: a cheap pass that needs no tokens.
fn statement_bytes(text: &str, start: usize, end: usize) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let (mut from, mut i) = (start, start);
    let find = |from: usize, pat: &[u8]| {
        memchr::memmem::find(&b[from..end], pat).map_or(end, |j| from + j + pat.len())
    };
    while i < end {
        i = match b[i] {
            q @ (b'\'' | b'"' | b'`') => {
                memchr::memchr(q, &b[i + 1..end]).map_or(end, |j| i + j + 2)
            }
            b'-' if b.get(i + 1) == Some(&b'-') => find(i, b"\n"),
            b'/' if b.get(i + 1) == Some(&b'*') => find(i + 2, b"*/"),
            b'$' => match b[i + 1..end]
                .iter()
                .position(|&c| !(c.is_ascii_alphanumeric() || c == b'_'))
            {
                Some(n) if b[i + 1 + n] == b'$' => {
                    let tag = &b[i..i + n + 2];
                    find(i + tag.len(), tag)
                }
                _ => i + 1,
            },
            b';' => {
                out.push((from, i + 1));
                from = i + 1;
                i + 1
            }
            _ => i + 1,
        };
    }
    if from < end {
        out.push((from, end));
    }
    out
}

/// Why a statement is over the parser's budget, if it is.
fn over_budget(toks: &[TokenWithSpan]) -> Option<String> {
    if toks.len() > MAX_STATEMENT_TOKENS {
        return Some(format!("of {} tokens", toks.len()));
    }
    let joins = toks.iter().filter(|t| kw(t, "JOIN")).count();
    (joins > MAX_JOINS).then(|| format!("with {joins} JOINs"))
}

fn short_error(e: &ParserError) -> String {
    let text = match e {
        ParserError::TokenizerError(s) | ParserError::ParserError(s) => s.as_str(),
        ParserError::RecursionLimitExceeded => "nested too deeply",
    };
    let text = crate::redact::mask_sql_literals(text);
    let mut s: String = text.chars().take(160).collect();
    if text.chars().count() > 160 {
        s.push('…');
    }
    s
}

const READ: &str = "select";

// ---------------------------------------------------------------------------------------------
// The reader: state carried through one file.
// ---------------------------------------------------------------------------------------------

struct Reader<'p> {
    path: &'p str,
    dialect: Dialect,
    placeholders: HashMap<String, String>,
    /// From `USE` / `\c`.
    database: Option<String>,
    /// From `SET search_path`.
    schema: Option<String>,
    /// Overrides the statement label inside views and routine bodies.
    context: Option<&'static str>,
    /// CTE names in scope.
    ctes: Vec<String>,
    /// Where the current statement starts: the location of facts whose name has no position.
    stmt_loc: TokLoc,
    facts: Vec<SqlFact>,
    diagnostics: Vec<Diagnostic>,
    suppressed: usize,
    /// The first rejected statement that recovered nothing and carried no facts (line,
    /// message), and how many more: one diagnostic for the file if it yields no table.
    skipped: Option<(u32, String)>,
    more_skipped: usize,
    seen: HashSet<(TableName, &'static str)>,
}

impl<'p> Reader<'p> {
    fn new(path: &'p str, dialect: Dialect) -> Self {
        Reader {
            path,
            dialect,
            placeholders: HashMap::new(),
            database: None,
            schema: None,
            context: None,
            ctes: Vec::new(),
            stmt_loc: TokLoc { line: 1, column: 1 },
            facts: Vec::new(),
            diagnostics: Vec::new(),
            suppressed: 0,
            skipped: None,
            more_skipped: 0,
            seen: HashSet::new(),
        }
    }

    fn finish(mut self) -> (Vec<SqlFact>, Vec<Diagnostic>) {
        if let Some((line, message)) = self.skipped.take()
            && !self.facts.iter().any(|f| names_table(&f.kind))
        {
            let more = match self.more_skipped {
                0 => String::new(),
                n => format!(" ({n} more statements skipped)"),
            };
            let message = format!("{message}; no table recovered from this file{more}");
            self.diagnose(Diagnostic::note(self.path, line, message));
        }
        if self.suppressed > 0 {
            self.diagnostics.push(Diagnostic::note(
                self.path,
                1,
                format!(
                    "{} more SQL statements could not be parsed (not listed)",
                    self.suppressed
                ),
            ));
        }
        self.facts
            .sort_by_key(|f| (f.location.line, f.location.column));
        self.diagnostics.sort_by_key(|d| d.line);
        (self.facts, self.diagnostics)
    }

    fn diagnose(&mut self, d: Diagnostic) {
        if self.diagnostics.len() < MAX_DIAGNOSTICS {
            self.diagnostics.push(d);
        } else {
            self.suppressed += 1;
        }
    }

    fn location(&self, l: TokLoc) -> Location {
        let l = if l.line == 0 { self.stmt_loc } else { l };
        Location::new(
            self.path,
            u32::try_from(l.line).unwrap_or(u32::MAX),
            u32::try_from(l.column).unwrap_or(u32::MAX),
        )
    }

    fn push(&mut self, kind: SqlFactKind, at: TokLoc) {
        let location = self.location(at);
        self.facts.push(SqlFact { kind, location });
    }

    fn file(&mut self, text: &str) {
        let (prepared, placeholders) = prepare(text);
        self.placeholders = placeholders;
        let index = LineIndex::new(&prepared);
        for chunk in split_chunks(&prepared) {
            match chunk {
                Chunk::Connect { name, line, column } => {
                    let name = self.restore(name);
                    self.database = Some(name.clone());
                    self.schema = None;
                    self.push(
                        SqlFactKind::UseDatabase { name },
                        TokLoc {
                            line: line.into(),
                            column: column.into(),
                        },
                    );
                }
                Chunk::Sql { start, end, single } => {
                    self.chunk(&prepared, &index, start, end, single)
                }
            }
        }
    }

    /// Read one batch. A batch over `MAX_BATCH_BYTES` (a seed file of one huge INSERT) is cut
    /// at its statements first: small ones are tokenized a group at a time, and a statement
    /// over the limit only by its head, so no token list ever grows with the file.
    fn chunk(&mut self, text: &str, index: &LineIndex, start: usize, end: usize, single: bool) {
        if end.saturating_sub(start) <= MAX_BATCH_BYTES {
            return self.tokenized(text, index, start, end, single);
        }
        let pieces = if single {
            vec![(start, end)]
        } else {
            statement_bytes(text, start, end)
        };
        let mut group = (start, start);
        for (a, b) in pieces {
            if b - a > MAX_BATCH_BYTES {
                if group.1 > group.0 {
                    self.tokenized(text, index, group.0, group.1, false);
                }
                self.head_only(text, index, a, b);
                group = (b, b);
            } else if b - group.0 > MAX_BATCH_BYTES {
                self.tokenized(text, index, group.0, group.1, false);
                group = (group.1, b);
            } else {
                group.1 = b;
            }
        }
        if group.1 > group.0 {
            self.tokenized(text, index, group.0, group.1, single);
        }
    }

    /// A statement too large to tokenize whole: its tables come from the tokens of its first
    /// `STATEMENT_HEAD_BYTES` (an INSERT names its table there), with a note.
    fn head_only(&mut self, text: &str, index: &LineIndex, start: usize, end: usize) {
        let mut cut = (start + STATEMENT_HEAD_BYTES).min(end);
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        let head = &text[start..cut];
        let head = head.rfind(['\n', ' ', ',']).map_or(head, |i| &head[..i]);
        let (line, column) = index.position(text, start);
        let mut toks = Vec::new();
        // A head cut inside a literal ends in a tokenizer error; the tokens before it serve.
        let _ =
            Tokenizer::new(self.dialect.parser(), head).tokenize_with_location_into_buf(&mut toks);
        shift(&mut toks, line.into(), column.into());
        let mb = (end - start) as f64 / (1024.0 * 1024.0);
        self.over_budget(&toks, format!("of {mb:.1} MB"));
    }

    /// Tokenize one batch and read its statements. A tokenizer error (say an unterminated
    /// quote) loses the statement it is in; reading resumes on the next line.
    fn tokenized(&mut self, text: &str, index: &LineIndex, start: usize, end: usize, single: bool) {
        let mut pos = start;
        // Each restart tokenizes the rest again: bound the total work.
        let mut budget = 4 * end.saturating_sub(start) + 65_536;
        for _ in 0..MAX_RESTARTS {
            let Some(slice) = text.get(pos..end) else {
                return;
            };
            if slice.trim().is_empty() {
                return;
            }
            let Some(left) = budget.checked_sub(slice.len()) else {
                break;
            };
            budget = left;
            let (line, column) = index.position(text, pos);
            let mut toks = Vec::new();
            let result = Tokenizer::new(self.dialect.parser(), slice)
                .tokenize_with_location_into_buf(&mut toks);
            shift(&mut toks, line.into(), column.into());
            let Err(e) = result else {
                self.statements(toks, single);
                return;
            };
            // Keep the complete statements before the error.
            let cut = toks
                .iter()
                .rposition(|t| t.token == Token::SemiColon)
                .map_or(0, |i| i + 1);
            let broken_at = toks[cut..]
                .iter()
                .find(|t| !is_ws(t))
                .map(|t| t.span.start.line);
            toks.truncate(cut);
            self.statements(toks, false);
            let err_line = e.location.line + u64::from(line).saturating_sub(1);
            self.diagnose(Diagnostic::warning(
                self.path,
                u32::try_from(broken_at.unwrap_or(err_line)).unwrap_or(u32::MAX),
                format!("SQL not tokenized: {}", e.message),
            ));
            // Resume on the line after the error.
            let skip_lines = e.location.line.max(1) as usize;
            match slice.match_indices('\n').nth(skip_lines - 1) {
                Some((nl, _)) => pos += nl + 1,
                None => return,
            }
        }
        self.diagnose(Diagnostic::warning(
            self.path,
            index.position(text, pos).0,
            "too many SQL tokenizer errors; rest of this batch skipped",
        ));
    }

    fn statements(&mut self, toks: Vec<TokenWithSpan>, single: bool) {
        let ranges = if single {
            vec![(0, toks.len())]
        } else {
            statement_ranges(&toks, self.dialect == Dialect::MsSql)
        };
        for (a, b) in ranges {
            let Some(range) = toks.get(a..b) else {
                continue;
            };
            if let Some(why) = over_budget(range) {
                self.over_budget(range, why);
                continue;
            }
            let mut stmt = range.to_vec();
            if self.dialect == Dialect::MsSql && !tsql_fixups(&mut stmt) {
                continue;
            }
            self.range(stmt);
        }
    }

    /// Parse one statement range: in the file's dialect, then generic; a failure becomes a
    /// diagnostic plus a token scan.
    fn range(&mut self, toks: Vec<TokenWithSpan>) {
        let mut from = 0;
        let mut budget = 4 * toks.len() + 4_096;
        for _ in 0..MAX_RESTARTS {
            let Some(rest) = toks.get(from..) else { return };
            if rest.iter().all(is_ws) {
                return;
            }
            let Some(left) = budget.checked_sub(rest.len()) else {
                return;
            };
            budget = left;
            let (mut stmts, mut failure) = parse_all(self.dialect.parser(), rest.to_vec());
            if failure.is_some() && self.dialect != Dialect::Generic {
                let (g, gf) = parse_all(&GenericDialect, rest.to_vec());
                if gf.is_none() || g.len() > stmts.len() {
                    (stmts, failure) = (g, gf);
                }
            }
            for (s, loc) in &stmts {
                self.stmt_loc = *loc;
                self.statement(s, true);
            }
            let Some(f) = failure else { return };
            let failed = rest.get(f.at..).unwrap_or_default();
            // T-SQL statements need no `;`: pick up at the next line that starts a statement,
            // unless this is a routine, whose body runs to the end of the batch.
            let resume = if self.dialect == Dialect::MsSql && routine_kind(failed).is_none() {
                resync(failed)
            } else {
                None
            };
            self.failed(
                failed
                    .get(..resume.unwrap_or(failed.len()))
                    .unwrap_or(failed),
                &f.error,
            );
            match resume {
                Some(n) => from += f.at + n,
                None => return,
            }
        }
    }

    /// A statement too large or too deep for the parser: its tables come from the token scan
    /// (of its head only, when it is long), with a note.
    fn over_budget(&mut self, toks: &[TokenWithSpan], why: String) {
        let sig = significant(toks);
        let Some(first) = sig.first() else { return };
        self.stmt_loc = first.span.start;
        let head = &sig[..sig.len().min(MAX_STATEMENT_TOKENS)];
        let before = self.facts.len();
        self.scan(head);
        let taken = if self.facts.len() > before {
            "tables taken from its tokens"
        } else {
            "skipped"
        };
        let line = u32::try_from(first.span.start.line).unwrap_or(u32::MAX);
        self.diagnose(Diagnostic::note(
            self.path,
            line,
            format!("SQL statement {why}, too large to parse; {taken}"),
        ));
    }

    /// Scan the tokens of a statement sqlparser rejected. Only when the scan recovers nothing
    /// is there a diagnostic: now for a statement that would have carried facts, at the end
    /// of the file for the others (and only if the file yields no table at all).
    fn failed(&mut self, toks: &[TokenWithSpan], error: &ParserError) {
        let sig = significant(toks);
        let Some(first) = sig.first() else {
            return;
        };
        self.stmt_loc = first.span.start;
        let before = self.facts.len();
        let routine = self.scan(&sig);
        // A routine's body was scanned even when it named no table.
        if self.facts.len() > before || routine {
            return;
        }
        let head: Vec<String> = sig
            .iter()
            .take(3)
            .map(|t| crate::redact::mask_sql_literals(&t.token.to_string()))
            .collect();
        let line = u32::try_from(first.span.start.line).unwrap_or(u32::MAX);
        let message = format!(
            "SQL statement ({} …) skipped: {}",
            head.join(" "),
            short_error(error)
        );
        if matters(&sig) {
            self.diagnose(Diagnostic::warning(self.path, line, message));
        } else if self.skipped.is_none() {
            self.skipped = Some((line, message));
        } else {
            self.more_skipped += 1;
        }
    }

    // -----------------------------------------------------------------------------------------
    // Names.
    // -----------------------------------------------------------------------------------------

    fn restore(&self, mut s: String) -> String {
        for (sub, original) in &self.placeholders {
            if s.contains(sub.as_str()) {
                s = s.replace(sub.as_str(), original);
            }
        }
        s
    }

    /// Unquoted identifiers fold to lower case; quoted ones keep their case where the
    /// database is case-sensitive (PostgreSQL, generic SQL).
    fn ident(&self, i: &Ident) -> String {
        let folded = match (i.quote_style, self.dialect) {
            (Some(_), Dialect::PostgreSql | Dialect::Generic) => i.value.clone(),
            _ => i.value.to_lowercase(),
        };
        self.restore(folded)
    }

    fn is_default_schema(&self, s: &str) -> bool {
        match self.dialect {
            Dialect::PostgreSql => s == "public",
            Dialect::MsSql => s == "dbo",
            Dialect::Generic => s == "public" || s == "dbo",
            Dialect::MySql => false,
        }
    }

    fn table(&self, parts: &[&Ident]) -> Option<TableName> {
        let norm: Vec<String> = parts.iter().map(|i| self.ident(i)).collect();
        let (name, quals) = norm.split_last()?;
        // Temporary tables and table variables are no one's shared data.
        if name.is_empty() || name.starts_with(['#', '@']) {
            return None;
        }
        let nonempty = |s: Option<&String>| s.filter(|s| !s.is_empty()).cloned();
        let (database, schema) = if self.dialect == Dialect::MySql {
            (
                nonempty(quals.last()).or_else(|| self.database.clone()),
                None,
            )
        } else {
            let schema = if quals.is_empty() {
                self.schema.clone()
            } else {
                nonempty(quals.last())
            };
            let database = quals
                .len()
                .checked_sub(2)
                .and_then(|i| nonempty(quals.get(i)))
                .or_else(|| self.database.clone());
            (database, schema.filter(|s| !self.is_default_schema(s)))
        };
        let t = TableName {
            database,
            schema,
            name: name.clone(),
        };
        (!self.is_system(&t, quals)).then_some(t)
    }

    /// System catalogs: every service reads them, so they say nothing about coupling.
    fn is_system(&self, t: &TableName, quals: &[String]) -> bool {
        let explicit = |s: &str| quals.iter().any(|q| q == s);
        if ["information_schema", "pg_catalog", "sys"]
            .iter()
            .any(|s| explicit(s) || t.schema.as_deref() == Some(s))
        {
            return true;
        }
        let unqualified = quals.is_empty();
        match self.dialect {
            Dialect::MySql => {
                matches!(
                    t.database.as_deref(),
                    Some("information_schema" | "performance_schema" | "mysql" | "sys")
                ) || (unqualified && t.name == "dual")
            }
            Dialect::PostgreSql => unqualified && t.name.starts_with("pg_"),
            Dialect::MsSql => {
                unqualified
                    && matches!(
                        t.name.as_str(),
                        "sysobjects" | "syscolumns" | "sysindexes" | "inserted" | "deleted"
                    )
            }
            Dialect::Generic => unqualified && (t.name == "dual" || t.name.starts_with("pg_")),
        }
    }

    fn object(&self, n: &ObjectName) -> Option<TableName> {
        let parts: Option<Vec<&Ident>> = n.0.iter().map(|p| p.as_ident()).collect();
        self.table(&parts?)
    }

    fn name_loc(n: &ObjectName) -> TokLoc {
        n.0.first()
            .and_then(|p| p.as_ident())
            .map_or(TokLoc { line: 0, column: 0 }, |i| i.span.start)
    }

    /// The last part of a name (`CREATE DATABASE x`, `USE x`), normalised.
    fn simple(&self, n: &ObjectName) -> Option<(String, TokLoc)> {
        let i = n.0.last()?.as_ident()?;
        let v = self.ident(i);
        (!v.is_empty()).then_some((v, i.span.start))
    }

    fn is_cte(&self, parts: usize, t: &TableName) -> bool {
        parts == 1 && self.ctes.contains(&t.name)
    }

    fn reference_parts(&mut self, parts: &[&Ident], role: &'static str) {
        let Some(t) = self.table(parts) else { return };
        if self.is_cte(parts.len(), &t) {
            return;
        }
        let statement = self.context.unwrap_or(role);
        if !self.seen.insert((t.clone(), statement)) {
            return;
        }
        let at = parts
            .first()
            .map_or(TokLoc { line: 0, column: 0 }, |i| i.span.start);
        self.push(
            SqlFactKind::References {
                table: t,
                statement,
            },
            at,
        );
    }

    fn reference(&mut self, n: &ObjectName, role: &'static str) {
        if let Some(parts) = n.0.iter().map(|p| p.as_ident()).collect::<Option<Vec<_>>>() {
            self.reference_parts(&parts, role);
        }
    }

    fn foreign_key(&mut self, from: &TableName, to: &ObjectName) {
        if let Some(t) = self.object(to) {
            self.push(
                SqlFactKind::ForeignKey {
                    from: from.clone(),
                    to: t,
                },
                Self::name_loc(to),
            );
        }
    }

    fn with_context(&mut self, context: &'static str, f: impl FnOnce(&mut Self)) {
        let saved = self.context.replace(context);
        f(self);
        self.context = saved;
    }

    // -----------------------------------------------------------------------------------------
    // Statements.
    // -----------------------------------------------------------------------------------------

    /// `top`: a statement of the file itself, whose `USE` / `SET` changes later names.
    fn statement(&mut self, s: &Statement, top: bool) {
        match s {
            Statement::CreateDatabase { db_name, .. } => {
                if let Some((name, at)) = self.simple(db_name) {
                    self.push(SqlFactKind::CreateDatabase { name }, at);
                }
            }
            Statement::CreateSchema { schema_name, .. } => {
                let n = match schema_name {
                    SchemaName::Simple(n) | SchemaName::NamedAuthorization(n, _) => n,
                    SchemaName::UnnamedAuthorization(_) => return,
                };
                if let Some((name, at)) = self.simple(n) {
                    let kind = if self.dialect == Dialect::MySql {
                        SqlFactKind::CreateDatabase { name }
                    } else {
                        SqlFactKind::CreateSchema { name }
                    };
                    self.push(kind, at);
                }
            }
            Statement::Use(u) if top => self.use_statement(u),
            Statement::Set(Set::SingleAssignment {
                variable, values, ..
            }) if top => {
                let is_search_path = variable
                    .0
                    .last()
                    .and_then(|p| p.as_ident())
                    .is_some_and(|i| i.value.eq_ignore_ascii_case("search_path"));
                if is_search_path {
                    self.search_path(values);
                }
            }
            Statement::CreateTable(ct) => {
                let Some(table) = self.object(&ct.name) else {
                    return;
                };
                if !ct.temporary {
                    self.push(
                        SqlFactKind::CreateTable {
                            table: table.clone(),
                        },
                        Self::name_loc(&ct.name),
                    );
                }
                for c in &ct.columns {
                    self.column_fks(&table, c);
                }
                for c in &ct.constraints {
                    if let TableConstraint::ForeignKey(fk) = c {
                        self.foreign_key(&table, &fk.foreign_table);
                    }
                }
                if let Some(q) = &ct.query {
                    self.query(q, READ);
                }
                match &ct.like {
                    Some(CreateTableLikeKind::Parenthesized(l) | CreateTableLikeKind::Plain(l)) => {
                        self.reference(&l.name, "like")
                    }
                    None => {}
                }
                if let Some(c) = &ct.clone {
                    self.reference(c, "like");
                }
                for p in ct.inherits.iter().flatten().chain(&ct.partition_of) {
                    self.reference(p, "like");
                }
            }
            Statement::CreateView(v) => {
                if let Some(view) = self.object(&v.name) {
                    self.push(SqlFactKind::CreateView { view }, Self::name_loc(&v.name));
                }
                self.with_context("view", |r| r.query(&v.query, READ));
            }
            Statement::AlterTable(at) => {
                self.reference(&at.name, "alter");
                let Some(table) = self.object(&at.name) else {
                    return;
                };
                for op in &at.operations {
                    match op {
                        AlterTableOperation::AddConstraint {
                            constraint: TableConstraint::ForeignKey(fk),
                            ..
                        } => self.foreign_key(&table, &fk.foreign_table),
                        AlterTableOperation::AddColumn { column_def, .. } => {
                            self.column_fks(&table, column_def)
                        }
                        _ => {}
                    }
                }
            }
            Statement::Query(q) => self.query(q, READ),
            Statement::Insert(i) => {
                match &i.table {
                    TableObject::TableName(n) => self.reference(n, "insert"),
                    TableObject::TableQuery(q) => self.query(q, READ),
                    TableObject::TableFunction(_) => {}
                }
                if let Some(q) = &i.source {
                    self.query(q, READ);
                }
            }
            Statement::Update(u) => {
                self.table_with_joins(&u.table, "update", READ);
                match &u.from {
                    Some(UpdateTableFromKind::BeforeSet(f) | UpdateTableFromKind::AfterSet(f)) => {
                        for t in f {
                            self.table_with_joins(t, READ, READ);
                        }
                    }
                    None => {}
                }
                for a in &u.assignments {
                    self.expr(&a.value);
                }
                if let Some(e) = &u.selection {
                    self.expr(e);
                }
            }
            Statement::Delete(d) => {
                for n in &d.tables {
                    self.reference(n, "delete");
                }
                let target = if d.tables.is_empty() { "delete" } else { READ };
                match &d.from {
                    FromTable::WithFromKeyword(f) | FromTable::WithoutKeyword(f) => {
                        for t in f {
                            self.table_with_joins(t, target, READ);
                        }
                    }
                }
                for t in d.using.iter().flatten() {
                    self.table_with_joins(t, READ, READ);
                }
                if let Some(e) = &d.selection {
                    self.expr(e);
                }
            }
            Statement::Merge(m) => {
                self.table_factor(&m.table, "merge");
                self.table_factor(&m.source, READ);
                self.expr(&m.on);
                for c in &m.clauses {
                    if let Some(e) = &c.predicate {
                        self.expr(e);
                    }
                }
            }
            Statement::CreateIndex(ci) => self.reference(&ci.table_name, "index"),
            Statement::Truncate(t) => {
                for n in &t.table_names {
                    self.reference(&n.name, "truncate");
                }
            }
            Statement::Drop {
                object_type: ObjectType::Table | ObjectType::View | ObjectType::MaterializedView,
                names,
                ..
            } => {
                for n in names {
                    self.reference(n, "drop");
                }
            }
            Statement::Copy { source, .. } => match source {
                CopySource::Table { table_name, .. } => self.reference(table_name, "copy"),
                CopySource::Query(q) => self.query(q, READ),
            },
            Statement::CreateProcedure { body, .. } => {
                let statements = match body {
                    CreateProcedureBody::As(c) => c.statements(),
                    CreateProcedureBody::BeginAtomic(b) => &b.statements,
                };
                self.with_context("procedure", |r| {
                    for s in statements {
                        r.statement(s, false);
                    }
                });
            }
            Statement::CreateFunction(f) => {
                self.with_context("function", |r| match &f.function_body {
                    Some(
                        CreateFunctionBody::AsBeginEnd(b) | CreateFunctionBody::BeginAtomic(b),
                    ) => {
                        for s in &b.statements {
                            r.statement(s, false);
                        }
                    }
                    Some(
                        CreateFunctionBody::Return(e)
                        | CreateFunctionBody::AsReturnExpr(e)
                        | CreateFunctionBody::AsAfterOptions(e)
                        | CreateFunctionBody::AsBeforeOptions { body: e, .. },
                    ) => r.function_body(e),
                    Some(CreateFunctionBody::AsReturnSelect(s)) => r.select(s),
                    None => {}
                });
            }
            Statement::CreateTrigger(t) => {
                self.with_context("trigger", |r| {
                    r.reference(&t.table_name, "trigger");
                    if let Some(e) = &t.condition {
                        r.expr(e);
                    }
                    if let Some(c) = &t.statements {
                        r.conditional(c);
                    }
                });
            }
            Statement::If(i) => {
                for b in std::iter::once(&i.if_block)
                    .chain(&i.elseif_blocks)
                    .chain(&i.else_block)
                {
                    if let Some(e) = &b.condition {
                        self.expr(e);
                    }
                    self.conditional(&b.conditional_statements);
                }
            }
            Statement::While(w) => {
                if let Some(e) = &w.while_block.condition {
                    self.expr(e);
                }
                self.conditional(&w.while_block.conditional_statements);
            }
            Statement::Case(c) => {
                for b in c.when_blocks.iter().chain(&c.else_block) {
                    if let Some(e) = &b.condition {
                        self.expr(e);
                    }
                    self.conditional(&b.conditional_statements);
                }
            }
            _ => {}
        }
    }

    fn conditional(&mut self, c: &ConditionalStatements) {
        for s in c.statements() {
            self.statement(s, false);
        }
    }

    fn use_statement(&mut self, u: &Use) {
        let (n, database) = match u {
            Use::Database(n) | Use::Catalog(n) | Use::Object(n) => (n, true),
            Use::Schema(n) => (n, self.dialect == Dialect::MySql),
            _ => return,
        };
        let Some((name, at)) = self.simple(n) else {
            return;
        };
        if database {
            self.database = Some(name.clone());
            self.schema = None;
            self.push(SqlFactKind::UseDatabase { name }, at);
        } else {
            self.schema = Some(name.clone()).filter(|s| !self.is_default_schema(s));
            self.push(SqlFactKind::UseSchema { name }, at);
        }
    }

    /// `SET search_path TO a, b`: the first entry is where new tables go.
    fn search_path(&mut self, values: &[Expr]) {
        // Entries as (name, location); `'a, b'` as one string holds several.
        let mut entries: Vec<(String, TokLoc)> = Vec::new();
        for v in values {
            match v {
                Expr::Identifier(i) => entries.push((self.ident(i), i.span.start)),
                Expr::Value(v) => {
                    if let Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) = &v.value {
                        for part in s.split(',').map(str::trim) {
                            let name = match part.strip_prefix('"') {
                                Some(quoted) => quoted.trim_end_matches('"').to_string(),
                                None => part.to_lowercase(),
                            };
                            entries.push((self.restore(name), v.span.start));
                        }
                    }
                }
                _ => {}
            }
        }
        // `$user` names a per-login schema the script cannot know; the next entry is the default.
        let Some((name, at)) = entries
            .into_iter()
            .find(|(n, _)| !n.is_empty() && n != "$user")
        else {
            return;
        };
        self.schema = Some(name.clone()).filter(|s| !self.is_default_schema(s));
        self.push(SqlFactKind::UseSchema { name }, at);
    }

    fn column_fks(&mut self, table: &TableName, c: &ColumnDef) {
        for o in &c.options {
            if let ColumnOption::ForeignKey(fk) = &o.option {
                self.foreign_key(table, &fk.foreign_table);
            }
        }
    }

    /// A PostgreSQL `$$ … $$` or quoted function body: scan its tokens.
    fn function_body(&mut self, e: &Expr) {
        let Expr::Value(v) = e else {
            self.expr(e);
            return;
        };
        let (body, open) = match &v.value {
            Value::DollarQuotedString(d) => (&d.value, d.tag.as_deref().map_or(0, str::len) + 2),
            Value::SingleQuotedString(s) => (s, 1),
            _ => return,
        };
        let mut toks = Vec::new();
        // A body that does not tokenize still gives the tokens before the error.
        let _ =
            Tokenizer::new(self.dialect.parser(), body).tokenize_with_location_into_buf(&mut toks);
        shift(
            &mut toks,
            v.span.start.line,
            v.span.start.column + open as u64,
        );
        let sig = significant(&toks);
        self.scan_body(&sig, 0, None, false);
    }

    // -----------------------------------------------------------------------------------------
    // Queries and expressions.
    // -----------------------------------------------------------------------------------------

    fn query(&mut self, q: &Query, role: &'static str) {
        let outer = self.ctes.len();
        if let Some(with) = &q.with {
            // Pushed first: a recursive CTE names itself.
            for cte in &with.cte_tables {
                let name = self.ident(&cte.alias.name);
                self.ctes.push(name);
            }
            for cte in &with.cte_tables {
                self.query(&cte.query, READ);
            }
        }
        self.set_expr(&q.body, role);
        if let Some(o) = &q.order_by
            && let OrderByKind::Expressions(es) = &o.kind
        {
            for e in es {
                self.expr(&e.expr);
            }
        }
        self.ctes.truncate(outer);
    }

    fn set_expr(&mut self, s: &SetExpr, role: &'static str) {
        match s {
            SetExpr::Select(sel) => self.select(sel),
            SetExpr::Query(q) => self.query(q, role),
            SetExpr::SetOperation { left, right, .. } => {
                self.set_expr(left, role);
                self.set_expr(right, role);
            }
            SetExpr::Values(v) => {
                for row in &v.rows {
                    for e in row.iter() {
                        self.expr(e);
                    }
                }
            }
            SetExpr::Insert(st)
            | SetExpr::Update(st)
            | SetExpr::Delete(st)
            | SetExpr::Merge(st) => self.statement(st, false),
            SetExpr::Table(t) => {
                let parts: Vec<&Ident> = t.schema_name.iter().chain(&t.table_name).collect();
                if !parts.is_empty() {
                    self.reference_parts(&parts, role);
                }
            }
        }
    }

    fn select(&mut self, s: &Select) {
        for twj in &s.from {
            self.table_with_joins(twj, READ, READ);
        }
        for item in &s.projection {
            match item {
                sqlparser::ast::SelectItem::UnnamedExpr(e)
                | sqlparser::ast::SelectItem::ExprWithAlias { expr: e, .. }
                | sqlparser::ast::SelectItem::ExprWithAliases { expr: e, .. } => self.expr(e),
                _ => {}
            }
        }
        for e in s.selection.iter().chain(&s.having).chain(&s.qualify) {
            self.expr(e);
        }
        if let sqlparser::ast::GroupByExpr::Expressions(es, _) = &s.group_by {
            for e in es {
                self.expr(e);
            }
        }
    }

    fn table_with_joins(&mut self, t: &TableWithJoins, first: &'static str, joined: &'static str) {
        self.table_factor(&t.relation, first);
        for j in &t.joins {
            self.table_factor(&j.relation, joined);
            use sqlparser::ast::{JoinConstraint as C, JoinOperator as J};
            let constraint = match &j.join_operator {
                J::Join(c)
                | J::Inner(c)
                | J::Left(c)
                | J::LeftOuter(c)
                | J::Right(c)
                | J::RightOuter(c)
                | J::FullOuter(c)
                | J::CrossJoin(c)
                | J::Semi(c)
                | J::LeftSemi(c)
                | J::RightSemi(c)
                | J::Anti(c)
                | J::LeftAnti(c)
                | J::RightAnti(c)
                | J::StraightJoin(c)
                | J::AsOf { constraint: c, .. } => Some(c),
                _ => None,
            };
            if let Some(C::On(e)) = constraint {
                self.expr(e);
            }
        }
    }

    fn table_factor(&mut self, t: &TableFactor, role: &'static str) {
        match t {
            // With arguments it is a table-valued function, not a table.
            TableFactor::Table {
                name, args: None, ..
            } => self.reference(name, role),
            TableFactor::Derived { subquery, .. } => self.query(subquery, READ),
            TableFactor::TableFunction { expr, .. } => self.expr(expr),
            TableFactor::UNNEST { array_exprs, .. } => {
                for e in array_exprs {
                    self.expr(e);
                }
            }
            TableFactor::NestedJoin {
                table_with_joins, ..
            } => self.table_with_joins(table_with_joins, role, role),
            TableFactor::Pivot { table, .. }
            | TableFactor::Unpivot { table, .. }
            | TableFactor::MatchRecognize { table, .. } => self.table_factor(table, role),
            _ => {}
        }
    }

    /// Walk an expression for subqueries. Iterative: operator chains (`a OR b OR …`) come out
    /// of the parser as deep left-leaning trees without a depth limit.
    fn expr(&mut self, root: &Expr) {
        let mut stack: Vec<&Expr> = vec![root];
        while let Some(e) = stack.pop() {
            match e {
                Expr::Subquery(q) | Expr::Exists { subquery: q, .. } => self.query(q, READ),
                Expr::In { expr, target, .. } => {
                    stack.push(expr);
                    match target {
                        InTarget::List(l) => stack.extend(l),
                        InTarget::Subquery(q) => self.query(q, READ),
                        InTarget::Unnest(x) => stack.push(x),
                        InTarget::Table { name, .. } => self.reference(name, READ),
                    }
                }
                Expr::BinaryOp { left, right, .. }
                | Expr::IsDistinctFrom(left, right)
                | Expr::IsNotDistinctFrom(left, right)
                | Expr::AnyOp { left, right, .. }
                | Expr::AllOp { left, right, .. }
                | Expr::AtTimeZone {
                    timestamp: left,
                    time_zone: right,
                }
                | Expr::Position {
                    expr: left,
                    r#in: right,
                } => {
                    stack.push(left);
                    stack.push(right);
                }
                Expr::Like { expr, pattern, .. }
                | Expr::ILike { expr, pattern, .. }
                | Expr::SimilarTo { expr, pattern, .. }
                | Expr::RLike { expr, pattern, .. } => {
                    stack.push(expr);
                    stack.push(pattern);
                }
                Expr::IsFalse(x)
                | Expr::IsNotFalse(x)
                | Expr::IsTrue(x)
                | Expr::IsNotTrue(x)
                | Expr::IsNull(x)
                | Expr::IsNotNull(x)
                | Expr::IsUnknown(x)
                | Expr::IsNotUnknown(x)
                | Expr::Nested(x)
                | Expr::OuterJoin(x)
                | Expr::Prior(x)
                | Expr::UnaryOp { expr: x, .. }
                | Expr::Cast { expr: x, .. }
                | Expr::Convert { expr: x, .. }
                | Expr::Extract { expr: x, .. }
                | Expr::Ceil { expr: x, .. }
                | Expr::Floor { expr: x, .. }
                | Expr::Collate { expr: x, .. }
                | Expr::Named { expr: x, .. }
                | Expr::IsJson { expr: x, .. }
                | Expr::IsNormalized { expr: x, .. }
                | Expr::CompoundFieldAccess { root: x, .. }
                | Expr::JsonAccess { value: x, .. }
                | Expr::Prefixed { value: x, .. } => stack.push(x),
                Expr::Between {
                    expr, low, high, ..
                } => stack.extend([&**expr, &**low, &**high]),
                Expr::Substring {
                    expr,
                    substring_from,
                    substring_for,
                    ..
                } => {
                    stack.push(expr);
                    stack.extend(substring_from.as_deref());
                    stack.extend(substring_for.as_deref());
                }
                Expr::Trim {
                    expr,
                    trim_what,
                    trim_characters,
                    ..
                } => {
                    stack.push(expr);
                    stack.extend(trim_what.as_deref());
                    stack.extend(trim_characters.iter().flatten());
                }
                Expr::Overlay {
                    expr,
                    overlay_what,
                    overlay_from,
                    overlay_for,
                } => {
                    stack.extend([&**expr, &**overlay_what, &**overlay_from]);
                    stack.extend(overlay_for.as_deref());
                }
                Expr::Function(f) => {
                    for a in [&f.parameters, &f.args] {
                        match a {
                            FunctionArguments::Subquery(q) => self.query(q, READ),
                            FunctionArguments::List(l) => {
                                for arg in &l.args {
                                    let (FunctionArg::Named { arg, .. }
                                    | FunctionArg::ExprNamed { arg, .. }
                                    | FunctionArg::Unnamed(arg)) = arg;
                                    if let FunctionArgExpr::Expr(x) = arg {
                                        stack.push(x);
                                    }
                                }
                            }
                            FunctionArguments::None => {}
                        }
                    }
                    stack.extend(f.filter.as_deref());
                }
                Expr::Case {
                    operand,
                    conditions,
                    else_result,
                    ..
                } => {
                    stack.extend(operand.as_deref());
                    for c in conditions {
                        stack.push(&c.condition);
                        stack.push(&c.result);
                    }
                    stack.extend(else_result.as_deref());
                }
                Expr::Tuple(v) | Expr::Struct { values: v, .. } => stack.extend(v),
                Expr::Array(a) => stack.extend(&a.elem),
                Expr::GroupingSets(v) | Expr::Cube(v) | Expr::Rollup(v) => {
                    stack.extend(v.iter().flatten())
                }
                _ => {}
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Token scan for statements sqlparser rejected.
    // -----------------------------------------------------------------------------------------

    /// Recover facts from a rejected statement's tokens: the table a `CREATE TABLE` makes, its
    /// `REFERENCES`, and tables after FROM / JOIN / INTO / UPDATE, labelled by the routine or
    /// view they sit in. Returns whether the statement is a routine or view.
    fn scan(&mut self, sig: &[&TokenWithSpan]) -> bool {
        const DML: &[&str] = &[
            "SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "WITH", "REPLACE",
        ];
        if kw_any(sig.first(), DML) {
            self.scan_body(sig, 0, None, false);
            return false;
        }
        if kw_any(sig.first(), &["DO"]) {
            self.with_context("procedure", |r| r.scan_body(sig, 1, None, false));
            return true;
        }
        let Some(k) = object_kind(sig) else {
            return false;
        };
        if let Some(context) = sig.get(k).and_then(|t| body_label(t)) {
            self.with_context(context, |r| {
                r.scan_body(sig, k + 1, None, context == "trigger")
            });
            return true;
        }
        // CREATE / ALTER TABLE.
        let mut n = k + 1;
        while kw_any(sig.get(n), &["IF", "NOT", "EXISTS"]) {
            n += 1;
        }
        let Some((parts, after)) = read_name(sig, n) else {
            return false;
        };
        let refs: Vec<&Ident> = parts.iter().collect();
        let Some(table) = self.table(&refs) else {
            return false;
        };
        let temporary = sig[..k]
            .iter()
            .any(|t| kw_any(Some(t), &["TEMPORARY", "TEMP"]));
        if kw_any(sig.first(), &["ALTER"]) {
            self.reference_parts(&refs, "alter");
        } else if !temporary {
            let at = parts.first().map_or(self.stmt_loc, |i| i.span.start);
            self.push(
                SqlFactKind::CreateTable {
                    table: table.clone(),
                },
                at,
            );
        }
        self.scan_body(sig, after, Some(&table), false);
        false
    }

    /// Scan tokens from `sig[from]` for table names. `fk_from`: the table a `REFERENCES` belongs
    /// to. `trigger`: the first `ON name` is the trigger's table.
    fn scan_body(
        &mut self,
        sig: &[&TokenWithSpan],
        from: usize,
        fk_from: Option<&TableName>,
        mut trigger: bool,
    ) {
        // CTEs: `WITH name AS (` and `, name AS (`.
        let outer = self.ctes.len();
        for w in sig.windows(4) {
            if (kw(w[0], "WITH") || w[0].token == Token::Comma)
                && kw(w[2], "AS")
                && w[3].token == Token::LParen
                && let Token::Word(word) = &w[1].token
            {
                let name = self.ident(&Ident {
                    value: word.value.clone(),
                    quote_style: word.quote_style,
                    span: w[1].span,
                });
                self.ctes.push(name);
            }
        }
        // Parentheses opened by EXTRACT( / TRIM( …, where FROM is not a table clause.
        let mut parens: Vec<bool> = Vec::new();
        let mut k = from;
        while k < sig.len() {
            let t = sig[k];
            let prev = k.checked_sub(1).and_then(|p| sig.get(p));
            match &t.token {
                Token::LParen => parens.push(kw_any(
                    prev,
                    &[
                        "EXTRACT",
                        "TRIM",
                        "SUBSTRING",
                        "SUBSTR",
                        "POSITION",
                        "OVERLAY",
                    ],
                )),
                Token::RParen => {
                    parens.pop();
                }
                Token::DollarQuotedString(s) if self.context.is_some() => {
                    let mut toks = Vec::new();
                    let _ = Tokenizer::new(self.dialect.parser(), &s.value)
                        .tokenize_with_location_into_buf(&mut toks);
                    let open = s.tag.as_deref().map_or(0, str::len) + 2;
                    shift(
                        &mut toks,
                        t.span.start.line,
                        t.span.start.column + open as u64,
                    );
                    let inner = significant(&toks);
                    self.scan_body(&inner, 0, None, false);
                }
                Token::Word(_) => {
                    if kw(t, "FROM") {
                        if parens.last() != Some(&true) && !kw_any(prev, &["DISTINCT"]) {
                            let role = if kw_any(prev, &["DELETE"]) {
                                "delete"
                            } else {
                                READ
                            };
                            k = self.scan_from_list(sig, k + 1, role);
                            continue;
                        }
                    } else if kw(t, "JOIN") {
                        k = self.scan_name(sig, k + 1, READ, false);
                        continue;
                    } else if kw(t, "INTO") {
                        let role = if kw_any(prev, &["MERGE"]) {
                            "merge"
                        } else {
                            "insert"
                        };
                        if kw_any(prev, &["INSERT", "IGNORE", "REPLACE", "MERGE"]) {
                            k = self.scan_name(sig, k + 1, role, true);
                            continue;
                        }
                    } else if kw(t, "UPDATE") {
                        let not_dml = prev.is_some_and(|p| {
                            p.token == Token::Comma
                                || kw_any(
                                    Some(p),
                                    &["ON", "FOR", "BEFORE", "AFTER", "OR", "OF", "KEY", "INSTEAD"],
                                )
                        });
                        if !not_dml {
                            k = self.scan_name(sig, k + 1, "update", true);
                            continue;
                        }
                    } else if kw(t, "REFERENCES") {
                        if let (Some(from_table), Some((parts, _))) =
                            (fk_from, read_name(sig, k + 1))
                        {
                            let refs: Vec<&Ident> = parts.iter().collect();
                            if let Some(to) = self.table(&refs) {
                                let at = parts.first().map_or(self.stmt_loc, |i| i.span.start);
                                self.push(
                                    SqlFactKind::ForeignKey {
                                        from: from_table.clone(),
                                        to,
                                    },
                                    at,
                                );
                            }
                        }
                    } else if kw(t, "ON") && trigger && parens.is_empty() {
                        trigger = false;
                        k = self.scan_name(sig, k + 1, "trigger", true);
                        continue;
                    } else if kw(t, "TABLE") && kw_any(prev, &["TRUNCATE"]) {
                        k = self.scan_name(sig, k + 1, "truncate", true);
                        continue;
                    }
                }
                _ => {}
            }
            k += 1;
        }
        self.ctes.truncate(outer);
    }

    /// One table name at `sig[k]`; `call_ok` = a following `(` is a column list, not a
    /// function call. Returns where scanning goes on.
    fn scan_name(
        &mut self,
        sig: &[&TokenWithSpan],
        k: usize,
        role: &'static str,
        call_ok: bool,
    ) -> usize {
        let Some((parts, after)) = read_name(sig, k) else {
            return k;
        };
        let is_call = sig.get(after).is_some_and(|t| t.token == Token::LParen);
        if call_ok || !is_call {
            let refs: Vec<&Ident> = parts.iter().collect();
            self.reference_parts(&refs, role);
        }
        after
    }

    /// `FROM a [AS] x, b y, …`.
    fn scan_from_list(
        &mut self,
        sig: &[&TokenWithSpan],
        mut k: usize,
        role: &'static str,
    ) -> usize {
        loop {
            let after = self.scan_name(sig, k, role, false);
            if after == k {
                return k;
            }
            k = after;
            if kw_any(sig.get(k), &["AS"]) {
                k += 1;
            }
            if sig
                .get(k)
                .is_some_and(|t| matches!(t.token, Token::Word(_)) && !kw_any(Some(t), NOT_A_NAME))
            {
                k += 1;
            }
            if sig.get(k).is_some_and(|t| t.token == Token::Comma) {
                k += 1;
            } else {
                return k;
            }
        }
    }
}

/// In `CREATE|ALTER [OR REPLACE] [DEFINER=…] <kind> …`, the index of the kind word.
fn object_kind(sig: &[&TokenWithSpan]) -> Option<usize> {
    const KINDS: &[&str] = &[
        "TABLE",
        "VIEW",
        "PROCEDURE",
        "PROC",
        "FUNCTION",
        "TRIGGER",
        "EVENT",
    ];
    if !kw_any(sig.first(), &["CREATE", "ALTER"]) {
        return None;
    }
    sig.iter().take(12).position(|t| kw_any(Some(t), KINDS))
}

/// The body label of a routine or view statement (`procedure`, `view`, …); None otherwise.
fn routine_kind(toks: &[TokenWithSpan]) -> Option<&'static str> {
    let sig = significant(toks);
    if kw_any(sig.first(), &["DO"]) {
        return Some("procedure");
    }
    body_label(sig.get(object_kind(&sig)?)?)
}

/// The label for references inside the object a kind word (from `object_kind`) names.
fn body_label(kind: &TokenWithSpan) -> Option<&'static str> {
    if kw(kind, "TABLE") {
        None
    } else if kw(kind, "VIEW") {
        Some("view")
    } else if kw(kind, "TRIGGER") {
        Some("trigger")
    } else if kw(kind, "FUNCTION") {
        Some("function")
    } else {
        Some("procedure")
    }
}

/// Whether a fact names a table (not only a database or schema).
fn names_table(kind: &SqlFactKind) -> bool {
    matches!(
        kind,
        SqlFactKind::CreateTable { .. }
            | SqlFactKind::CreateView { .. }
            | SqlFactKind::ForeignKey { .. }
            | SqlFactKind::References { .. }
    )
}

/// Whether a rejected statement would have carried facts (a warning of its own) or not.
fn matters(sig: &[&TokenWithSpan]) -> bool {
    let first = sig.first();
    if kw_any(
        first,
        &[
            "SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "WITH", "USE", "REPLACE", "COPY",
        ],
    ) {
        return true;
    }
    if kw_any(first, &["CREATE"]) {
        return !kw_any(
            sig.get(1),
            &[
                "INDEX",
                "UNIQUE",
                "CLUSTERED",
                "NONCLUSTERED",
                "SEQUENCE",
                "USER",
                "ROLE",
                "LOGIN",
                "TYPE",
                "EXTENSION",
                "STATISTICS",
                "COLLATION",
                "DOMAIN",
                "FULLTEXT",
                "SPATIAL",
            ],
        );
    }
    if kw_any(first, &["ALTER"]) {
        return sig.iter().any(|t| kw(t, "REFERENCES"));
    }
    if kw_any(first, &["SET"]) {
        return sig.iter().any(|t| kw(t, "search_path"));
    }
    false
}

/// After a T-SQL statement failed: the offset (in `toks`) of the next token that starts a line,
/// sits at parenthesis depth 0 and begins a statement.
fn resync(toks: &[TokenWithSpan]) -> Option<usize> {
    const STARTS: &[&str] = &[
        "CREATE", "ALTER", "INSERT", "UPDATE", "DELETE", "SELECT", "MERGE", "DROP", "USE", "SET",
        "EXEC", "EXECUTE", "GRANT", "IF", "DECLARE", "PRINT", "TRUNCATE", "WITH",
    ];
    let first_line = toks.iter().find(|t| !is_ws(t))?.span.start.line;
    let mut depth = 0usize;
    let mut last_line = first_line;
    for (i, t) in toks.iter().enumerate() {
        if is_ws(t) {
            continue;
        }
        let line = t.span.start.line;
        let starts_line = line > last_line;
        last_line = line;
        match t.token {
            Token::LParen => depth += 1,
            Token::RParen => depth = depth.saturating_sub(1),
            _ if starts_line && depth == 0 && kw_any(Some(&t), STARTS) => return Some(i),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_are_cut_at_semicolons_outside_quotes_and_comments() {
        let text = "INSERT INTO a VALUES ('x;y'); -- c;d\nSELECT \"p;q\" /* e;f */ FROM b; DO $t$ g; $t$; tail";
        let cuts: Vec<&str> = statement_bytes(text, 0, text.len())
            .into_iter()
            .map(|(a, b)| text[a..b].trim())
            .collect();
        assert_eq!(
            cuts,
            [
                "INSERT INTO a VALUES ('x;y');",
                "-- c;d\nSELECT \"p;q\" /* e;f */ FROM b;",
                "DO $t$ g; $t$;",
                "tail"
            ]
        );
    }

    fn kinds(facts: &[SqlFact]) -> Vec<&SqlFactKind> {
        facts.iter().map(|f| &f.kind).collect()
    }

    fn t(database: Option<&str>, schema: Option<&str>, name: &str) -> TableName {
        TableName {
            database: database.map(str::to_string),
            schema: schema.map(str::to_string),
            name: name.to_string(),
        }
    }

    fn at(f: &SqlFact) -> (u32, u32) {
        (f.location.line, f.location.column)
    }

    fn find(facts: &[SqlFact], pred: impl Fn(&SqlFactKind) -> bool) -> Vec<&SqlFact> {
        facts.iter().filter(|f| pred(&f.kind)).collect()
    }

    fn creates(facts: &[SqlFact]) -> Vec<(String, u32)> {
        facts
            .iter()
            .filter_map(|f| match &f.kind {
                SqlFactKind::CreateTable { table } => Some((table.key(), f.location.line)),
                _ => None,
            })
            .collect()
    }

    fn refs(facts: &[SqlFact]) -> Vec<(String, &'static str, u32)> {
        facts
            .iter()
            .filter_map(|f| match &f.kind {
                SqlFactKind::References { table, statement } => {
                    Some((table.key(), *statement, f.location.line))
                }
                _ => None,
            })
            .collect()
    }

    fn fks(facts: &[SqlFact]) -> Vec<(String, String, u32, u32)> {
        facts
            .iter()
            .filter_map(|f| match &f.kind {
                SqlFactKind::ForeignKey { from, to } => {
                    Some((from.key(), to.key(), f.location.line, f.location.column))
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn flyway_postgres_migration_with_foreign_keys() {
        let sql = "\
-- V1__init.sql
CREATE TABLE customers (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE public.orders (
    id BIGSERIAL PRIMARY KEY,
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    billing_id BIGINT,
    CONSTRAINT fk_billing FOREIGN KEY (billing_id) REFERENCES billing.accounts (id)
);
";
        assert_eq!(sniff_dialect(sql), Dialect::PostgreSql);
        let (facts, diags) = parse("db/migration/V1__init.sql", sql);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(
            creates(&facts),
            vec![("customers".to_string(), 2), ("orders".to_string(), 7)]
        );
        let create = find(&facts, |k| matches!(k, SqlFactKind::CreateTable { .. }));
        assert_eq!(at(create[1]), (7, 14));
        assert_eq!(
            fks(&facts),
            vec![
                ("orders".into(), "customers".into(), 9, 44),
                ("orders".into(), "billing.accounts".into(), 11, 63),
            ]
        );
        assert_eq!(&*facts[1].location.file, "db/migration/V1__init.sql");
        // The created tables are not references of themselves.
        assert!(refs(&facts).is_empty());
    }

    #[test]
    fn view_references_its_source_tables() {
        let sql = "CREATE TABLE orders (id int);\n\
                   CREATE VIEW open_orders AS\n  SELECT o.id FROM orders o\n  JOIN shipping.parcels p ON p.order_id = o.id\n  WHERE NOT EXISTS (SELECT 1 FROM refunds r WHERE r.id = o.id);\n";
        let (facts, diags) = parse("v.sql", sql);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(
            refs(&facts),
            vec![
                ("orders".into(), "view", 3),
                ("shipping.parcels".into(), "view", 4),
                ("refunds".into(), "view", 5),
            ]
        );
        let view = find(&facts, |k| matches!(k, SqlFactKind::CreateView { .. }));
        assert_eq!(
            view[0].kind,
            SqlFactKind::CreateView {
                view: t(None, None, "open_orders")
            }
        );
        assert_eq!(at(view[0]), (2, 13));
        assert_eq!(
            at(find(&facts, |k| matches!(k, SqlFactKind::References { .. }))[0]),
            (3, 20)
        );
    }

    #[test]
    fn one_bad_statement_between_two_good_ones() {
        let sql = "CREATE TABLE a (id int);\n\
                   CREATE FROBNICATOR wibble WITH (x = 1);\n\
                   \n\
                   INSERT INTO b (id) SELECT id FROM a;\n";
        let (facts, diags) = parse("mixed.sql", sql);
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags[0].line, 2);
        assert_eq!(diags[0].file, "mixed.sql");
        assert!(
            diags[0].message.contains("CREATE FROBNICATOR"),
            "{}",
            diags[0].message
        );
        assert_eq!(creates(&facts), vec![("a".to_string(), 1)]);
        assert_eq!(
            refs(&facts),
            vec![("b".into(), "insert", 4), ("a".into(), "select", 4)]
        );
    }

    #[test]
    fn mysql_database_backticks_and_delimiter_procedure() {
        let sql = "\
CREATE DATABASE IF NOT EXISTS petclinic;
USE petclinic;

CREATE TABLE IF NOT EXISTS `owners` (
  `id` INT(4) UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  last_name VARCHAR(30),
  INDEX(last_name)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS pets (
  id INT(4) UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  owner_id INT(4) UNSIGNED NOT NULL,
  FOREIGN KEY (owner_id) REFERENCES `Owners`(id)
) engine=InnoDB;

DELIMITER $$
CREATE DEFINER=`root`@`localhost` PROCEDURE purge_pets(IN days INT)
BEGIN
  DECLARE n INT;
  SELECT COUNT(*) INTO n FROM pets WHERE born < NOW();
  DELETE FROM visits WHERE pet_id IN (SELECT id FROM pets);
  UPDATE billing.invoices SET state = 'void';
END$$
DELIMITER ;

INSERT INTO owners VALUES (1, 'Franklin');
";
        assert_eq!(sniff_dialect(sql), Dialect::MySql);
        let (facts, diags) = parse("petclinic.sql", sql);
        let ks = kinds(&facts);
        assert_eq!(
            ks[0],
            &SqlFactKind::CreateDatabase {
                name: "petclinic".into()
            }
        );
        assert_eq!(at(&facts[0]), (1, 31));
        assert_eq!(
            ks[1],
            &SqlFactKind::UseDatabase {
                name: "petclinic".into()
            }
        );
        assert_eq!(
            creates(&facts),
            vec![
                ("petclinic.owners".to_string(), 4),
                ("petclinic.pets".to_string(), 10)
            ]
        );
        assert_eq!(
            fks(&facts),
            vec![("petclinic.pets".into(), "petclinic.owners".into(), 13, 37)]
        );
        // The procedure is not understood by sqlparser: its tables come from a token scan.
        assert_eq!(
            refs(&facts),
            vec![
                ("petclinic.pets".into(), "procedure", 20),
                ("petclinic.visits".into(), "procedure", 21),
                ("billing.invoices".into(), "procedure", 22),
                ("petclinic.owners".into(), "insert", 26),
            ]
        );
        // Its tables were recovered: no diagnostic.
        assert!(diags.is_empty(), "{diags:?}");
    }

    #[test]
    fn sql_server_script_with_go_batches() {
        let sql = "\
USE [Orders]
GO
SET ANSI_NULLS ON
GO
CREATE TABLE [dbo].[Orders](
\t[Id] [int] IDENTITY(1,1) NOT NULL,
\t[CustomerId] [int] NOT NULL,
\t[Note] [nvarchar](max) NULL,
 CONSTRAINT [PK_Orders] PRIMARY KEY CLUSTERED
(
\t[Id] ASC
)WITH (PAD_INDEX = OFF, STATISTICS_NORECOMPUTE = OFF) ON [PRIMARY]
) ON [PRIMARY] TEXTIMAGE_ON [PRIMARY]
GO
ALTER TABLE [dbo].[Orders]  WITH CHECK ADD  CONSTRAINT [FK_Orders_Customers] FOREIGN KEY([CustomerId])
REFERENCES [Crm].[dbo].[Customers] ([Id])
GO
ALTER TABLE [dbo].[Orders] CHECK CONSTRAINT [FK_Orders_Customers]
GO
CREATE NONCLUSTERED INDEX [IX_Orders_Customer] ON [dbo].[Orders]
(
\t[CustomerId] ASC
)WITH (PAD_INDEX = OFF) ON [PRIMARY]
GO
SELECT * FROM #scratch
SELECT o.Id FROM dbo.Orders o JOIN [sales].[Lines] l ON l.OrderId = o.Id
GO
";
        assert_eq!(sniff_dialect(sql), Dialect::MsSql);
        let (facts, diags) = parse("orders.sql", sql);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(
            kinds(&facts)[0],
            &SqlFactKind::UseDatabase {
                name: "orders".into()
            }
        );
        assert_eq!(creates(&facts), vec![("orders.orders".to_string(), 5)]);
        assert_eq!(
            at(find(&facts, |k| matches!(k, SqlFactKind::CreateTable { .. }))[0]),
            (5, 14)
        );
        assert_eq!(
            fks(&facts),
            vec![("orders.orders".into(), "crm.customers".into(), 16, 12)]
        );
        assert_eq!(
            refs(&facts),
            vec![
                ("orders.orders".into(), "alter", 15),
                ("orders.orders".into(), "index", 20),
                ("orders.orders".into(), "select", 26),
                ("orders.sales.lines".into(), "select", 26),
            ]
        );
    }

    #[test]
    fn flyway_placeholders_keep_positions() {
        let sql = "CREATE TABLE ${schema}.orders (id int, c int REFERENCES ${schema}.customers(id));\n\
                   INSERT INTO ${flyway:defaultSchema}.audit VALUES ('${user}');\n";
        let (facts, diags) = parse("V2__x.sql", sql);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(creates(&facts), vec![("${schema}.orders".to_string(), 1)]);
        assert_eq!(at(&facts[0]), (1, 14));
        assert_eq!(
            fks(&facts),
            vec![(
                "${schema}.orders".into(),
                "${schema}.customers".into(),
                1,
                57
            )]
        );
        assert_eq!(
            refs(&facts),
            vec![("${flyway:defaultSchema}.audit".into(), "insert", 2)]
        );
    }

    #[test]
    fn liquibase_formatted_sql() {
        let sql = "\
--liquibase formatted sql

--changeset alice:1 labels:core
CREATE TABLE `accounts` (id INT AUTO_INCREMENT PRIMARY KEY) ENGINE=InnoDB;
--rollback DROP TABLE accounts;

--changeset bob:2
CREATE TABLE ledger (id INT, account_id INT, FOREIGN KEY (account_id) REFERENCES accounts(id));
";
        assert_eq!(sniff_dialect(sql), Dialect::MySql);
        let (facts, diags) = parse("changelog.sql", sql);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(
            creates(&facts),
            vec![("accounts".to_string(), 4), ("ledger".to_string(), 8)]
        );
        assert_eq!(
            fks(&facts),
            vec![("ledger".into(), "accounts".into(), 8, 82)]
        );
        // The rollback's DROP is a comment, not a statement.
        assert!(refs(&facts).is_empty());
    }

    #[test]
    fn search_path_sets_the_schema() {
        let sql = "CREATE SCHEMA IF NOT EXISTS billing;\nSET search_path TO billing, public;\nCREATE TABLE invoices (id serial);\nCREATE TABLE public.\"Audit\" (id int);\nSELECT * FROM Invoices;\nSET search_path = \"$user\", public;\nCREATE TABLE notes (id int);\n";
        let (facts, diags) = parse("billing.sql", sql);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(
            kinds(&facts)[..2],
            [
                &SqlFactKind::CreateSchema {
                    name: "billing".into()
                },
                &SqlFactKind::UseSchema {
                    name: "billing".into()
                }
            ]
        );
        assert_eq!(at(&facts[1]), (2, 20));
        let created: Vec<&SqlFactKind> = kinds(&facts)
            .into_iter()
            .filter(|k| matches!(k, SqlFactKind::CreateTable { .. }))
            .collect();
        assert_eq!(
            created,
            vec![
                &SqlFactKind::CreateTable {
                    table: t(None, Some("billing"), "invoices")
                },
                &SqlFactKind::CreateTable {
                    table: t(None, None, "Audit")
                },
                &SqlFactKind::CreateTable {
                    table: t(None, None, "notes")
                },
            ]
        );
        assert_eq!(refs(&facts), vec![("billing.invoices".into(), "select", 5)]);
        assert_eq!(creates(&facts).last(), Some(&("notes".to_string(), 7)));
    }

    #[test]
    fn psql_connect_sets_the_database() {
        let sql = "CREATE DATABASE orders;\n\\c orders\nCREATE TABLE items (id int);\n";
        let (facts, diags) = parse("init.sql", sql);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(
            kinds(&facts)[1],
            &SqlFactKind::UseDatabase {
                name: "orders".into()
            }
        );
        assert_eq!(at(&facts[1]), (2, 4));
        assert_eq!(creates(&facts), vec![("orders.items".to_string(), 3)]);
    }

    #[test]
    fn postgres_function_body_and_trigger() {
        let sql = "CREATE FUNCTION audit() RETURNS trigger AS $$\nBEGIN\n  INSERT INTO audit_log (id) VALUES (NEW.id);\n  RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql;\nCREATE TRIGGER t AFTER INSERT ON orders FOR EACH ROW EXECUTE FUNCTION audit();\n";
        let (facts, diags) = parse("f.sql", sql);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(
            refs(&facts),
            vec![
                ("audit_log".into(), "function", 3),
                ("orders".into(), "trigger", 7)
            ]
        );
        assert_eq!(at(&facts[0]), (3, 15));
    }

    #[test]
    fn ctes_and_system_catalogs_are_not_tables() {
        let sql = "WITH recent AS (SELECT * FROM orders) SELECT * FROM recent;\nSELECT * FROM information_schema.tables;\nSELECT * FROM pg_class;\n";
        let (facts, diags) = parse("q.sql", sql);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(refs(&facts), vec![("orders".into(), "select", 1)]);
    }

    #[test]
    fn garbage_and_empty_input_do_not_panic() {
        assert_eq!(parse("empty.sql", ""), (vec![], vec![]));
        assert_eq!(
            parse("blank.sql", "  \n\n-- only a comment\n"),
            (vec![], vec![])
        );
        let (facts, diags) = parse("bin.sql", "\0\u{1}\u{2}ELF");
        assert!(facts.is_empty());
        assert_eq!(diags.len(), 1);
        for text in [
            "'unterminated\nCREATE TABLE x (id int);",
            "((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((",
            "SELECT * FROM a WHERE x = ((((((((((((((((((((((((((((((((((((((((((((((((((((((((((1",
            "\u{feff}ü😀 `]]]]] [[[[ $$ $$$ ${ ${} GO\nGO 5\nDELIMITER\nDELIMITER //\n/* never closed",
            "CREATE TABLE t (a int REFERENCES);;;; END END BEGIN CASE ) ) (",
            "\\c\n\\connect\nCOPY t FROM stdin;\n\\N\tx\n",
        ] {
            let (_, diags) = parse("junk.sql", text);
            assert!(diags.len() <= MAX_DIAGNOSTICS + 1);
            assert!(
                !diags
                    .iter()
                    .any(|d| d.message.contains("failed on this file"))
            );
        }
        let long = "SELECT 1 FROM t WHERE a = 1".to_string() + &" OR a = 1".repeat(20_000);
        let (facts, _) = parse("long.sql", &long);
        assert_eq!(refs(&facts), vec![("t".into(), "select", 1)]);
        let many = "CREATE FROB x;\n".repeat(200);
        let (_, diags) = parse("many.sql", &many);
        assert_eq!(diags.len(), MAX_DIAGNOSTICS + 1);
    }

    #[test]
    fn tsql_without_semicolons_resumes_after_a_bad_statement() {
        let sql = "CREATE TABLE a (id int)\nCREATE FROBNICATOR x\nCREATE TABLE b (id int, a_id int REFERENCES a(id))\nGO\nCREATE PROCEDURE dbo.p @id INT AS\nBEGIN\n  SELECT * FROM dbo.orders WHERE id = @id\n  UPDATE stock SET n = n - 1\nEND\nGO\n";
        let (facts, diags) = parse_with_dialect("p.sql", sql, Dialect::MsSql);
        assert_eq!(
            creates(&facts),
            vec![("a".to_string(), 1), ("b".to_string(), 3)]
        );
        assert_eq!(fks(&facts), vec![("b".into(), "a".into(), 3, 45)]);
        assert_eq!(
            refs(&facts),
            vec![
                ("orders".into(), "procedure", 7),
                ("stock".into(), "procedure", 8)
            ]
        );
        let lines: Vec<(u32, crate::model::Severity)> =
            diags.iter().map(|d| (d.line, d.severity)).collect();
        // The procedure's tables were recovered; the unknown CREATE lost a fact.
        assert_eq!(lines, vec![(2, crate::model::Severity::Warning)]);
    }

    #[test]
    fn tokenizer_error_loses_one_statement() {
        let sql =
            "CREATE TABLE a (id int);\nINSERT INTO a VALUES ('oops);\nCREATE TABLE b (id int);\n";
        let (facts, diags) = parse("t.sql", sql);
        assert_eq!(
            creates(&facts),
            vec![("a".to_string(), 1), ("b".to_string(), 3)]
        );
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].line, 2);
    }

    #[test]
    fn diagnostics_do_not_quote_literals() {
        let sql = "ALTER USER bob WITH PASSWORD 'hunter2' SPLORK;";
        let (_, diags) = parse("u.sql", sql);
        assert_eq!(diags.len(), 1);
        assert!(
            !diags[0].message.contains("hunter2"),
            "{}",
            diags[0].message
        );
    }

    #[test]
    fn postgres_do_block_is_scanned() {
        let sql = "DO $$\nBEGIN\n  UPDATE accounts SET x = 1;\nEND\n$$;\n";
        let (facts, diags) = parse("do.sql", sql);
        assert_eq!(refs(&facts), vec![("accounts".into(), "procedure", 3)]);
        assert_eq!(at(&facts[0]), (3, 10));
        assert!(diags.is_empty(), "{diags:?}");
    }

    #[test]
    fn hsqldb_syntax_recovered_without_diagnostics() {
        let sql = "DROP TABLE vets IF EXISTS;\n\
                   DROP TABLE specialties IF EXISTS;\n\
                   CREATE TABLE vets (\n  id INTEGER IDENTITY PRIMARY KEY,\n  first_name VARCHAR(30)\n);\n\
                   CREATE INDEX vets_first_name ON vets (first_name);\n";
        let (facts, diags) = parse("hsqldb/schema.sql", sql);
        assert_eq!(creates(&facts), vec![("vets".to_string(), 3)]);
        assert!(diags.is_empty(), "{diags:?}");
    }

    #[test]
    fn a_file_with_no_table_gets_one_diagnostic() {
        let sql = "GRANT nonsense TO;\nfrobnicate the widgets;\nwibble wobble;\n";
        let (facts, diags) = parse("junk/notes.sql", sql);
        assert!(facts.is_empty());
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(
            (diags[0].file.as_str(), diags[0].line),
            ("junk/notes.sql", 1)
        );
        assert!(
            diags[0].message.contains("no table recovered"),
            "{}",
            diags[0].message
        );
    }

    #[test]
    fn sniffing() {
        assert_eq!(sniff_dialect("SELECT 1"), Dialect::Generic);
        assert_eq!(sniff_dialect("CREATE TABLE `a` (id int)"), Dialect::MySql);
        assert_eq!(sniff_dialect("SELECT 1\nGO\n"), Dialect::MsSql);
        assert_eq!(sniff_dialect("SELECT x::text FROM a"), Dialect::PostgreSql);
        assert_eq!(sniff_dialect("CREATE TABLE a (v int[])"), Dialect::Generic);
    }

    #[test]
    fn table_keys() {
        assert_eq!(t(Some("db"), Some("s"), "n").key(), "db.s.n");
        assert_eq!(t(Some("db"), None, "n").key(), "db.n");
        assert_eq!(t(Some("db"), Some("s"), "n").local_key(), "s.n");
        assert_eq!(t(None, None, "n").to_string(), "n");
    }
}
