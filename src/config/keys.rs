//! Reading one section key by key, so that every unknown key and every value of the wrong form
//! is named by its full key (`database.connect_timeout`) with what was found and what is
//! expected, and none hides another: the section is then read from its good keys alone, so
//! the checks of `load` still see the rest of it.

use super::form;
use super::problem::{push, Problem};
use config::{Config, Map, Value, ValueKind};
use serde::de::DeserializeOwned;

/// The section `name`: its defaults, with every key of the configuration that is known and has
/// the right form; a problem for each other key.
pub(super) fn section<T: DeserializeOwned + Default>(cfg: &Config, name: &str, problems: &mut Vec<Problem>) -> T {
    let table = match cfg.get_table(name) {
        Ok(table) => table,
        Err(config::ConfigError::NotFound(_)) => return T::default(),
        Err(e) => {
            let message = match cfg.get::<Value>(name) {
                Ok(v) if v.kind == ValueKind::Nil => return T::default(),
                Ok(v) => format!("found {}; expected a section: [{name}] followed by its keys", found(&v)),
                Err(_) => e.to_string(),
            };
            push(problems, name, message);
            return T::default();
        }
    };
    let fields = form::fields::<T>();
    let mut keys: Vec<&String> = table.keys().collect();
    // Known keys in the order the struct (and config/wasteflow.toml) shows them, then the others.
    keys.sort_by_key(|k| (fields.iter().position(|f| f == k).unwrap_or(fields.len()), k.as_str()));
    let mut good = Map::new();
    for key in keys {
        let value = &table[key];
        let full = format!("{name}.{key}");
        if !fields.contains(&key.as_str()) {
            push(problems, &full, unknown(name, key, fields));
            continue;
        }
        let alone = Map::from([(key.clone(), value.clone())]);
        match Value::from(alone).try_deserialize::<T>() {
            Ok(_) => {
                good.insert(key.clone(), value.clone());
            }
            Err(e) => push(problems, &full, wrong(value, form::expected::<T>(key), &e)),
        }
    }
    Value::from(good).try_deserialize::<T>().unwrap_or_else(|e| {
        push(problems, name, e.to_string());
        T::default()
    })
}

/// What an unknown key is told: the key it is closest to, or the keys there are.
fn unknown(section: &str, key: &str, fields: &[&str]) -> String {
    match crate::spelling::closest(key, fields.iter().copied()) {
        Some(f) => format!("unknown key; did you mean {section}.{f}?"),
        None => format!("unknown key; [{section}] has {}", fields.join(", ")),
    }
}

/// What a value of the wrong form is told: what it is, what is expected, with an example.
fn wrong(value: &Value, expected: Option<form::Expected>, error: &config::ConfigError) -> String {
    let Some(expected) = expected else {
        // Not a form the probe knows: config's own words, without its key and origin.
        let why = error.to_string();
        return why.split(" for key").next().unwrap_or(&why).to_string();
    };
    let mut message = format!("found {}; expected {expected}", found(value));
    if expected.form == form::Form::Duration {
        let number = match &value.kind {
            ValueKind::I64(n) if *n >= 0 => Some(n.to_string()),
            ValueKind::U64(n) => Some(n.to_string()),
            ValueKind::String(s) if s.trim().parse::<u64>().is_ok() => Some(s.trim().to_string()),
            _ => None,
        };
        if let Some(n) = number {
            message.push_str(&format!(r#" (a number needs a unit: "{n}s" is {n} seconds)"#));
        }
    }
    message
}

/// A value as the operator wrote it: `the integer 30`, `the string "5"`.
fn found(value: &Value) -> String {
    match &value.kind {
        ValueKind::Nil => "no value".to_string(),
        ValueKind::Boolean(b) => format!("the boolean {b}"),
        ValueKind::I64(n) => format!("the integer {n}"),
        ValueKind::I128(n) => format!("the integer {n}"),
        ValueKind::U64(n) => format!("the integer {n}"),
        ValueKind::U128(n) => format!("the integer {n}"),
        ValueKind::Float(x) => format!("the number {x}"),
        ValueKind::String(s) => format!("the string {s:?}"),
        ValueKind::Table(_) => "a table".to_string(),
        ValueKind::Array(_) => "a list".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DatabaseSettings;
    use config::{File, FileFormat};

    fn database(toml: &str) -> (DatabaseSettings, Vec<String>) {
        let cfg = Config::builder().add_source(File::from_str(toml, FileFormat::Toml)).build().unwrap();
        let mut problems = Vec::new();
        let s = section::<DatabaseSettings>(&cfg, "database", &mut problems);
        (s, problems.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn every_bad_key_is_named_and_the_good_ones_are_kept() {
        let (s, problems) = database(
            "[database]\nwriters = 4\nconect_timeout = \"5s\"\nstatement_timeout = 7\ntls = \"maybe\"\nzzz = 1\n\
             url = \"postgres://x@h/db\"\n",
        );
        assert_eq!(
            problems,
            [
                r#"database.statement_timeout: found the integer 7; expected a duration such as "5s" or "2min" (a number needs a unit: "7s" is 7 seconds)"#,
                r#"database.tls: found the string "maybe"; expected true or false"#,
                "database.conect_timeout: unknown key; did you mean database.connect_timeout?",
                "database.zzz: unknown key; [database] has url, password_file, connect_timeout, statement_timeout, \
                 retry_min, retry_max, migrate_on_start, schema, writers, tls, ca_file, spool_file",
            ]
        );
        assert_eq!((s.writers, s.url.as_str()), (4, "postgres://x@h/db"), "the good keys are read");
    }

    #[test]
    fn a_section_that_is_no_table_is_named() {
        let (s, problems) = database("database = 5\n");
        assert_eq!(problems, ["database: found the integer 5; expected a section: [database] followed by its keys"]);
        assert_eq!(s, DatabaseSettings::default());
    }
}
