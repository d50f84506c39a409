//! Reading action parameters: required, optional, booleans and numbers, with the API's errors.

use crossram_core::ApiError;

use crate::api::Params;

/// A required parameter; `MissingParameter` when absent or empty.
pub(crate) fn required<'a>(p: &'a Params, name: &str) -> Result<&'a str, ApiError> {
    match p.get(name) {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(ApiError::missing_parameter(name)),
    }
}

/// An optional parameter (empty counts as absent).
pub(crate) fn optional<'a>(p: &'a Params, name: &str) -> Option<&'a str> {
    p.get(name).filter(|v| !v.is_empty())
}

/// An optional boolean (`true`/`false`, any case).
pub(crate) fn boolean(p: &Params, name: &str) -> Result<Option<bool>, ApiError> {
    match optional(p, name) {
        None => Ok(None),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(v) => Err(ApiError::invalid_parameter(format!(
            "The parameter \"{name}\" must be true or false, got \"{v}\"."
        ))),
    }
}

/// An optional integer, in decimal digits with an optional sign (no surrounding spaces).
pub(crate) fn integer(p: &Params, name: &str) -> Result<Option<i64>, ApiError> {
    match optional(p, name) {
        None => Ok(None),
        Some(v) => v.parse::<i64>().map(Some).map_err(|_| {
            ApiError::invalid_parameter(format!(
                "The parameter \"{name}\" must be an integer, got \"{v}\"."
            ))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_digits_with_an_optional_sign() {
        let p: Params = [
            ("Plain", "3600"),
            ("Signed", "+3600"),
            ("Zeros", "03600"),
            ("Spaced", " 3600"),
            ("Word", "an hour"),
            ("Empty", ""),
        ]
        .into_iter()
        .collect();
        for name in ["Plain", "Signed", "Zeros"] {
            assert_eq!(integer(&p, name).unwrap(), Some(3600), "{name}");
        }
        for name in ["Spaced", "Word"] {
            let e = integer(&p, name).unwrap_err();
            assert_eq!(e.code(), "InvalidParameter", "{name}");
            assert!(e.message().contains(name), "{e:?}");
        }
        assert_eq!(integer(&p, "Empty").unwrap(), None);
        assert_eq!(integer(&p, "Absent").unwrap(), None);
    }
}
