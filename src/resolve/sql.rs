//! SQL ownership: which service (or datastore init script) creates which table, the tables
//! other services use, foreign keys, and databases named only by SQL.

use super::builder::{Builder, Classified, join, push_evidence, reason};
use super::inputs::Inputs;
use crate::model::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What SQL says, resolved: tables, their uses and foreign keys.
#[derive(Default)]
pub(super) struct SqlModel {
    pub tables: Vec<TableInfo>,
    pub uses: Vec<TableUse>,
    pub foreign_keys: Vec<ForeignKey>,
}

/// The SQL pass. Scripts mounted into a database container's init folder describe that
/// datastore; every other script belongs to the service that owns its file.
pub(super) fn run(b: &mut Builder, inputs: &mut Inputs) -> SqlModel {
    let mut init_dirs: Vec<(String, String)> = Vec::new();
    for u in &b.units {
        if b.kind(&u.id) != Some(ComponentKind::Datastore) {
            continue;
        }
        let w = &u.workload;
        for (source, _, _) in w.volumes.iter().filter(|(_, t, _)| t.contains("initdb")) {
            match (&w.origin, source.strip_prefix("configmap:")) {
                // A ConfigMap's scripts: filed under a path of their own, owned by the datastore.
                (Origin::Kubernetes { .. }, Some(cm)) => {
                    for c in inputs
                        .config_data
                        .iter()
                        .filter(|c| c.name == cm && !c.sql.is_empty())
                    {
                        let key = format!("{}#configmap/{}", c.declared.file, c.name);
                        let facts = inputs.sql_facts.entry(key.clone()).or_default();
                        facts.extend(c.sql.iter().cloned());
                        init_dirs.push((key, u.id.clone()));
                    }
                }
                (Origin::Compose { dir }, None) if !source.starts_with('/') => {
                    init_dirs.push((join(dir, source), u.id.clone()))
                }
                _ => {}
            }
        }
    }
    let dirs = std::mem::take(&mut b.service_dirs);
    let (tables, uses, foreign_keys) = sql_tables(
        b,
        &inputs.sql_facts,
        &OwnerIndex::new(&init_dirs),
        &OwnerIndex::new(&dirs),
    );
    b.service_dirs = dirs;
    SqlModel {
        tables,
        uses,
        foreign_keys,
    }
}

/// Technologies whose databases hold SQL tables.
fn is_sql(tech: &str) -> bool {
    matches!(
        tech,
        "postgres"
            | "mysql"
            | "mariadb"
            | "mssql"
            | "oracle"
            | "cockroachdb"
            | "clickhouse"
            | "unknown"
    )
}

/// Where a service's SQL lives: every (SQL datastore, database) it uses.
/// A datastore and database a service's SQL runs against, either part unknown.
type SqlContext = (Option<String>, Option<String>);

fn sql_contexts(b: &Builder) -> HashMap<String, Vec<SqlContext>> {
    let mut out: HashMap<String, BTreeSet<SqlContext>> = HashMap::new();
    for a in b.accesses.values().filter(|a| is_sql(&a.technology)) {
        out.entry(a.service.clone())
            .or_default()
            .insert((Some(a.datastore.clone()), a.database.clone()));
    }
    out.into_iter()
        .map(|(k, v)| (k, v.into_iter().collect()))
        .collect()
}

/// The server named when SQL names a database that no connection string reaches.
const UNDECLARED_SERVER: &str = "undeclared-sql-server";

/// Where one file's SQL runs: who wrote it (a service, or a datastore's init folder) and the
/// server and database it runs against, either unknown.
struct Target<'a> {
    creator: &'a str,
    from_init: bool,
    server: Option<String>,
    database: Option<String>,
    technology: String,
}

impl Target<'_> {
    /// A table's identity, with the server and database it lives in.
    fn key_of(&self, t: &TableName) -> (String, Option<String>, Option<String>) {
        let database = t
            .database
            .clone()
            .or_else(|| self.database.clone())
            .map(|d| database_key(&self.technology, &d));
        let server = self
            .server
            .clone()
            .or_else(|| database.as_ref().map(|_| UNDECLARED_SERVER.to_string()));
        let key = match (&server, &database) {
            (None, None) => format!("?{}/{}", self.creator, t.local_key()),
            (s, d) => format!(
                "{}/{}/{}",
                s.as_deref().unwrap_or("?"),
                d.as_deref().unwrap_or("?"),
                t.local_key()
            ),
        };
        (key, server, database)
    }

    /// A database the SQL names is a use of it by its service.
    fn access(&self, b: &mut Builder, database: &str, at: &Location, text: String) {
        if self.from_init {
            return;
        }
        let server = self
            .server
            .clone()
            .unwrap_or_else(|| UNDECLARED_SERVER.to_string());
        if !b.components.contains_key(&server) {
            let why = reason(
                "referenced",
                "SQL names a database no connection string reaches",
                at,
            );
            let class = Classified::new(ComponentKind::Datastore, Some("unknown"), why);
            b.add_component(&server, class, at.clone(), None);
        }
        let technology = b.components[&server]
            .technology
            .clone()
            .unwrap_or_else(|| "unknown".into());
        let k = (
            self.creator.to_string(),
            server.clone(),
            Some(database_key(&technology, database)),
        );
        let access = b.accesses.entry(k).or_insert_with(|| Access {
            scope: Scope::All,
            service: self.creator.to_string(),
            datastore: server,
            technology,
            database: Some(database.to_string()),
            schema: None,
            evidence: Vec::new(),
            evidence_count: 0,
        });
        push_evidence(&mut access.evidence, vec![Evidence::new(at.clone(), &text)]);
    }
}

/// The creators of one SQL file: the datastore whose init folder holds it, else the app
/// services that own it.
fn creators(
    b: &Builder,
    path: &str,
    init: &OwnerIndex,
    owners: &OwnerIndex,
) -> (bool, Vec<String>) {
    let datastores = init.owners_of(path);
    if !datastores.is_empty() {
        return (true, datastores);
    }
    let svcs = owners
        .owners_of(path)
        .into_iter()
        .filter(|s| b.is_app(s))
        .collect();
    (false, svcs)
}

/// Tables, their owners, their uses and foreign keys, from every SQL file a service or a
/// datastore's init folder owns. A table's identity is its server, database and
/// `schema.name`; where those are unknown the key stays private to its creator, so two
/// unrelated `outbox` tables are never matched.
fn sql_tables(
    b: &mut Builder,
    files: &BTreeMap<String, Vec<SqlFact>>,
    init: &OwnerIndex,
    owners: &OwnerIndex,
) -> (Vec<TableInfo>, Vec<TableUse>, Vec<crate::model::ForeignKey>) {
    let mut out = Collected::default();
    let contexts_of = sql_contexts(b);
    for (path, facts) in files {
        let (from_init, creators) = creators(b, path, init, owners);
        for creator in &creators {
            // A service deployed in several variants (compose, k8s) runs its migrations against
            // each database it uses: the tables exist in each.
            let contexts = if from_init {
                vec![(Some(creator.clone()), None)]
            } else {
                contexts_of
                    .get(creator)
                    .cloned()
                    .unwrap_or_else(|| vec![(None, None)])
            };
            for (server, database) in contexts {
                let technology = server
                    .as_ref()
                    .and_then(|d| b.components.get(d))
                    .and_then(|c| c.technology.clone())
                    .unwrap_or_default();
                let target = Target {
                    creator,
                    from_init,
                    server,
                    database,
                    technology,
                };
                for f in facts {
                    out.add(b, &target, f);
                }
            }
        }
    }
    out.finish()
}

#[derive(Default)]
struct Collected {
    tables: BTreeMap<String, TableInfo>,
    uses: Vec<TableUse>,
    fks: Vec<crate::model::ForeignKey>,
}

impl Collected {
    fn add(&mut self, b: &mut Builder, t: &Target, f: &SqlFact) {
        let creator = t.creator.to_string();
        match &f.kind {
            SqlFactKind::CreateTable { table } | SqlFactKind::CreateView { view: table } => {
                let (key, server, database) = t.key_of(table);
                let info = self.tables.entry(key.clone()).or_insert_with(|| TableInfo {
                    key,
                    name: table.local_key(),
                    schema: table.schema.clone(),
                    datastore: server,
                    database,
                    owners: Vec::new(),
                    created: Vec::new(),
                });
                if !t.from_init && !info.owners.contains(&creator) {
                    info.owners.push(creator.clone());
                }
                info.created.push((creator, f.location.clone()));
                // A table created in a database the script names is a use of it.
                if let Some(d) = &table.database {
                    t.access(b, d, &f.location, format!("CREATE TABLE {}", table.key()));
                }
            }
            SqlFactKind::CreateDatabase { name } => {
                t.access(b, name, &f.location, format!("CREATE DATABASE {name}"))
            }
            SqlFactKind::UseDatabase { name } => {
                t.access(b, name, &f.location, format!("USE {name}"))
            }
            SqlFactKind::References { table, statement } if !t.from_init => {
                self.uses.push(TableUse {
                    service: creator,
                    table: t.key_of(table).0,
                    statement,
                    location: f.location.clone(),
                })
            }
            SqlFactKind::ForeignKey { from, to } if !t.from_init => {
                self.fks.push(crate::model::ForeignKey {
                    service: creator,
                    from: t.key_of(from).0,
                    to: t.key_of(to).0,
                    location: f.location.clone(),
                })
            }
            _ => {}
        }
    }

    fn finish(self) -> (Vec<TableInfo>, Vec<TableUse>, Vec<crate::model::ForeignKey>) {
        let mut tables: Vec<TableInfo> = self.tables.into_values().collect();
        for t in &mut tables {
            t.owners.sort();
            t.created.sort_by(|a, b| a.1.cmp(&b.1));
        }
        let (mut uses, mut fks) = (self.uses, self.fks);
        uses.sort_by(|a, b| a.location.cmp(&b.location));
        fks.sort_by(|a, b| a.location.cmp(&b.location));
        (tables, uses, fks)
    }
}
