//! Lenient integer fields: JSON Schema counts `5.0` as an integer, so the API accepts it
//! wherever it documents one.

use serde::de::Error;
use serde::{Deserialize, Deserializer};

fn whole_of<T: TryFrom<u64>, E: Error>(n: &serde_json::Number) -> Result<T, E> {
    let value = n.as_u64().or_else(|| {
        n.as_f64()
            .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < 1.8e19)
            .map(|f| {
                // Checked above: a non-negative whole number within u64's range.
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let v = f as u64;
                v
            })
    });
    let value =
        value.ok_or_else(|| E::custom(format!("invalid value: {n}, expected a whole number")))?;
    T::try_from(value).map_err(|_| E::custom(format!("invalid value: {n}, out of range")))
}

/// For required `T` fields.
///
/// # Errors
/// Not a number, not whole, or out of `T`'s range.
pub fn whole<'de, D: Deserializer<'de>, T: TryFrom<u64>>(d: D) -> Result<T, D::Error> {
    whole_of(&serde_json::Number::deserialize(d)?)
}

/// For `Option<T>` fields.
///
/// # Errors
/// Not a number, not whole, or out of `T`'s range.
pub fn opt_whole<'de, D: Deserializer<'de>, T: TryFrom<u64>>(d: D) -> Result<Option<T>, D::Error> {
    Option::<serde_json::Number>::deserialize(d)?
        .map(|n| whole_of(&n))
        .transpose()
}

/// For `Option<Option<T>>` fields (absent vs. `null` vs. a value).
///
/// # Errors
/// Not a number, not whole, or out of `T`'s range.
pub fn opt_opt_whole<'de, D: Deserializer<'de>, T: TryFrom<u64>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    opt_whole(d).map(Some)
}

/// For maps of whole numbers that may be negative (`answers`): `-271.0` is `-271`, and a whole
/// number beyond `i64` saturates, so that the range check that follows names the key.
///
/// # Errors
/// A value that is not a number, or not whole.
pub fn whole_i64_map<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<std::collections::BTreeMap<String, i64>, D::Error> {
    std::collections::BTreeMap::<String, serde_json::Number>::deserialize(d)?
        .into_iter()
        .map(|(key, n)| {
            let value = n.as_i64().or_else(|| {
                n.as_f64().filter(|f| f.fract() == 0.0).map(|f| {
                    // `as` saturates: out of range is refused later, by key.
                    #[allow(clippy::cast_possible_truncation)]
                    let v = f as i64;
                    v
                })
            });
            value.map(|v| (key.clone(), v)).ok_or_else(|| {
                D::Error::custom(format!(
                    "{key}: invalid value: {n}, expected a whole number"
                ))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[derive(serde::Deserialize)]
    struct S {
        #[serde(default, deserialize_with = "super::opt_whole")]
        n: Option<u8>,
    }

    fn n(json: &str) -> Result<Option<u8>, serde_json::Error> {
        serde_json::from_str::<S>(json).map(|s| s.n)
    }

    #[derive(serde::Deserialize)]
    struct M {
        #[serde(deserialize_with = "super::whole_i64_map")]
        m: std::collections::BTreeMap<String, i64>,
    }

    #[test]
    fn maps_take_negative_and_float_whole_numbers_and_saturate_beyond_i64() {
        let m = |json: &str| serde_json::from_str::<M>(json).map(|s| s.m);
        let parsed = m(r#"{"m": {"a": -271.0, "b": 3, "c": 1e30, "d": -1e30}}"#).unwrap();
        assert_eq!(parsed["a"], -271);
        assert_eq!(parsed["b"], 3);
        assert_eq!((parsed["c"], parsed["d"]), (i64::MAX, i64::MIN));
        assert!(m(r#"{"m": {"a": 2.5}}"#).is_err());
        assert!(m(r#"{"m": {"a": "2"}}"#).is_err());
    }

    #[test]
    fn accepts_whole_floats_and_refuses_the_rest() {
        assert_eq!(n(r#"{"n": 5}"#).unwrap(), Some(5));
        assert_eq!(n(r#"{"n": 5.0}"#).unwrap(), Some(5));
        assert_eq!(n(r#"{"n": null}"#).unwrap(), None);
        assert_eq!(n("{}").unwrap(), None);
        for bad in [
            r#"{"n": 5.5}"#,
            r#"{"n": -1}"#,
            r#"{"n": 256}"#,
            r#"{"n": "5"}"#,
            r#"{"n": 1e300}"#,
        ] {
            assert!(n(bad).is_err(), "{bad}");
        }
    }
}

/// Where `input` (what a client sent) has an array and `parsed` (the same message after a
/// round trip through its type) an object: serde reads a struct from an array of its fields
/// in order, which no message of this API means. The path is in the API's field syntax
/// (`changes`, `variants[0].changes`); `None` when every object was sent as one.
#[must_use]
pub fn array_for_object(input: &serde_json::Value, parsed: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    fn walk(input: &Value, parsed: &Value, path: &str) -> Option<String> {
        match (input, parsed) {
            (Value::Array(_), Value::Object(_)) => Some(path.to_owned()),
            (Value::Object(sent), Value::Object(read)) => read.iter().find_map(|(key, value)| {
                let here = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                sent.get(key).and_then(|s| walk(s, value, &here))
            }),
            (Value::Array(sent), Value::Array(read)) => sent
                .iter()
                .zip(read)
                .enumerate()
                .find_map(|(i, (s, r))| walk(s, r, &format!("{path}[{i}]"))),
            _ => None,
        }
    }
    walk(input, parsed, "").map(|p| if p.is_empty() { "body".to_owned() } else { p })
}

#[cfg(test)]
mod array_tests {
    use serde_json::json;

    use super::array_for_object;

    #[test]
    fn an_array_sent_for_an_object_is_found_with_its_path() {
        let parsed = json!({"a": 1, "changes": {"x": null, "y": null}, "v": [{"c": {"k": 1}}]});
        assert_eq!(
            array_for_object(&json!({"changes": [null, null]}), &parsed).as_deref(),
            Some("changes")
        );
        assert_eq!(
            array_for_object(&json!({"v": [{"c": [1]}]}), &parsed).as_deref(),
            Some("v[0].c")
        );
        assert_eq!(
            array_for_object(&json!([1]), &parsed).as_deref(),
            Some("body")
        );
        assert_eq!(
            array_for_object(&json!({"changes": {}, "v": [{"c": {"k": 1}}]}), &parsed),
            None
        );
    }
}
