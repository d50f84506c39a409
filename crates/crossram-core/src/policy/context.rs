//! The request context: condition keys and their values (spec §5.4).

/// Condition keys of one request and their values. Keys compare case-insensitively (ASCII);
/// a key may carry several values, and inserting an existing key adds a value.
///
/// The caller supplies every value, including `acs:CurrentTime` (the engine passes its clock's
/// reading; this crate never reads the clock).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Context {
    entries: Vec<(String, Vec<String>)>,
}

impl Context {
    /// An empty context.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `value` to `key` (keeps earlier values of the key).
    pub fn insert(&mut self, key: &str, value: impl Into<String>) {
        let value = value.into();
        match self
            .entries
            .iter_mut()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
        {
            Some((_, values)) => values.push(value),
            None => self.entries.push((key.to_owned(), vec![value])),
        }
    }

    /// What a value of one of the service's own typed keys must look like, when `value` does
    /// not: `acs:SourceIp` an IP address, `acs:CurrentTime` an RFC 3339 time,
    /// `acs:SecureTransport` and `acs:MFAPresent` `true` or `false`, read as the condition
    /// operators read them. `None` for a value of that form and for every other key (the
    /// policy author's). The service never sends another form, so a simulated request with one
    /// would only read as a denial.
    pub fn expected_form(key: &str, value: &str) -> Option<&'static str> {
        use super::condition::{parse_bool, parse_date};
        let (fits, form) = match key.to_ascii_lowercase().as_str() {
            "acs:sourceip" => (
                value.trim().parse::<std::net::IpAddr>().is_ok(),
                "an IP address, e.g. 203.0.113.7",
            ),
            "acs:currenttime" => (
                parse_date(value).is_some(),
                "an RFC 3339 time, e.g. 2026-11-29T10:00:00Z",
            ),
            "acs:securetransport" | "acs:mfapresent" => {
                (parse_bool(value).is_some(), "true or false")
            }
            _ => return None,
        };
        (!fits).then_some(form)
    }

    /// Builder form of [`Context::insert`].
    #[must_use]
    pub fn with(mut self, key: &str, value: impl Into<String>) -> Self {
        self.insert(key, value);
        self
    }

    /// Removes a key and all its values.
    pub fn remove(&mut self, key: &str) {
        self.entries.retain(|(k, _)| !k.eq_ignore_ascii_case(key));
    }

    /// The values of `key` (empty when the key is absent).
    pub fn get(&self, key: &str) -> &[String] {
        self.entries
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map_or(&[], |(_, v)| v.as_slice())
    }

    /// Whether the context has `key`.
    pub fn contains(&self, key: &str) -> bool {
        self.entries
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case(key))
    }

    /// Every key (as first inserted) with its values, in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    /// Whether the context has no key.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::Context;

    #[test]
    fn keys_fold_and_values_accumulate() {
        let mut c = Context::default();
        c.insert("acs:SourceIp", "203.0.113.7");
        c.insert("ACS:sourceip", "198.51.100.1");
        assert_eq!(c.get("acs:sourceIP"), ["203.0.113.7", "198.51.100.1"]);
        assert!(c.get("acs:MFAPresent").is_empty());
        assert!(c.contains("Acs:SourceIp"));
        c.remove("acs:sourceip");
        assert!(c.is_empty());
    }

    #[test]
    fn typed_keys_take_the_forms_the_operators_read() {
        assert_eq!(Context::expected_form("ACS:SourceIp", "2001:db8::1"), None);
        assert!(Context::expected_form("acs:SourceIp", "10.0.0.0/8").is_some());
        assert_eq!(
            Context::expected_form("acs:CurrentTime", "2026-11-29T10:00:00+08:00"),
            None
        );
        assert!(Context::expected_form("acs:CurrentTime", "yesterday").is_some());
        // As the Bool operator reads them: any case.
        assert_eq!(Context::expected_form("acs:MFAPresent", "TRUE"), None);
        assert_eq!(
            Context::expected_form("acs:SecureTransport", "yes"),
            Some("true or false")
        );
        assert_eq!(Context::expected_form("sts:ExternalId", "anything"), None);
    }
}
