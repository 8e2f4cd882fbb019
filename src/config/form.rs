//! What the keys of a section are and what form each value takes, read from the section's own
//! `Deserialize` impl: the field names its struct declares, and for one field what serde asks
//! of it (a duration, a whole number, true or false, one of some names). So the error messages
//! follow the types without a second list of keys to keep in step. Nothing here reads a
//! configuration.

use serde::de::value::Error;
use serde::de::{self, DeserializeOwned, Deserializer, IntoDeserializer, MapAccess, Visitor};
use std::cell::{Cell, RefCell};
use std::fmt;

/// The form a key's value must take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Form {
    /// A humantime duration (`"5s"`).
    Duration,
    /// A whole number of this many bits.
    Whole {
        bits: u8,
        signed: bool,
    },
    /// A number, fractions allowed.
    Number,
    Bool,
    Text,
    /// One of these names.
    Choice(&'static [&'static str]),
    /// Anything else, as serde describes it.
    Other(String),
}

/// What a key expects: its form, and whether it may be left out to stay unset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Expected {
    pub form: Form,
    pub optional: bool,
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.form {
            Form::Duration => write!(f, r#"a duration such as "5s" or "2min""#)?,
            Form::Whole { bits, signed: false } if *bits <= 16 => {
                write!(f, "a whole number from 0 to {}, such as 100", (1u32 << bits) - 1)?
            }
            Form::Whole { signed: false, .. } => write!(f, "a whole number, 0 or more, such as 100")?,
            Form::Whole { signed: true, .. } => write!(f, "a whole number such as 100")?,
            Form::Number => write!(f, "a number such as 0.5 or 3")?,
            Form::Bool => write!(f, "true or false")?,
            Form::Text => write!(f, "a string in double quotes")?,
            Form::Choice(names) => {
                let quoted: Vec<String> = names.iter().map(|n| format!("{n:?}")).collect();
                write!(f, "one of {}", quoted.join(", "))?
            }
            Form::Other(what) => write!(f, "{what}")?,
        }
        if self.optional {
            write!(f, ", or the key left out")?;
        }
        Ok(())
    }
}

/// The keys of the section `T`, in the order the struct declares them.
pub(super) fn fields<T: DeserializeOwned>() -> &'static [&'static str] {
    let seen = Cell::new(&[][..]);
    let _ = T::deserialize(Probe::Fields(&seen));
    seen.get()
}

/// What the key `field` of section `T` expects; `None` if `T` does not read it as a struct field.
pub(super) fn expected<T: DeserializeOwned>(field: &str) -> Option<Expected> {
    let seen = RefCell::new(None);
    let _ = T::deserialize(Probe::OneField { field, seen: &seen });
    seen.into_inner()
}

fn refused() -> Error {
    de::Error::custom("probe")
}

/// A section's struct, probed: either it records the field names the struct asks for, then
/// refuses; or it offers the struct the single key `field`, whose value is a [`Leaf`].
enum Probe<'a> {
    Fields(&'a Cell<&'static [&'static str]>),
    OneField { field: &'a str, seen: &'a RefCell<Option<Expected>> },
}

impl<'de> Deserializer<'de> for Probe<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Error> {
        Err(refused())
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self {
            Probe::Fields(seen) => {
                seen.set(fields);
                Err(refused())
            }
            Probe::OneField { field, seen } => visitor.visit_map(OneEntry { key: Some(field), seen }),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option
        unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}

struct OneEntry<'a> {
    key: Option<&'a str>,
    seen: &'a RefCell<Option<Expected>>,
}

impl<'de> MapAccess<'de> for OneEntry<'_> {
    type Error = Error;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        match self.key.take() {
            Some(key) => seed.deserialize(IntoDeserializer::<Error>::into_deserializer(key)).map(Some),
            None => Ok(None),
        }
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        seed.deserialize(Leaf { seen: self.seen, optional: false })
    }
}

/// A value that records what it was asked to be, then refuses.
struct Leaf<'a> {
    seen: &'a RefCell<Option<Expected>>,
    optional: bool,
}

impl Leaf<'_> {
    fn is<T>(self, form: Form) -> Result<T, Error> {
        *self.seen.borrow_mut() = Some(Expected { form, optional: self.optional });
        Err(refused())
    }
}

/// What a visitor says it expects ("a duration", "a string").
fn expecting<'de, V: Visitor<'de>>(visitor: &V) -> String {
    format!("{}", visitor as &dyn de::Expected)
}

macro_rules! whole {
    ($($method:ident $bits:literal $signed:literal),*) => {$(
        fn $method<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Error> {
            self.is(Form::Whole { bits: $bits, signed: $signed })
        }
    )*};
}

impl<'de> Deserializer<'de> for Leaf<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let what = expecting(&visitor);
        self.is(Form::Other(what))
    }

    whole!(deserialize_i8 8 true, deserialize_i16 16 true, deserialize_i32 32 true, deserialize_i64 64 true,
        deserialize_i128 128 true, deserialize_u8 8 false, deserialize_u16 16 false, deserialize_u32 32 false,
        deserialize_u64 64 false, deserialize_u128 128 false);

    fn deserialize_bool<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Error> {
        self.is(Form::Bool)
    }

    fn deserialize_f32<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Error> {
        self.is(Form::Number)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Error> {
        self.is(Form::Number)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        // humantime_serde's visitor expects "a duration"; a plain string "a string".
        match expecting(&visitor).as_str() {
            "a duration" => self.is(Form::Duration),
            "a string" | "a borrowed string" => self.is(Form::Text),
            other => {
                let other = other.to_string();
                self.is(Form::Other(other))
            }
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(Leaf { seen: self.seen, optional: true })
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        variants: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Error> {
        self.is(Form::Choice(variants))
    }

    serde::forward_to_deserialize_any! {
        char bytes byte_buf unit unit_struct newtype_struct seq tuple tuple_struct map struct identifier
        ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{DatabaseSettings, LogSettings, MqttSettings, StorageSettings};

    #[test]
    fn the_keys_of_a_section_are_its_fields_in_order() {
        assert_eq!(&fields::<LogSettings>(), &["format", "level"]);
        assert_eq!(fields::<DatabaseSettings>()[..3], ["url", "password_file", "connect_timeout"]);
    }

    #[test]
    fn each_key_has_the_form_of_its_type() {
        let form = |f: Option<Expected>| f.map(|e| (e.form, e.optional));
        assert_eq!(form(expected::<MqttSettings>("keep_alive")), Some((Form::Duration, false)));
        assert_eq!(form(expected::<StorageSettings>("raw_retention")), Some((Form::Duration, true)));
        assert_eq!(
            form(expected::<MqttSettings>("receive_maximum")),
            Some((Form::Whole { bits: 16, signed: false }, false))
        );
        assert_eq!(form(expected::<DatabaseSettings>("tls")), Some((Form::Bool, false)));
        assert_eq!(form(expected::<DatabaseSettings>("ca_file")), Some((Form::Text, true)));
        assert_eq!(form(expected::<LogSettings>("format")), Some((Form::Choice(&["human", "json"]), false)));
        assert_eq!(expected::<LogSettings>("no_such_key"), None);
    }

    #[test]
    fn each_form_is_said_with_an_example() {
        let said = |form, optional| Expected { form, optional }.to_string();
        assert_eq!(said(Form::Duration, false), r#"a duration such as "5s" or "2min""#);
        assert_eq!(said(Form::Duration, true), r#"a duration such as "5s" or "2min", or the key left out"#);
        assert_eq!(said(Form::Whole { bits: 16, signed: false }, false), "a whole number from 0 to 65535, such as 100");
        assert_eq!(said(Form::Whole { bits: 64, signed: false }, false), "a whole number, 0 or more, such as 100");
        assert_eq!(said(Form::Number, false), "a number such as 0.5 or 3");
        assert_eq!(said(Form::Bool, false), "true or false");
        assert_eq!(said(Form::Choice(&["human", "json"]), false), r#"one of "human", "json""#);
    }
}
