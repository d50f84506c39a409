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
}
